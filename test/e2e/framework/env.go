// Package framework runs oc-cnv's end-to-end tests against the local cluster (hack/cluster.sh):
// the real oc-cnv binary, per-test namespaces and kwok nodes, and waits with deadlines.
package framework

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	"kubevirt.io/client-go/kubevirt"
)

// Env is the cluster and binary under test, shared by every test of a package.
type Env struct {
	// Kubeconfig is the path of the cluster's admin kubeconfig.
	Kubeconfig string
	// Bin is the oc-cnv binary under test.
	Bin string
	// CNVNamespace is where the simulator runs the virtualization components.
	CNVNamespace string

	Config   *rest.Config
	Kube     kubernetes.Interface
	Dynamic  dynamic.Interface
	KubeVirt kubevirt.Interface
	Mapper   meta.ResettableRESTMapper
}

var shared *Env

// Main is the TestMain of e2e packages. The cluster comes from OC_CNV_E2E_KUBECONFIG (make test
// sets it after `hack/cluster.sh up`); the binary from OC_CNV_BIN, else it is built here.
func Main(m *testing.M) {
	// The suite builds only with -tags e2e, so whoever asked for it meant it to run: without a
	// cluster it fails, never passing on nothing.
	kc := os.Getenv("OC_CNV_E2E_KUBECONFIG")
	if kc == "" {
		fmt.Fprintln(os.Stderr, "e2e: OC_CNV_E2E_KUBECONFIG is not set, so no test ran; run `make e2e` (or `make test`), which brings the local cluster up and sets it")
		os.Exit(1)
	}
	env, cleanup, err := newEnv(kc)
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		os.Exit(1)
	}
	shared = env
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// Get returns the shared environment.
func Get(t testing.TB) *Env {
	t.Helper()
	if shared == nil {
		t.Fatal("framework.Main was not called from TestMain")
	}
	return shared
}

func newEnv(kubeconfig string) (*Env, func(), error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, nil, err
	}
	cfg.QPS, cfg.Burst = 100, 200
	env := &Env{Kubeconfig: kubeconfig, Config: cfg, CNVNamespace: "openshift-cnv"}
	if ns := os.Getenv("CNV_NAMESPACE"); ns != "" {
		env.CNVNamespace = ns
	}
	if env.Kube, err = kubernetes.NewForConfig(cfg); err != nil {
		return nil, nil, err
	}
	if env.Dynamic, err = dynamic.NewForConfig(cfg); err != nil {
		return nil, nil, err
	}
	if env.KubeVirt, err = kubevirt.NewForConfig(cfg); err != nil {
		return nil, nil, err
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, nil, err
	}
	env.Mapper = restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))

	cleanup := func() {}
	env.Bin = os.Getenv("OC_CNV_BIN")
	if env.Bin == "" {
		dir, err := os.MkdirTemp("", "oc-cnv-e2e-bin-")
		if err != nil {
			return nil, nil, err
		}
		cleanup = func() { _ = os.RemoveAll(dir) }
		env.Bin = filepath.Join(dir, "oc-cnv")
		build := exec.Command("go", "build", "-o", env.Bin, "./cmd/oc-cnv")
		build.Dir = repoRoot()
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			cleanup()
			return nil, nil, fmt.Errorf("building oc-cnv: %w", err)
		}
	}
	return env, cleanup, nil
}

// repoRoot is the module root: the nearest directory above the working directory (go test runs
// a test in its package's) whose go.mod is this module's. Not the source file's path from
// runtime.Caller, which -trimpath (the Makefile builds everything with it, so tests share the
// binaries' compiled dependencies) turns into a module path.
func repoRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if mod, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && strings.HasPrefix(string(mod), "module github.com/oc-cnv/oc-cnv\n") {
			return d
		}
		if filepath.Dir(d) == d {
			panic("no go.mod of github.com/oc-cnv/oc-cnv above " + dir)
		}
	}
}

// RepoRoot returns the repository root, for tests that read fixtures or scripts.
func RepoRoot() string { return repoRoot() }
