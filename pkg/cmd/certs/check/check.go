// Package check implements `oc cnv certs check`.
package check

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/oc-cnv/oc-cnv/pkg/certs"
	"github.com/oc-cnv/oc-cnv/pkg/cmd/completion"
	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
	"github.com/oc-cnv/oc-cnv/pkg/printers"
)

// Options are the inputs of `certs check`.
type Options struct {
	Namespace     string
	CDINamespace  string
	AllNamespaces bool
	WarnWithin    DayDuration
	FailWithin    DayDuration
	NoHeaders     bool
	// AllowEmpty makes a scope without any certificate pass; otherwise it is taken for a wrong
	// -n, since a cron job pointed at the wrong namespace would pass forever.
	AllowEmpty bool
	// Served also handshakes with one ready pod behind each serving certificate's Service,
	// through pods/portforward, and compares what it presents with its Secret and its clients'
	// bundles.
	Served bool
	// PrintFlags handle -o json|yaml|jsonpath=...|go-template=... as kubectl does; "" and
	// "wide" are the table.
	PrintFlags *genericclioptions.PrintFlags

	namespaces []string
	// defaulted: -n was not given, so the namespace is the detected default.
	defaulted bool
	client    kubernetes.Interface
	dynamic   dynamic.Interface
	dialer    certs.PodDialer
	now       func() time.Time
	genericiooptions.IOStreams
}

// NewCmdCheck returns `certs check`.
func NewCmdCheck(f *cmdutil.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := &Options{IOStreams: streams, WarnWithin: DayDuration(30 * 24 * time.Hour), now: time.Now,
		PrintFlags: genericclioptions.NewPrintFlags("")}
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Show the expiry and trust of every certificate",
		Long: `List every certificate of the virtualization components, soonest expiry first: the
Secrets and ConfigMaps of the namespace holding PEM certificates, and the caBundle of the webhook
configurations and APIServices that call services there.

The table fits 120 columns: OBJECT abbreviates kinds (cm ConfigMap, vwc and mwc validating
and mutating webhook configurations), and a CA found in several bundles of a namespace is one
row ("cm/kubevirt-ca +5"). Owners keep their previous CAs in bundles for an overlap; those
superseded entries are shown only with -o wide (column ENTRY), or when they fail the check.
-o wide adds the subject, issuer, NotBefore, serial and SANs, one row per bundle entry.

STATUS is one of:
  OK             valid, not expiring within --warn-within
  EXPIRING (<W)  expires within W: --fail-within, which makes the check fail (exit 7), or
                 --warn-within when it has less than half of its lifetime left (owners renew
                 short-lived certificates about half way, so a 24h certificate with 23h left
                 is OK)
  EXPIRED        past its NotAfter
  NOT YET VALID  before its NotBefore (a clock or restore problem)
  UNTRUSTED      does not chain to the CA bundle its clients verify it with
  KEY MISMATCH   the Secret's private key does not belong to the certificate

With --served, each serving certificate also gets a row for what one ready pod of its Service
actually presents (OBJECT pod/NAME), reached through the API server's pods/portforward with the
name its clients dial (<service>.<namespace>.svc), one handshake per Service, concurrently, each
within 10s:
  SERVING-STALE      the pod presents another certificate than its Secret holds: it did not
                     reload it; restarting the workload (the error names the command) fixes it
  SERVING-UNTRUSTED  the pod presents a certificate its clients would reject: not signed by a
                     CA of the bundle they verify with, or not valid for the name they dial
Without permission to create pods/portforward it says so once and checks the Secrets only.

Namespace: -n names the namespace of the components. Without -n it is openshift-cnv (or
kubevirt-hyperconverged when the components are there instead), never the namespace of the
kubeconfig context.

Exit status: 0 when nothing needs attention; 2 when the namespace holds no certificate at all
(most likely the wrong -n; --allow-empty accepts it); 7 when a certificate is EXPIRED, UNTRUSTED,
KEY MISMATCH or NOT YET VALID, or expires within --fail-within; so it can run from cron or CI.
The error then says what fixes each: certs rotate for what a component owns, its issuer for
what no component owns (certs rotate cannot renew those).
Private keys are read only to compare them with their certificates and are never printed.`,
		Example: `  # Check the certificates of OpenShift Virtualization
  oc cnv certs check

  # Fail (exit 7) when anything expires within a week, e.g. from cron
  oc cnv certs check --fail-within 7d

  # Also check what the pods actually serve, e.g. after a rotation
  oc cnv certs check --served

  # Upstream layout with CDI in its own namespace, with serials and SANs
  oc cnv certs check -n kubevirt --cdi-namespace cdi -o wide`,
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := o.Complete(f); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(c.Context())
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "Scan every namespace")
	fl.StringVar(&o.CDINamespace, "cdi-namespace", "", "Namespace of CDI when it is not the CNV namespace (upstream installs)")
	_ = cmd.RegisterFlagCompletionFunc("cdi-namespace", completion.Namespaces(f))
	fl.Var(&o.WarnWithin, "warn-within", "Mark certificates expiring within this time EXPIRING (e.g. 30d, 12h)")
	fl.Var(&o.FailWithin, "fail-within", "Exit 7 when a certificate expires within this time (0: only for expired and broken ones)")
	fl.BoolVar(&o.NoHeaders, "no-headers", false, "Leave out the table's header line (and the summary), for scripts")
	fl.BoolVar(&o.Served, "served", false, "Also handshake with a pod behind each serving certificate (pods/portforward) and compare what it serves")
	fl.BoolVar(&o.AllowEmpty, "allow-empty", false, "Exit 0 when the namespace holds no certificate (otherwise exit 2: most likely the wrong -n)")
	o.PrintFlags.AddFlags(cmd)
	cmd.Flags().Lookup("output").Usage = "Output format: wide|json|yaml|jsonpath=...|go-template=..."
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"wide", "json", "yaml", "jsonpath=", "go-template="}, cobra.ShellCompDirectiveNoFileComp|cobra.ShellCompDirectiveNoSpace))
	return cmd
}

