//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// Output conventions shared with kubectl: --no-headers, jsonpath and go-template through
// cli-runtime's printers, data on stdout and errors on stderr.
func TestCertsCheckOutputConventions(t *testing.T) {
	t.Parallel()
	env := framework.Get(t)
	ns := env.CNVNamespace

	table := env.Run(t, "certs", "check", "-n", ns)
	if table.ExitCode != 0 || !strings.HasPrefix(table.Stdout, "COMPONENT") {
		t.Fatalf("table: exit %d\n%s", table.ExitCode, table.Stdout)
	}
	// -o wide: one row per certificate, superseded bundle entries included, as in -o json.
	bare := env.Run(t, "certs", "check", "-n", ns, "-o", "wide", "--no-headers")
	if bare.ExitCode != 0 || strings.Contains(bare.Stdout, "COMPONENT") || strings.Contains(bare.Stdout, "certificates:") || strings.Contains(bare.Stdout, "Not shown") {
		t.Fatalf("--no-headers still prints a header or the summary:\n%s", bare.Stdout)
	}
	rows := strings.Split(strings.TrimSpace(bare.Stdout), "\n")

	var report struct {
		Certificates []struct {
			Kind, Name, Status string
		} `json:"certificates"`
	}
	js := env.Run(t, "certs", "check", "-n", ns, "-o", "json")
	if err := json.Unmarshal([]byte(js.Stdout), &report); err != nil {
		t.Fatalf("-o json: %v\n%s", err, js.Stdout)
	}
	if len(report.Certificates) != len(rows) {
		t.Errorf("-o json has %d certificates, the table %d rows", len(report.Certificates), len(rows))
	}

	jp := env.Run(t, "certs", "check", "-n", ns, "-o", `jsonpath={range .certificates[*]}{.kind}/{.name}={.status}{"\n"}{end}`)
	lines := strings.Split(strings.TrimSpace(jp.Stdout), "\n")
	if jp.ExitCode != 0 || len(lines) != len(report.Certificates) || !contains(lines, "Secret/kubevirt-ca=OK") {
		t.Errorf("-o jsonpath: exit %d\n%s", jp.ExitCode, jp.Stdout)
	}

	gt := env.Run(t, "certs", "check", "-n", ns, "-o", "go-template={{len .certificates}}")
	if strings.TrimSpace(gt.Stdout) != itoa(len(report.Certificates)) {
		t.Errorf("-o go-template counted %q, want %d", gt.Stdout, len(report.Certificates))
	}

	bad := env.Run(t, "certs", "check", "-n", ns, "-o", "name")
	if bad.ExitCode != 2 || bad.Stdout != "" || !strings.HasPrefix(bad.Stderr, "error: unsupported output format \"name\"") {
		t.Errorf("-o name: exit %d, stdout %q, stderr %q", bad.ExitCode, bad.Stdout, bad.Stderr)
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestMaintenanceListOutputConventions(t *testing.T) {
	t.Parallel()
	env := framework.Get(t)
	node := env.Nodes(t, 2).Names[0]
	nm := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "nodemaintenance.medik8s.io/v1beta1",
		"kind":       "NodeMaintenance",
		"metadata":   map[string]any{"name": node + "-by-yaml"},
		"spec":       map[string]any{"nodeName": node, "reason": "output test"},
	}}
	if _, err := env.Dynamic.Resource(framework.NodeMaintenanceGVRs[0]).Create(context.Background(), nm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	bare := env.Run(t, "maintenance", "list", "--no-headers")
	if bare.ExitCode != 0 || strings.Contains(bare.Stdout, "NAME") || !strings.Contains(bare.Stdout, node+"-by-yaml") {
		t.Errorf("--no-headers: exit %d\n%s", bare.ExitCode, bare.Stdout)
	}
	jp := env.Run(t, "maintenance", "list", "-o", `jsonpath={range .items[*]}{.spec.nodeName}={.spec.reason}{"\n"}{end}`)
	if jp.ExitCode != 0 || !contains(strings.Split(jp.Stdout, "\n"), node+"=output test") {
		t.Errorf("-o jsonpath: exit %d\n%s%s", jp.ExitCode, jp.Stdout, jp.Stderr)
	}
	name := env.Run(t, "maintenance", "list", "-o", "name")
	if !strings.Contains(name.Stdout, "nodemaintenance.nodemaintenance.medik8s.io/"+node+"-by-yaml\n") {
		t.Errorf("-o name:\n%s", name.Stdout)
	}
}
