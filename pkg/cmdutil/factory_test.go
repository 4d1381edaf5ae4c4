package cmdutil

import (
	"testing"

	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
)

func TestFactoryClients(t *testing.T) {
	set := fake.NewClientset()
	f := &Factory{KubeClient: set}
	if c, err := f.Kube(); err != nil || c != set {
		t.Errorf("Kube() = %v, %v; want the client the test set", c, err)
	}
	if _, err := f.Dynamic(); ExitCode(err) != ExitUnavailable {
		t.Errorf("Dynamic() without a session: %v (exit %d), want exit %d", err, ExitCode(err), ExitUnavailable)
	}

	f = &Factory{Config: &rest.Config{Host: "https://127.0.0.1:1"}}
	first, err := f.KubeVirt()
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := f.KubeVirt(); again != first {
		t.Error("KubeVirt() built a second client instead of reusing the first")
	}
}