// Complete resolves clients and namespaces.
func (o *Options) Complete(f *cmdutil.Factory) error {
	var err error
	if o.client, err = f.Kube(); err != nil {
		return err
	}
	// APIServices and HCO's certConfig are optional extras of the report.
	o.dynamic, _ = f.Dynamic()
	o.Namespace = f.NamespaceFlag()
	if o.Served {
		o.dialer = &certs.PortForwardDialer{ConfigFunc: f.RESTConfig, Client: o.client}
	}
	return nil
}

// Validate checks flag combinations.
func (o *Options) Validate() error {
	switch out := o.output(); out {
	case "", "wide":
	case "name":
		return cmdutil.UsageErrorf("unsupported output format %q: certificates are not API objects; use wide, json, yaml, jsonpath=... or go-template=...", out)
	default:
		if _, err := o.PrintFlags.ToPrinter(); err != nil {
			return cmdutil.UsageErrorf("unsupported output format %q: use wide, json, yaml, jsonpath=... or go-template=...", out)
		}
	}
	if o.AllNamespaces && (o.Namespace != "" || o.CDINamespace != "") {
		return cmdutil.UsageErrorf("--all-namespaces cannot be combined with -n or --cdi-namespace")
	}
	return validateNamespaces(o.Namespace, o.CDINamespace)
}

// validateNamespaces rejects -n and --cdi-namespace values that cannot name a namespace; empty
// means not given.
func validateNamespaces(ns, cdiNS string) error {
	for _, f := range []struct{ flag, value string }{{"-n", ns}, {"--cdi-namespace", cdiNS}} {
		if f.value == "" {
			continue
		}
		if err := certs.ValidateNamespaceName(f.flag, f.value); err != nil {
			return cmdutil.WithCode(cmdutil.ExitUsage, err)
		}
	}
	return nil
}

// servedTimeout bounds one endpoint's dial and handshake with --served.
const servedTimeout = 10 * time.Second

