//go:build e2e

package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// version shows the client, the API server's Kubernetes version and the KubeVirt version
// virt-operator reports on the KubeVirt CR; what cannot be read is unknown, never a failure.
func TestVersionShowsServerVersions(t *testing.T) {
	env := framework.Get(t)
	// The simulator reports the KubeVirt version the cluster runs, as virt-operator does.
	if own := env.KubeVirtCR(t).Status.ObservedKubeVirtVersion; own == "" {
		t.Errorf("the KubeVirt CR reports no observedKubeVirtVersion")
	} else if res := env.Run(t, "version"); res.ExitCode != 0 || !strings.HasSuffix(res.Stdout, "\nserver kubevirt: "+own+"\n") {
		t.Errorf("version on the cluster's own KubeVirt %s: exit %d\n%s", own, res.ExitCode, res.Stdout)
	}
	// Another release, as after an upgrade.
	observed := "v1.6.0-e2e-" + framework.ID(t)
	env.SetKubeVirtVersion(t, observed)
	sv, err := env.Kube.Discovery().ServerVersion()
	if err != nil {
		t.Fatal(err)
	}

	text := env.Run(t, "version")
	if text.ExitCode != 0 || !strings.HasSuffix(text.Stdout, "\nserver kubernetes: "+sv.GitVersion+"\nserver kubevirt: "+observed+"\n") {
		t.Errorf("version: exit %d\n%s", text.ExitCode, text.Stdout)
	}
	js := env.Run(t, "version", "-o", "json")
	var got map[string]string
	if err := json.Unmarshal([]byte(js.Stdout), &got); err != nil || js.ExitCode != 0 ||
		got["kubernetesVersion"] != sv.GitVersion || got["kubevirtVersion"] != observed || got["version"] == "" {
		t.Errorf("version -o json: exit %d, %v\n%s", js.ExitCode, err, js.Stdout)
	}

	// An unreachable server: both unknown, exit 0, nothing on stderr.
	down := env.Run(t, "version", "-o", "yaml", "--server", "https://127.0.0.1:1", "--insecure-skip-tls-verify")
	if down.ExitCode != 0 || down.Stderr != "" || !strings.Contains(down.Stdout, "kubernetesVersion: unknown\n") || !strings.Contains(down.Stdout, "kubevirtVersion: unknown\n") {
		t.Errorf("version against an unreachable server: exit %d\n%s%s", down.ExitCode, down.Stdout, down.Stderr)
	}
}
