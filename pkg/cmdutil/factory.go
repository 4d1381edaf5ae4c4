// Package cmdutil holds what every command shares: the Factory that hands out clients, the
// program name the user typed, terminal and colour detection, and typed errors with exit codes.
package cmdutil

import (
	"fmt"
	"sync"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"kubevirt.io/client-go/kubevirt"
)

// Factory hands out the clients a command needs. Each client field is an interface; a nil field
// is built on first use from the kubeconfig session described by ConfigFlags, so tests set the
// fields they need directly (fake clientsets) and never touch a kubeconfig.
type Factory struct {
	// ConfigFlags are kubectl's connection flags (--kubeconfig, --context, -n, --as, ...).
	ConfigFlags *genericclioptions.ConfigFlags
	// Program is how the user invoked us, for help text and hints.
	Program Program

	KubeClient     kubernetes.Interface
	DynamicClient  dynamic.Interface
	KubeVirtClient kubevirt.Interface
	Discovery      discovery.DiscoveryInterface
	Mapper         meta.RESTMapper
	Config         *rest.Config

	mu sync.Mutex
}

// NewFactory returns a Factory reading the user's kubeconfig session through ConfigFlags.
func NewFactory(program Program) *Factory {
	flags := genericclioptions.NewConfigFlags(true)
	// Lists of large clusters are paged by our own code; a generous burst keeps discovery and
	// the first requests of a command from being throttled client-side.
	flags.WithDiscoveryBurst(300).WithDiscoveryQPS(50.0).WithWrapConfigFn(identify)
	return &Factory{ConfigFlags: flags, Program: program}
}

// RESTConfig returns the client configuration of the session.
func (f *Factory) RESTConfig() (*rest.Config, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.restConfigLocked()
}

func (f *Factory) restConfigLocked() (*rest.Config, error) {
	if f.Config != nil {
		return f.Config, nil
	}
	if err := f.checkSession(); err != nil {
		return nil, err
	}
	cfg, err := f.ConfigFlags.ToRESTConfig()
	if err != nil {
		return nil, sessionError(err)
	}
	cfg.QPS, cfg.Burst = 50, 100
	f.Config = cfg
	return cfg, nil
}

func sessionError(err error) error {
	return Errorf(ExitUnavailable, "cannot load the kubeconfig session: %v; %s or set --kubeconfig/KUBECONFIG", err, LoginHint)
}

// client returns *field, building it from the session on first use. A field a test has set
// is returned as it is.
func client[T comparable](f *Factory, field *T, what string, build func(*rest.Config) (T, error)) (T, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var zero T
	if *field != zero {
		return *field, nil
	}
	cfg, err := f.restConfigLocked()
	if err != nil {
		return zero, err
	}
	c, err := build(cfg)
	if err != nil {
		return zero, fmt.Errorf("building the %s client: %w", what, err)
	}
	*field = c
	return c, nil
}

// Kube returns the Kubernetes clientset.
func (f *Factory) Kube() (kubernetes.Interface, error) {
	return client(f, &f.KubeClient, "Kubernetes", func(cfg *rest.Config) (kubernetes.Interface, error) {
		return kubernetes.NewForConfig(cfg)
	})
}

// Dynamic returns the dynamic client, used for NodeMaintenance, whose API group varies.
func (f *Factory) Dynamic() (dynamic.Interface, error) {
	return client(f, &f.DynamicClient, "dynamic", func(cfg *rest.Config) (dynamic.Interface, error) {
		return dynamic.NewForConfig(cfg)
	})
}

// KubeVirt returns the typed client of the kubevirt.io APIs.
func (f *Factory) KubeVirt() (kubevirt.Interface, error) {
	return client(f, &f.KubeVirtClient, "KubeVirt", func(cfg *rest.Config) (kubevirt.Interface, error) {
		return kubevirt.NewForConfig(cfg)
	})
}

// DiscoveryClient returns a discovery client, cached on disk as kubectl's is when built from
// the kubeconfig session.
func (f *Factory) DiscoveryClient() (discovery.DiscoveryInterface, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.Discovery != nil {
		return f.Discovery, nil
	}
	if f.Config == nil && f.ConfigFlags != nil {
		if err := f.checkSession(); err != nil {
			return nil, err
		}
		d, err := f.ConfigFlags.ToDiscoveryClient()
		if err != nil {
			return nil, sessionError(err)
		}
		f.Discovery = d
		return d, nil
	}
	cfg, err := f.restConfigLocked()
	if err != nil {
		return nil, err
	}
	d, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("building the discovery client: %w", err)
	}
	f.Discovery = d
	return d, nil
}

// RESTMapper maps kinds to resources through discovery.
func (f *Factory) RESTMapper() (meta.RESTMapper, error) {
	f.mu.Lock()
	if f.Mapper != nil {
		defer f.mu.Unlock()
		return f.Mapper, nil
	}
	flags := f.ConfigFlags
	f.mu.Unlock()
	if err := f.checkSession(); err != nil {
		return nil, err
	}
	m, err := flags.ToRESTMapper()
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.Mapper = m
	f.mu.Unlock()
	return m, nil
}

// Namespace returns the namespace from -n or the kubeconfig context, and whether -n was given.
func (f *Factory) Namespace() (string, bool, error) {
	if f.ConfigFlags == nil {
		return "default", false, nil
	}
	return f.ConfigFlags.ToRawKubeConfigLoader().Namespace()
}

// NamespaceFlag returns the value of -n/--namespace, or "" when it was not given.
func (f *Factory) NamespaceFlag() string {
	if f.ConfigFlags == nil || f.ConfigFlags.Namespace == nil {
		return ""
	}
	return *f.ConfigFlags.Namespace
}
