package certs

import (
	"context"
)

// webhookName returns the name under which a catalogue webhook exists for namespace ns: its
// real name, or the name suffixed with the namespace when several installations share a
// cluster.
func (r *Rotator) webhookName(ctx context.Context, ref Ref, ns string) (string, bool) {
	for _, name := range []string{ref.Name, ref.Name + "-" + ns} {
		configs, err := r.reader().webhooks(ctx, ref.Kind, name)
		if err != nil || len(configs) == 0 || configs[0].Service == nil {
			continue
		}
		// Only the configuration that calls this installation's service is ours to touch.
		if configs[0].Service.Namespace == ns {
			return name, true
		}
	}
	return "", false
}
