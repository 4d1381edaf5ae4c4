package cmdutil

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"runtime"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/kubernetes"

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

// Every request names oc-cnv: the User-Agent on all of them, the field manager on writes
// only, and a field manager the caller chose is left alone.
func TestIdentity(t *testing.T) {
	var got []*http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","namespace":"ns"}}`))
	}))
	defer srv.Close()
	flags := genericclioptions.NewConfigFlags(false).WithWrapConfigFn(identify)
	server := srv.URL
	flags.APIServer = &server
	cfg, err := flags.ToRESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	c := kubernetes.NewForConfigOrDie(cfg)
	ctx := context.Background()
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "x"}}
	_, _ = c.CoreV1().ConfigMaps("ns").Get(ctx, "x", metav1.GetOptions{})
	_, _ = c.CoreV1().ConfigMaps("ns").Create(ctx, cm, metav1.CreateOptions{})
	_, _ = c.CoreV1().ConfigMaps("ns").Update(ctx, cm, metav1.UpdateOptions{})
	_, _ = c.CoreV1().ConfigMaps("ns").Patch(ctx, "x", types.MergePatchType, []byte(`{}`), metav1.PatchOptions{})
	_, _ = c.CoreV1().ConfigMaps("ns").Patch(ctx, "x", types.ApplyPatchType, []byte(`{}`), metav1.PatchOptions{FieldManager: "mine"})
	_ = c.CoreV1().ConfigMaps("ns").Delete(ctx, "x", metav1.DeleteOptions{})
	want := []string{"", "oc-cnv", "oc-cnv", "oc-cnv", "mine", ""}
	if len(got) != len(want) {
		t.Fatalf("%d requests, want %d", len(got), len(want))
	}
	ua := regexp.MustCompile(`^oc-cnv/\S+ \(` + runtime.GOOS + `/` + runtime.GOARCH + `\) \S+$`)
	for i, r := range got {
		if fm := r.URL.Query().Get("fieldManager"); fm != want[i] {
			t.Errorf("%s %s: fieldManager %q, want %q", r.Method, r.URL.Path, fm, want[i])
		}
		if !ua.MatchString(r.UserAgent()) {
			t.Errorf("%s: User-Agent %q", r.Method, r.UserAgent())
		}
	}
}
