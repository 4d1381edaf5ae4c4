//go:build bench

package bench

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"kubevirt.io/client-go/kubevirt"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// benchEnv is the bench cluster, its clients and the binaries compared.
type benchEnv struct {
	kubeconfig string
	bin        string // oc-cnv
	kubectl    string
	cfg        *rest.Config
	kube       kubernetes.Interface
	dyn        dynamic.Interface
	kv         kubevirt.Interface
}

func newBenchEnv(t *testing.T) *benchEnv {
	t.Helper()
	e := &benchEnv{kubeconfig: os.Getenv("OC_CNV_BENCH_KUBECONFIG"), bin: os.Getenv("OC_CNV_BIN"), kubectl: os.Getenv("OC_CNV_KUBECTL")}
	if e.kubectl == "" {
		t.Fatal("OC_CNV_KUBECTL is not set (make bench sets it to the cluster's kubectl)")
	}
	if e.bin == "" {
		e.bin = filepath.Join(t.TempDir(), "oc-cnv")
		build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", e.bin, "./cmd/oc-cnv")
		build.Dir = framework.RepoRoot()
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("building oc-cnv: %v\n%s", err, out)
		}
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", e.kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	// Seeding creates thousands of objects; the client-side limiter would dominate otherwise.
	cfg.QPS, cfg.Burst = 1000, 2000
	e.cfg = cfg
	if e.kube, err = kubernetes.NewForConfig(cfg); err != nil {
		t.Fatal(err)
	}
	if e.dyn, err = dynamic.NewForConfig(cfg); err != nil {
		t.Fatal(err)
	}
	if e.kv, err = kubevirt.NewForConfig(cfg); err != nil {
		t.Fatal(err)
	}
	return e
}
