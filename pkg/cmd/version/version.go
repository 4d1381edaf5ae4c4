// Package version implements `oc cnv version`.
package version

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"

	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
	"github.com/oc-cnv/oc-cnv/pkg/kubevirtversion"
	"github.com/oc-cnv/oc-cnv/pkg/version"
)

// Options are the inputs of the version command.
type Options struct {
	Output string
	// Client: print only this binary's version, with no request to the cluster.
	Client bool
	genericiooptions.IOStreams
	program cmdutil.Program
	factory *cmdutil.Factory
}

// Unknown stands for a server version that could not be read.
const Unknown = kubevirtversion.Unknown

// output is what -o json|yaml prints: the client's fields as before, and the server's.
type output struct {
	version.Info      `json:",inline"`
	KubernetesVersion string `json:"kubernetesVersion,omitempty"`
	KubeVirtVersion   string `json:"kubevirtVersion,omitempty"`
}

// serverTimeout bounds each server read: a version must not hang on a server that does not answer.
const serverTimeout = 5 * time.Second

// NewCmdVersion returns `version`.
func NewCmdVersion(f *cmdutil.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := &Options{IOStreams: streams, program: f.Program, factory: f}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version of oc cnv",
		Long: `Print the version, commit and build date of this oc cnv binary, the Kubernetes version of the
cluster's API server and the KubeVirt version deployed (the KubeVirt CR's
status.observedKubeVirtVersion). A server version that cannot be read is shown as unknown; the
command does not fail for it. --client makes no request to the cluster.`,
		Example: `  oc cnv version
  oc cnv version --client
  oc cnv version -o json`,
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(c.Context())
		},
	}
	cmd.Flags().StringVarP(&o.Output, "output", "o", "", "Output format: json or yaml")
	cmd.Flags().BoolVar(&o.Client, "client", false, "Print only the client version; make no request to the cluster")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"json", "yaml"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// Validate checks the output format.
func (o *Options) Validate() error {
	switch o.Output {
	case "", "json", "yaml":
		return nil
	}
	return cmdutil.UsageErrorf("unsupported output format %q for version: use json or yaml, or omit -o", o.Output)
}

// Run prints the version.
func (o *Options) Run(ctx context.Context) error {
	out := output{Info: version.Get()}
	if !o.Client {
		out.KubernetesVersion, out.KubeVirtVersion = o.serverVersions(ctx)
	}
	switch o.Output {
	case "json":
		// Not a Kubernetes object (no apiVersion/kind), so cli-runtime's printers do not apply.
		b, err := json.MarshalIndent(out, "", "    ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(o.Out, "%s\n", b)
		return err
	case "yaml":
		b, err := yaml.Marshal(out)
		if err != nil {
			return err
		}
		_, err = o.Out.Write(b)
		return err
	}
	info := out.Info
	if _, err := fmt.Fprintf(o.Out, "%s version %s\ncommit: %s\nbuilt: %s\ngo: %s %s\n", o.program.Binary, info.Version, info.Commit, info.BuildDate, info.GoVersion, info.Platform); err != nil {
		return err
	}
	if o.Client {
		return nil
	}
	_, err := fmt.Fprintf(o.Out, "server kubernetes: %s\nserver kubevirt: %s\n", out.KubernetesVersion, out.KubeVirtVersion)
	return err
}

// serverVersions reads the API server's Kubernetes version and the KubeVirt version, each
// Unknown when it cannot be read (no session, unreachable, forbidden, KubeVirt not installed):
// version reports what it can and never fails for the server.
func (o *Options) serverVersions(ctx context.Context) (kube, kv string) {
	kube, kv = Unknown, Unknown
	cfg, err := o.factory.RESTConfig()
	if err != nil {
		return kube, kv
	}
	cfg = rest.CopyConfig(cfg)
	cfg.Timeout = serverTimeout
	if dc, err := discovery.NewDiscoveryClientForConfig(cfg); err == nil {
		if sv, err := dc.ServerVersion(); err == nil && sv.GitVersion != "" {
			kube = sv.GitVersion
		}
	}
	if c, err := dynamic.NewForConfig(cfg); err == nil {
		// The KubeVirt CR's status is what virt-operator reports as deployed.
		kv = kubevirtversion.Read(ctx, c, metav1.NamespaceAll).String()
	}
	return kube, kv
}
