package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// version shows the client, the API server's Kubernetes version and the KubeVirt version
// virt-operator reports on the KubeVirt CR; what cannot be read is unknown, never a failure.
func TestVersionShowsServerVersions(t *testing.T) {
	env := framework.Get(t)
	ctx := context.Background()
	kvGVR := schema.GroupVersionResource{Group: "kubevirt.io", Version: "v1", Resource: "kubevirts"}
	list, err := env.Dynamic.Resource(kvGVR).Namespace("").List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) == 0 {
		t.Fatalf("the cluster's KubeVirt CR: %v", err)
	}
	cr := list.Items[0]
	// The simulator leaves the CR's status empty: play virt-operator's report for the test.
	observed := "v1.6.0-e2e-" + framework.ID(t)
	res := env.Dynamic.Resource(kvGVR).Namespace(cr.GetNamespace())
	patch := func(v any) {
		b, _ := json.Marshal(map[string]any{"status": map[string]any{"observedKubeVirtVersion": v}})
		if _, err := res.Patch(ctx, cr.GetName(), types.MergePatchType, b, metav1.PatchOptions{}, "status"); err != nil {
			t.Fatal(err)
		}
	}
	patch(observed)
	t.Cleanup(func() { patch(nil) })
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
