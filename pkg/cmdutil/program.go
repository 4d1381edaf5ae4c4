package cmdutil

import (
	"path/filepath"
	"strings"
)

// Program says how the user reached this binary, so help, examples and hints name the command
// they actually type: `oc cnv` (oc finds plugins named oc-*) or `kubectl cnv` (kubectl-*).
type Program struct {
	// Binary is the executable's own name, used for completion scripts: oc-cnv or kubectl-cnv.
	Binary string
	// Display is what the user types: "oc cnv" or "kubectl cnv".
	Display string
}

// DefaultProgram is used when argv[0] says nothing useful (tests, `go run`).
func DefaultProgram() Program { return Program{Binary: "oc-cnv", Display: "oc cnv"} }

// ProgramFromArgs0 derives the Program from os.Args[0]. oc and kubectl exec plugins with argv[0]
// set to the plugin's path, so the basename is oc-cnv or kubectl-cnv; a wrapper may also leave
// the parent's own name there.
func ProgramFromArgs0(arg0 string) Program {
	base := strings.TrimSuffix(filepath.Base(arg0), ".exe")
	switch {
	case strings.HasPrefix(base, "kubectl-cnv"), base == "kubectl", base == "kubectl_complete-cnv":
		return Program{Binary: "kubectl-cnv", Display: "kubectl cnv"}
	default:
		return DefaultProgram()
	}
}

// Rewrite replaces the canonical "oc cnv" in help text with what the user types.
func (p Program) Rewrite(text string) string {
	if p.Display == DefaultProgram().Display {
		return text
	}
	return strings.ReplaceAll(text, DefaultProgram().Display, p.Display)
}

// LoginHint is how messages tell the user to get a session; Message words it for kubectl.
const LoginHint = "log in with `oc login`"

// kubectlLoginHint: kubectl has no login command; its session is a kubeconfig context.
const kubectlLoginHint = "log in to the cluster (a kubeconfig context with credentials)"

// Message words a message for the command the user typed. Messages are written for oc: they
// name commands in backquotes (`oc cnv certs rotate`, `oc scale ...`) and say LoginHint. Under
// kubectl each such command becomes its kubectl form.
func (p Program) Message(text string) string {
	if p.Display == DefaultProgram().Display {
		return text
	}
	text = strings.ReplaceAll(text, LoginHint, kubectlLoginHint)
	return strings.ReplaceAll(text, "`oc ", "`kubectl ")
}

// AnnotationReadsSecrets marks a command (and its subcommands) that reads Secrets: the root
// command caps the log level for it so that no response body with key material is logged.
const AnnotationReadsSecrets = "oc-cnv.io/reads-secrets"
