package main

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	cdicontroller "kubevirt.io/containerized-data-importer/pkg/operator/controller"
)

// oneRunnable is all of a controller-runtime manager that cdi-operator's NewCertManager uses: the
// cluster's config, and Add for the certificate manager's informers, which it starts as a
// Runnable. Taking the Runnable instead of handing it to a real manager lets each estate's
// certificate manager stop with its estate, as the operator's pod would. Any other method of
// the embedded (nil) Manager would panic, which is the point: upstream calling more of it
// should be seen, not papered over.
type oneRunnable struct {
	manager.Manager
	cfg      *rest.Config
	runnable manager.Runnable
}

func (m *oneRunnable) GetConfig() *rest.Config { return m.cfg }

func (m *oneRunnable) Add(r manager.Runnable) error {
	m.runnable = r
	return nil
}

// newCertManager is cdi-operator's certificate manager for ns, its informers started and synced
// (which its Start does before returning) and stopped when ctx ends.
func newCertManager(ctx context.Context, cfg *rest.Config, ns string) (cdicontroller.CertManager, error) {
	m := &oneRunnable{cfg: cfg}
	cm, err := cdicontroller.NewCertManager(m, ns)
	if err != nil {
		return nil, err
	}
	if m.runnable == nil {
		return nil, errors.New("cdi-operator's certificate manager registered nothing to start")
	}
	if err := m.runnable.Start(ctx); err != nil {
		return nil, fmt.Errorf("starting cdi-operator's certificate manager: %w", err)
	}
	return cm, nil
}

// transient errors are retried by the next reconcile without a word, as controller-runtime's
// requeue does: a write that lost to another, or to a test deleting its namespace.
func transient(err error) bool {
	return apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err) || apierrors.IsNotFound(err) || apierrors.IsForbidden(err)
}
