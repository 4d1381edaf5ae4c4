package vms

import (
	"time"

	"github.com/spf13/pflag"
)

// Options are the knobs of the VM side of the simulator that hack/cluster.sh may set.
type Options struct {
	// MigrationDuration is how long a simulated live migration stays Running unless a VMI
	// annotation overrides it.
	MigrationDuration time.Duration
	// Workers is the number of workers per controller.
	Workers int
}

// AddFlags registers the VM-side flags on fs and returns the options they fill.
func AddFlags(fs *pflag.FlagSet) *Options {
	o := &Options{}
	fs.DurationVar(&o.MigrationDuration, "migration-duration", 2*time.Second, "default time a simulated live migration spends in phase Running")
	fs.IntVar(&o.Workers, "workers", 2, "workers per simulated controller")
	return o
}
