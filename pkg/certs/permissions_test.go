package certs

import (
	"fmt"
	"strings"
	"testing"
)

// Many missing permissions read as one line per verb, resource and namespace, each within a
// 120-column terminal, naming the objects or, when they do not fit, how many more there are.
func TestPermissionErrorGroupsByVerbAndResource(t *testing.T) {
	var missing []Permission
	for i := range 30 {
		missing = append(missing, Permission{Verb: "patch", Resource: "secrets", Namespace: "openshift-cnv", Name: fmt.Sprintf("kubevirt-secret-%02d", i)})
	}
	missing = append(missing,
		Permission{Verb: "delete", Resource: "secrets", Namespace: "openshift-cnv", Name: "a"},
		Permission{Verb: "delete", Resource: "secrets", Namespace: "openshift-cnv", Name: "b"},
		Permission{Verb: "get", Group: "admissionregistration.k8s.io", Resource: "validatingwebhookconfigurations"},
		Permission{Verb: "patch", Group: "apps", Resource: "deployments", Namespace: "openshift-cnv", Name: "virt-template-validator"},
	)
	got := (&PermissionError{Missing: missing}).Error()
	lines := strings.Split(got, "\n")
	want := []string{
		"you lack 34 permissions this rotation needs; nothing was changed:",
		"  patch secrets in namespace openshift-cnv (30): kubevirt-secret-00, kubevirt-secret-01 and 28 more",
		"  delete secrets in namespace openshift-cnv (2): a, b",
		"  get validatingwebhookconfigurations.admissionregistration.k8s.io",
		"  patch deployments.apps in namespace openshift-cnv (1): virt-template-validator",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	for _, l := range lines {
		if len(l) > 120 {
			t.Errorf("line of %d columns: %s", len(l), l)
		}
	}
}
