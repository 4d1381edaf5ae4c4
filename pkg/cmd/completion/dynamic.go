package completion

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
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
	return completeNodes(f, func(ctx context.Context, nodes []corev1.Node) []string {
		busy := nodesInMaintenance(ctx, f, nodes)
		var out []string
		for _, n := range nodes {
			if n.Spec.Unschedulable || busy[n.Name] {
				continue
			}
			out = append(out, n.Name)
		}
		return out
	})
}

// NodesInMaintenance completes the nodes that are in maintenance, for stop and describe.
func NodesInMaintenance(f *cmdutil.Factory) cobra.CompletionFunc {
	return completeNodes(f, func(ctx context.Context, nodes []corev1.Node) []string {
		var out []string
		for name := range nodesInMaintenance(ctx, f, nodes) {
			out = append(out, name)
		}
		sort.Strings(out)
		return out
	})
}

// completeNodes lists the nodes within lookupTimeout and offers those choose picks; a cluster
// that cannot be read offers nothing rather than file names.
func completeNodes(f *cmdutil.Factory, choose func(context.Context, []corev1.Node) []string) cobra.CompletionFunc {
	return func(c *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		ctx, cancel := context.WithTimeout(contextOf(c), lookupTimeout)
		defer cancel()
		nodes, err := listNodes(ctx, f)
		if err != nil {
			return nil, noFiles
		}
		return filter(choose(ctx, nodes), args, toComplete), noFiles
	}
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

func listNodes(ctx context.Context, f *cmdutil.Factory) ([]corev1.Node, error) {
	kube, err := f.Kube()
	if err != nil {
		return nil, err
	}
	list, err := kube.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	return list.Items, nil
}

// nodesInMaintenance names the nodes with a NodeMaintenance (of whichever API the cluster
// serves) or marked by --method=drain.
func nodesInMaintenance(ctx context.Context, f *cmdutil.Factory, nodes []corev1.Node) map[string]bool {
	busy := map[string]bool{}
	for i := range nodes {
		if _, ok := maintenance.DrainedBy(&nodes[i]); ok {
			busy[nodes[i].Name] = true
		}
	}
	disc, err := f.DiscoveryClient()
	if err != nil {
		return busy
	}
	api, err := maintenance.ResolveAPI(disc)
	if err != nil {
		return busy
	}
	dyn, err := f.Dynamic()
	if err != nil {
		return busy
	}
	all, err := maintenance.ListMaintenances(ctx, dyn, api)
	if err != nil {
		return busy
	}
	for _, nm := range all {
		busy[nm.NodeName] = true
	}
	return busy
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
