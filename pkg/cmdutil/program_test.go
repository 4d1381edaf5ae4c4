package cmdutil

import "testing"

func TestProgramFromArgs0(t *testing.T) {
	cases := map[string]string{
		"oc-cnv":                        "oc cnv",
		"/usr/local/bin/oc-cnv":         "oc cnv",
		"/home/u/.krew/bin/kubectl-cnv": "kubectl cnv",
		"kubectl-cnv.exe":               "kubectl cnv",
		"kubectl":                       "kubectl cnv",
		"oc":                            "oc cnv",
		"root.test":                     "oc cnv",
	}
	for arg0, want := range cases {
		if got := ProgramFromArgs0(arg0).Display; got != want {
			t.Errorf("ProgramFromArgs0(%q).Display = %q, want %q", arg0, got, want)
		}
	}
}

func TestRewrite(t *testing.T) {
	k := ProgramFromArgs0("kubectl-cnv")
	if got := k.Rewrite("  oc cnv maintenance start node02\n  oc cnv certs check"); got != "  kubectl cnv maintenance start node02\n  kubectl cnv certs check" {
		t.Errorf("kubectl rewrite: %q", got)
	}
	if got := DefaultProgram().Rewrite("oc cnv version"); got != "oc cnv version" {
		t.Errorf("oc rewrite changed text: %q", got)
	}
}

func TestMessage(t *testing.T) {
	msg := "could not scale back: run `oc cnv certs rotate` again or `oc scale -n x deployment/y --replicas=1`; " + LoginHint
	if got := DefaultProgram().Message(msg); got != msg {
		t.Errorf("oc: %q", got)
	}
	want := "could not scale back: run `kubectl cnv certs rotate` again or `kubectl scale -n x deployment/y --replicas=1`; log in to the cluster (a kubeconfig context with credentials)"
	if got := ProgramFromArgs0("kubectl-cnv").Message(msg); got != want {
		t.Errorf("kubectl: %q", got)
	}
}
