// Package certs groups the `oc cnv certs` verbs.
package certs

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
)

// NewCmdCerts returns the `certs` command group.
func NewCmdCerts(f *cmdutil.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "certs",
		Aliases: []string{"certificates", "cert"},
		Short:   "Check and rotate the TLS certificates of the virtualization components",
		Long: `Check and rotate the TLS certificates of the virtualization components (KubeVirt, CDI, SSP,
kubemacpool, ...) in the OpenShift Virtualization namespace: openshift-cnv unless -n names
another (kubevirt-hyperconverged is found by itself), not the kubeconfig context's namespace.

check lists every certificate, its expiry, and whether it still chains to the CA its clients
trust. rotate has each certificate re-issued by the operator that owns it, waits, and verifies.
Rotating cancels running migrations and uploads and closes VNC and console connections.`,
		Args:         cmdutil.SubcommandOnly,
		SilenceUsage: true,
		Annotations:  map[string]string{cmdutil.AnnotationReadsSecrets: "true"},
		RunE:         func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	for _, sub := range verbs(f, streams) {
		cmd.AddCommand(sub)
	}
	return cmd
}
