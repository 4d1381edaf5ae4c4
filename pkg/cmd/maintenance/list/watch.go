package list

import (
	"context"
	"errors"
	"fmt"

	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
	"github.com/oc-cnv/oc-cnv/pkg/printers"
)

// watch prints a row whenever a maintenance changes, like kubectl get --watch. The domain's
// WatchList reports every notification, relists and node heartbeats included; they reprint
// nothing because a row is printed only when it differs from the one last printed for the same
// maintenance.
func (o *Options) watch(ctx context.Context, c maintenance.Clients, api *maintenance.API, initial []maintenance.ListEntry, wide bool) error {
	// Start the columns at the widths typical values need, since rows arrive one by one.
	t := newRowTracker(&rowPrinter{out: o.streams.Out, widths: []int{28, 16, 9, 5, 5, 12, 5, 20, 10}}, wide, o.now)
	if !o.NoHeaders {
		if err := t.rp.print(printers.MaintenanceListHeaders(wide)); err != nil {
			return err
		}
	}
	for _, e := range initial {
		if err := t.show(e); err != nil {
			return err
		}
	}
	err := c.WatchList(ctx, api, wide, func(ch maintenance.ListChange) error {
		switch {
		case ch.Err != nil:
			// One row could not be read: say so and keep watching the others.
			_, err := fmt.Fprintf(o.streams.ErrOut, "warning: node %s: %v\n", ch.Entry.NodeName, ch.Err)
			return err
		case ch.Deleted:
			return t.showDeleted(ch.Entry)
		}
		return t.show(ch.Entry)
	})
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		// Ctrl-C is how a watch ends: exit 130 as documented, with nothing more to say since a
		// watch changes nothing.
		return &cmdutil.Error{Code: cmdutil.ExitInterrupted, Err: errors.New(""), Bare: true}
	}
	return err
}
