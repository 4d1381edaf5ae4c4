package completion

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
)

// A completion runs while the user waits at a TAB: it must answer quickly or not at all.
const lookupTimeout = 5 * time.Second

const noFiles = cobra.ShellCompDirectiveNoFileComp

// Words completes a flag from a fixed list, such as -o's formats; "jsonpath=" and the like
// take their value right after, so no space is added.
func Words(words ...string) cobra.CompletionFunc {
	return cobra.FixedCompletions(words, noFiles|cobra.ShellCompDirectiveNoSpace)
}

// NodesForStart completes the nodes that can go into maintenance: schedulable and not already
// in maintenance (by a NodeMaintenance or by --method=drain).
func NodesForStart(f *cmdutil.Factory) cobra.CompletionFunc {
	return func(c *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		ctx, cancel := context.WithTimeout(contextOf(c), lookupTimeout)
		defer cancel()
		kube, err := f.Kube()
		if err != nil {
			return nil, noFiles
		}
		nodes, err := kube.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, noFiles
		}
		inv, err := inventory(ctx, f)
		if err != nil {
			return nil, noFiles
		}
		var out []string
		for _, n := range nodes.Items {
			if !n.Spec.Unschedulable && !inv.InMaintenance(n.Name) {
				out = append(out, n.Name)
			}
		}
		return filter(out, args, toComplete), noFiles
	}
}

// NodesInMaintenance completes the nodes that are in maintenance, for stop and describe.
func NodesInMaintenance(f *cmdutil.Factory) cobra.CompletionFunc {
	return func(c *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		ctx, cancel := context.WithTimeout(contextOf(c), lookupTimeout)
		defer cancel()
		inv, err := inventory(ctx, f)
		if err != nil {
			return nil, noFiles
		}
		return filter(inv.Nodes(), args, toComplete), noFiles
	}
}

// inventory reads the nodes in maintenance for a completion. A NodeMaintenance API that cannot
// be found or read leaves the --method=drain maintenances, which are still worth offering: a
// completion answers with what it can read rather than nothing.
func inventory(ctx context.Context, f *cmdutil.Factory) (*maintenance.Inventory, error) {
	var c maintenance.Clients
	var err error
	if c.Kube, err = f.Kube(); err != nil {
		return nil, err
	}
	var api *maintenance.API
	if disc, err := f.DiscoveryClient(); err == nil {
		if a, err := maintenance.ResolveAPI(disc); err == nil {
			if c.Dynamic, err = f.Dynamic(); err == nil {
				api = &a
			}
		}
	}
	if inv, err := c.Inventory(ctx, api); err == nil || api == nil {
		return inv, err
	}
	return c.Inventory(ctx, nil)
}

// Namespaces completes namespace names, for -n and --cdi-namespace.
func Namespaces(f *cmdutil.Factory) cobra.CompletionFunc {
	return func(c *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		ctx, cancel := context.WithTimeout(contextOf(c), lookupTimeout)
		defer cancel()
		kube, err := f.Kube()
		if err != nil {
			return nil, noFiles
		}
		list, err := kube.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, noFiles
		}
		var out []string
		for _, ns := range list.Items {
			out = append(out, ns.Name)
		}
		return filter(out, nil, toComplete), noFiles
	}
}

// filter keeps the candidates that start with what was typed and are not already arguments.
func filter(candidates, already []string, toComplete string) []string {
	seen := map[string]bool{}
	for _, a := range already {
		seen[a] = true
	}
	var out []string
	for _, c := range candidates {
		if !seen[c] && strings.HasPrefix(c, toComplete) {
			out = append(out, c)
		}
	}
	return out
}

func contextOf(c *cobra.Command) context.Context {
	if ctx := c.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}