// Run scans, prints and sets the exit status.
func (o *Options) Run(ctx context.Context) error {
	if !o.AllNamespaces {
		if o.Namespace == "" {
			o.Namespace = certs.DetectNamespace(ctx, o.client)
			o.defaulted = true
		}
		o.namespaces = []string{o.Namespace}
		if o.CDINamespace != "" && o.CDINamespace != o.Namespace {
			o.namespaces = append(o.namespaces, o.CDINamespace)
		}
		if err := certs.CheckNamespacesExist(ctx, o.client, o.namespaces...); err != nil {
			return err
		}
	}
	s := &certs.Scanner{Client: o.client, Dynamic: o.dynamic, Now: o.now, WarnWithin: time.Duration(o.WarnWithin), FailWithin: time.Duration(o.FailWithin)}
	if o.dialer != nil {
		s.Served = &certs.ServedOptions{Dialer: o.dialer, Timeout: servedTimeout}
	}
	rep, err := s.Scan(ctx, o.namespaces)
	if err != nil {
		return err
	}
	if len(rep.Certificates) == 0 && !o.AllowEmpty {
		return &certs.NoCertificatesError{Namespaces: rep.Namespaces, Defaulted: o.defaulted}
	}
	now := o.now()
	switch out := o.output(); out {
	case "", "wide":
		if err := o.printTable(rep, now); err != nil {
			return err
		}
	default:
		obj := &reportObject{TypeMeta: metav1.TypeMeta{APIVersion: "certs.oc-cnv.io/v1alpha1", Kind: "CertificateReport"}, Report: *rep}
		p, err := o.PrintFlags.ToPrinter()
		if err != nil {
			return err
		}
		if err := p.PrintObj(obj, o.Out); err != nil {
			return err
		}
	}
	return o.exitStatus(rep, now)
}

func (o *Options) output() string {
	if o.PrintFlags == nil || o.PrintFlags.OutputFormat == nil {
		return ""
	}
	return *o.PrintFlags.OutputFormat
}

func (o *Options) printTable(rep *certs.Report, now time.Time) error {
	if len(rep.Certificates) == 0 {
		fmt.Fprintf(o.ErrOut, "No certificates found in %s.\n", scopeText(rep))
	} else {
		if err := printers.RenderCertTable(o.Out, rep.Certificates, printers.CertTableOptions{
			Wide: o.output() == "wide", ShowNamespace: len(o.namespaces) != 1, Color: cmdutil.ColorEnabled(o.Out), Now: now,
			NoHeaders: o.NoHeaders,
		}); err != nil {
			return err
		}
		if !o.NoHeaders {
			fmt.Fprintln(o.Out)
			fmt.Fprintln(o.Out, printers.CertSummary(rep.Certificates, o.output() == "wide"))
		}
	}
	if cc := rep.CertConfig; cc != nil {
		fmt.Fprintf(o.Out, "Automatic rotation (HyperConverged %s/%s spec.certConfig): CA %s, renewed %s before expiry; servers %s, renewed %s before expiry.\n",
			cc.HyperConvergedNSpace, cc.HyperConvergedName, dash(cc.CADuration), dash(cc.CARenewBefore), dash(cc.ServerDuration), dash(cc.ServerRenewBefore))
	}
	for _, w := range rep.Warnings {
		fmt.Fprintln(o.ErrOut, "Warning: "+w)
	}
	return nil
}

// exitStatus fails when a row is marked as failing (a problem status, or EXPIRING within
// --fail-within), and says per owner what fixes them: the table, the summary and this count
// the same rows.
func (o *Options) exitStatus(rep *certs.Report, _ time.Time) error {
	var failing []certs.Certificate
	for _, c := range rep.Certificates {
		if c.Fails {
			failing = append(failing, c)
		}
	}
	if len(failing) == 0 {
		return nil
	}
	// Counted as the table shows them, so that the numbers agree with the rows.
	n, parts := printers.CountCertRows(failing, o.output() == "wide")
	return cmdutil.Errorf(cmdutil.ExitCertProblems, "%d certificate(s) fail the check (%s). What fixes them:\n  %s",
		n, strings.Join(parts, ", "), strings.Join(certs.Advice(failing), "\n  "))
}

func scopeText(rep *certs.Report) string {
	if rep.AllNamespaces {
		return "any namespace"
	}
	return fmt.Sprintf("namespace(s) %v", rep.Namespaces)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// reportObject lets cli-runtime's printers render the report like an API object.
type reportObject struct {
	metav1.TypeMeta `json:",inline"`
	certs.Report    `json:",inline"`
}

func (r *reportObject) DeepCopyObject() runtime.Object { c := *r; return &c }
