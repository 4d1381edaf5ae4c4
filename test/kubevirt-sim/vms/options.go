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
	// KubeVirtVersion is the KubeVirt version the cluster runs, which the simulator reports on
	// the KubeVirt CR's status as virt-operator does; empty reports none.
	KubeVirtVersion string
}

// AddFlags registers the VM-side flags on fs and returns the options they fill.
func AddFlags(fs *pflag.FlagSet) *Options {
	o := &Options{}
	fs.DurationVar(&o.MigrationDuration, "migration-duration", 2*time.Second, "default time a simulated live migration spends in phase Running")
	fs.IntVar(&o.Workers, "workers", 2, "workers per simulated controller")
	fs.StringVar(&o.KubeVirtVersion, "kubevirt-version", "", "KubeVirt version reported in the KubeVirt CR's status (hack/cluster.sh passes its KUBEVIRT_VERSION); empty reports none")
	return o
}
