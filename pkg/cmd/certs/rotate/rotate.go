// Package rotate implements `oc cnv certs rotate`.
package rotate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/oc-cnv/oc-cnv/pkg/certs"
	"github.com/oc-cnv/oc-cnv/pkg/cmd/completion"
	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
	"github.com/oc-cnv/oc-cnv/pkg/printers"
)

// Options are the inputs of `certs rotate`.
type Options struct {
	Namespace    string
	CDINamespace string
	Components   []string
	Strategy     string
	DryRun       bool
	Yes          bool
	Timeout      time.Duration
	// Secrets are the names given as secret/NAME arguments: only those are re-issued (with
	// what their owners re-issue along).
	Secrets []string
	// Output is "" (text), json or yaml.
	Output string
	// Served makes the verification also wait until a pod behind each serving certificate's
	// Service presents the new certificate (when the user may open pods/portforward).
	Served bool

	// componentsSet: --components was given, so an empty list is a mistake, not "all".
	componentsSet bool
	client        kubernetes.Interface
	dynamic       dynamic.Interface
	dialer        certs.PodDialer
	// prompter asks before anything changes, unless --yes.
	prompter *cmdutil.Prompter
	genericiooptions.IOStreams
}

// NewCmdRotate returns `certs rotate`.
func NewCmdRotate(f *cmdutil.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := &Options{IOStreams: streams, Strategy: certs.StrategyReissue, Timeout: 5 * time.Minute, Served: true}
	cmd := &cobra.Command{
		Use:   "rotate [secret/NAME...]",
		Short: "Have the operators re-issue the certificates, then verify",
		Long: `Have each certificate of the virtualization components re-issued now by the operator that owns
it, then wait until every new certificate is in place, every CA bundle trusts it and the pods are
Ready. This replaces hyperconverged-cluster-operator's tools/rotate-certs.sh.

On a current cluster the operators rotate certificates by themselves (HCO spec.certConfig);
rotate is for forcing a re-issue now: a suspected key leak, a cluster restored after being off
past expiry, a stuck rotation.

Each owner is asked the gentlest way it supports: virt-operator through the kubevirt.io/duration
annotation, cdi-operator (library-go) through auth.openshift.io/certificate-not-after,
kubemacpool by failing its chain check, service-ca and OLM by deleting the Secret they re-create.
Only pods that do not reload certificates are restarted. A Secret not re-issued half way through
--timeout is deleted so that its owner re-creates it. cdi-api-signing-key and virt-launcher pods
are never touched. --strategy=recreate keeps rotate-certs.sh's route for old CDI releases: it
scales cdi-operator to 0 and always back to the replicas it had (recorded in the annotation
` + certs.ReplicasAnnotation + `), also on errors and interrupts.

The components belong to independent operators and are rotated side by side; the wait for their
new certificates watches the namespace, so it notices each change at once and costs no polling.

Given secret/NAME arguments, only those certificates are re-issued, together with what their
owner re-issues with them: a new kubevirt-ca makes virt-operator re-issue every certificate it
signed, and kubemacpool's CA and service certificate always change together. The plan names
them. A Secret that no component owns cannot be re-issued by its owner and is refused (exit 2).

Before changing anything it checks every permission it needs and shows what may be interrupted,
then asks for confirmation. Without a terminal on standard input nobody can answer, so it needs
--yes there. Re-running completes an interrupted rotation.

Namespace: -n names the namespace of the components. Without -n it is openshift-cnv (or
kubevirt-hyperconverged when the components are there instead), never the namespace of the
kubeconfig context.

Exit status: 0 done and verified; 2 bad flags, a namespace without components, or no terminal
to confirm on and no --yes; 3 timed out (the message names what is missing); 5 a permission is
missing (nothing was changed; --dry-run checks permissions too and exits 5 as well); 6 the
cluster cannot be reached; 8 the confirmation was declined (nothing was changed); 130
interrupted (at the question: nothing was changed).`,
		Example: `  # Show what would be done
  oc cnv certs rotate --dry-run

  # Rotate everything installed, without a prompt
  oc cnv certs rotate --yes

  # Re-issue only the virt-api serving certificate
  oc cnv certs rotate secret/kubevirt-virt-api-certs

  # Only CDI, upstream layout, the old scale-down route
  oc cnv certs rotate -n kubevirt --cdi-namespace cdi --components cdi --strategy recreate`,
		Args:         cobra.ArbitraryArgs,
		SilenceUsage: true,
		ValidArgsFunction: func(_ *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
			var out []string
			for _, c := range certs.Catalogue() {
				for _, e := range c.Certs {
					out = append(out, "secret/"+e.Secret)
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			o.componentsSet = c.Flags().Changed("components")
			if err := o.parseArgs(args); err != nil {
				return err
			}
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
	fl.StringVar(&o.CDINamespace, "cdi-namespace", "", "Namespace of CDI when it is not the CNV namespace (upstream installs)")
	_ = cmd.RegisterFlagCompletionFunc("cdi-namespace", completion.Namespaces(f))
	fl.StringSliceVar(&o.Components, "components", nil, "Components to rotate: "+strings.Join(certs.ComponentNames(), ", ")+" (default: every installed one)")
	fl.StringVar(&o.Strategy, "strategy", o.Strategy, "reissue (have the owners re-issue, operators keep running) or recreate (CDI: scale cdi-operator down, delete its Secrets; for old releases)")
	fl.BoolVar(&o.DryRun, "dry-run", false, "Print the plan per component and change nothing")
	fl.BoolVarP(&o.Yes, "yes", "y", false, "Do not ask for confirmation")
	fl.BoolVar(&o.Served, "served", o.Served, "Verify through pods/portforward that the pods serve the new certificates (skipped, with a note, without that permission)")
	fl.DurationVar(&o.Timeout, "timeout", o.Timeout, "How long to wait for each component's new certificates")
	fl.StringVarP(&o.Output, "output", "o", "", "Print the result as json or yaml: the plan with --dry-run, else the outcome per certificate (progress and the plan's text go to stderr)")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"json", "yaml"}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("components", cobra.FixedCompletions(certs.ComponentNames(), cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("strategy", cobra.FixedCompletions([]string{certs.StrategyReissue, certs.StrategyRecreate}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// Complete resolves clients, the namespace and whether a prompt is possible.
func (o *Options) Complete(f *cmdutil.Factory) error {
	var err error
	if o.client, err = f.Kube(); err != nil {
		return err
	}
	// Optional: without it running migrations are not counted and Routes are left alone.
	o.dynamic, _ = f.Dynamic()
	o.Namespace = f.NamespaceFlag()
	if o.prompter == nil {
		o.prompter = cmdutil.NewPrompter(o.In, o.ErrOut)
	}
	if o.Served && o.dialer == nil {
		// Built only when the rotation runs: a dry run or a refused plan needs no stream.
		o.dialer = &certs.PortForwardDialer{ConfigFunc: f.RESTConfig, Client: o.client}
	}
	return nil
}

// Validate checks flags.
func (o *Options) Validate() error {
	known := map[string]bool{}
	for _, n := range certs.ComponentNames() {
		known[n] = true
	}
	if o.componentsSet && len(o.Components) == 0 {
		return cmdutil.UsageErrorf("--components is empty: name at least one of %s, or leave the flag out to rotate every installed one", strings.Join(certs.ComponentNames(), ", "))
	}
	for _, c := range o.Components {
		if c == "" {
			return cmdutil.UsageErrorf("--components %q has an empty element: name components separated by commas, from %s", strings.Join(o.Components, ","), strings.Join(certs.ComponentNames(), ", "))
		}
		if !known[c] {
			return cmdutil.UsageErrorf("unknown component %q: use %s", c, strings.Join(certs.ComponentNames(), ", "))
		}
	}
	if len(o.Secrets) > 0 && o.componentsSet {
		return cmdutil.UsageErrorf("secret/NAME arguments and --components cannot be combined: the Secrets already say which components rotate")
	}
	if len(o.Secrets) > 0 && o.Strategy == certs.StrategyRecreate {
		return cmdutil.UsageErrorf("--strategy recreate re-creates every certificate of CDI and cannot re-issue single Secrets: leave out secret/NAME or the strategy")
	}
	if o.Strategy != certs.StrategyReissue && o.Strategy != certs.StrategyRecreate {
		return cmdutil.UsageErrorf("unknown --strategy %q: use reissue or recreate", o.Strategy)
	}
	if o.Output != "" && o.Output != "json" && o.Output != "yaml" {
		return cmdutil.UsageErrorf("unsupported output format %q: use json or yaml, or leave -o out for text", o.Output)
	}
	if o.Timeout <= 0 {
		return cmdutil.UsageErrorf("--timeout must be positive, e.g. 5m; got %s", o.Timeout)
	}
	for _, f := range []struct{ flag, value string }{{"-n", o.Namespace}, {"--cdi-namespace", o.CDINamespace}} {
		if f.value == "" {
			continue
		}
		if err := certs.ValidateNamespaceName(f.flag, f.value); err != nil {
			return cmdutil.WithCode(cmdutil.ExitUsage, err)
		}
	}
	return nil
}

// Run plans, checks, confirms, executes and verifies.
func (o *Options) Run(ctx context.Context) error {
	if o.Namespace == "" {
		o.Namespace = certs.DetectNamespace(ctx, o.client)
	}
	if err := certs.CheckNamespacesExist(ctx, o.client, o.Namespace, o.CDINamespace); err != nil {
		return err
	}
	progress := o.progressOut()
	view, stopView := newProgressView(ctx, progress, progress == o.ErrOut && cmdutil.IsTerminal(o.ErrOut), cmdutil.TerminalWidth(o.ErrOut))
	defer stopView()
	r := &certs.Rotator{Client: o.client, Dynamic: o.dynamic, Progress: view.show}
	plan, err := r.Plan(ctx, certs.RotateOptions{Namespace: o.Namespace, CDINamespace: o.CDINamespace, Components: o.Components, Secrets: o.Secrets, Strategy: o.Strategy, Timeout: o.Timeout})
	if err != nil {
		return err
	}
	if plan.NothingInstalled() {
		nss := []string{plan.Namespace}
		if plan.CDINamespace != plan.Namespace {
			nss = append(nss, plan.CDINamespace)
		}
		return &certs.NothingInstalledError{Namespaces: nss, Components: o.Components}
	}
	// With -o the people's text goes to stderr and stdout carries only the document.
	text := o.textOut()
	if o.DryRun {
		fmt.Fprintln(text, "Dry run: nothing will be changed.")
	}
	printers.RenderRotationPlan(text, plan)
	permErr := r.CheckPermissions(ctx, plan)
	var pe *certs.PermissionError
	if permErr != nil && !errors.As(permErr, &pe) {
		return permErr
	}
	if o.DryRun && o.Output != "" {
		doc := &rotationObject{DryRun: true, Plan: plan}
		if pe != nil {
			doc.MissingPermissions = pe.Missing
		}
		if err := o.print(doc); err != nil {
			return err
		}
	}
	// A dry run ends as the real run would: without a permission it exits 5, so a script can
	// try the rotation first.
	if pe != nil {
		return pe
	}
	if o.DryRun {
		return nil
	}
	if len(plan.Components) == 0 {
		fmt.Fprintln(text, "Nothing to rotate.")
		return o.printResult(plan, &certs.Result{}, nil)
	}
	if !o.Yes {
		if err := o.prompter.Confirm(ctx, "\nProceed with the rotation?", "rotating the certificates"); err != nil {
			return err
		}
	}
	o.armServed(ctx, r, plan, text)
	res, err := r.Execute(ctx, plan, o.Timeout)
	stopView()
	if o.Output != "" {
		if perr := o.printResult(plan, res, err); perr != nil {
			return perr
		}
	} else if res != nil && len(res.Outcomes) > 0 {
		fmt.Fprintln(o.Out)
		_ = printers.RenderRotationResult(o.Out, res)
	}
	switch {
	case err == nil:
		served := ""
		if r.Served != nil {
			served = ", served"
			if n := res.ServedUnchecked(); n > 0 {
				served = fmt.Sprintf(", served (%d not checked: see above)", n)
			}
		}
		fmt.Fprintf(text, "\nAll %d certificate(s) re-issued and trusted%s; pods Ready.\n", len(res.Outcomes), served)
		return nil
	// A failed restore and a timeout say more than that the context ended.
	case errors.Is(err, context.Canceled) && !errors.As(err, new(*certs.RestoreError)) && !errors.As(err, new(*certs.TimeoutError)):
		return cmdutil.Errorf(cmdutil.ExitInterrupted, "interrupted; every scaled-down operator was scaled back. Run the same command again to complete the rotation")
	}
	return err
}

// armServed turns on the served verification where the user may open pods/portforward in
// every namespace of the plan, and says once why not otherwise.
func (o *Options) armServed(ctx context.Context, r *certs.Rotator, plan *certs.Plan, text io.Writer) {
	if o.dialer == nil {
		return
	}
	for _, cp := range plan.Components {
		if !certs.MayPortForward(ctx, o.client, cp.Namespace) {
			fmt.Fprintf(text, "Not checking what the pods serve: you may not create pods/portforward in namespace %s (the Secrets and bundles are still verified).\n", cp.Namespace)
			return
		}
	}
	r.Served = &certs.ServedOptions{Dialer: o.dialer, Timeout: servedTimeout}
}

// servedTimeout bounds one handshake of the served verification.
const servedTimeout = 10 * time.Second

// parseArgs takes secret/NAME arguments; certificates are re-issued per Secret, so no other
// kind is accepted.
func (o *Options) parseArgs(args []string) error {
	for _, a := range args {
		kind, name, ok := strings.Cut(a, "/")
		if !ok || (kind != "secret" && kind != "secrets") || name == "" {
			return cmdutil.UsageErrorf("%q: name a certificate as secret/NAME, as the OBJECT column of `oc cnv certs check` shows it", a)
		}
		if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
			return cmdutil.UsageErrorf("%q: %q cannot be a Secret's name: %s", a, name, errs[0])
		}
		o.Secrets = append(o.Secrets, name)
	}
	return nil
}

// progressOut is where the rotation reports what it does and waits for: stderr on a terminal;
// otherwise stdout, as one more line of the record a script keeps, so that stderr carries only
// the error; with -o, stderr, so that stdout carries only the document.
func (o *Options) progressOut() io.Writer {
	if cmdutil.IsTerminal(o.ErrOut) || o.Output != "" {
		return o.ErrOut
	}
	return o.Out
}
