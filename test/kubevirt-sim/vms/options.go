package vms

import (
	"time"

	"github.com/spf13/pflag"
)

// Options are the knobs of the VM side of the simulator that hack/cluster.sh may set.
type Options struct {
	// WebhookPort is where the pods/eviction admission webhook listens on 127.0.0.1.
	WebhookPort int
	// WebhookConfigName is the ValidatingWebhookConfiguration the simulator owns.
	WebhookConfigName string
	// MigrationDuration is how long a simulated live migration stays Running unless a VMI
	// annotation overrides it.
	MigrationDuration time.Duration
	// Workers is the number of workers per controller.
	Workers int
}

// AddFlags registers the VM-side flags on fs and returns the options they fill.
func AddFlags(fs *pflag.FlagSet) *Options {
	o := &Options{}
	fs.IntVar(&o.WebhookPort, "webhook-port", 9444, "port on 127.0.0.1 of the simulated virt-api pods/eviction webhook")
	fs.StringVar(&o.WebhookConfigName, "webhook-config-name", "kubevirt-sim-virt-api-validator", "name of the ValidatingWebhookConfiguration the simulator creates for pods/eviction")
	fs.DurationVar(&o.MigrationDuration, "migration-duration", 2*time.Second, "default time a simulated live migration spends in phase Running")
	fs.IntVar(&o.Workers, "workers", 2, "workers per simulated controller")
	return o
}
