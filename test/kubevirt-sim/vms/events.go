package vms

import (
	"context"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/record"
	virtv1 "kubevirt.io/api/core/v1"
)

// Event reasons and messages of a live migration, as KubeVirt v1.6.0 records them:
// the migration controller (pkg/virt-controller/watch/migration/migration.go, reasons from
// pkg/controller/controller.go) on the VMIM, the evacuation controller
// (pkg/virt-controller/watch/drain/evacuation/evacuation.go) and the target virt-handler
// (pkg/virt-handler/migration-target.go) on the VMI.
const (
	reasonSuccessfulCreate    = "SuccessfulCreate"
	reasonSuccessfulHandOver  = "SuccessfulHandOver"
	reasonSuccessfulMigration = "SuccessfulMigration"
	reasonFailedMigration     = "FailedMigration"
)

// recorders are the event sources of the parts the simulator plays, each under the component
// name upstream uses.
type recorders struct {
	// migration is virt-controller's vmiRecorder, which its migration controller uses.
	migration  record.EventRecorder
	evacuation record.EventRecorder
	handler    record.EventRecorder
}

func newRecorders(ctx context.Context, kube kubernetes.Interface) *recorders {
	scheme := runtime.NewScheme()
	must(corev1.AddToScheme(scheme))
	must(virtv1.AddToScheme(scheme))
	b := record.NewBroadcaster(record.WithContext(ctx))
	b.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: kube.CoreV1().Events("")})
	return &recorders{
		migration:  b.NewRecorder(scheme, corev1.EventSource{Component: "virtualmachine-controller"}),
		evacuation: b.NewRecorder(scheme, corev1.EventSource{Component: "evacuation-controller"}),
		handler:    b.NewRecorder(scheme, corev1.EventSource{Component: "virt-handler"}),
	}
}

// migrationEvents records what KubeVirt records when a migration moves from phase "from" to
// "to". Objects from typed clients carry no kind, which the event's reference needs.
func (r *recorders) migrationEvents(m *virtv1.VirtualMachineInstanceMigration, vmi *virtv1.VirtualMachineInstance,
	from, to virtv1.VirtualMachineInstanceMigrationPhase, failure string) {
	if r == nil || from == to {
		return
	}
	m = withKind(m, "VirtualMachineInstanceMigration")
	switch to {
	case virtv1.MigrationScheduling:
		if ms := m.Status.MigrationState; ms != nil && ms.TargetPod != "" {
			r.migration.Eventf(m, corev1.EventTypeNormal, reasonSuccessfulCreate, "Created migration target pod %s", ms.TargetPod)
		}
	case virtv1.MigrationPreparingTarget:
		r.migration.Event(m, corev1.EventTypeNormal, reasonSuccessfulHandOver, "Migration target pod is ready for preparation by virt-handler.")
	case virtv1.MigrationSucceeded:
		if vmi != nil && m.Status.MigrationState != nil {
			r.handler.Eventf(withKind(vmi, "VirtualMachineInstance"), corev1.EventTypeNormal, string(virtv1.Migrated),
				"The VirtualMachineInstance migrated to node %s.", m.Status.MigrationState.TargetNode)
		}
		r.migration.Event(m, corev1.EventTypeNormal, reasonSuccessfulMigration, "Source node reported migration succeeded")
	case virtv1.MigrationFailed:
		msg := "source node reported migration failed"
		switch {
		case strings.HasPrefix(failure, "VMI is not running"):
			msg = "Migration failed vmi shutdown during migration."
		case strings.HasPrefix(failure, "target pod is down"):
			msg = "Migration failed because target pod shutdown during migration"
		}
		r.migration.Event(m, corev1.EventTypeWarning, reasonFailedMigration, msg)
	}
}

// evacuationCreated is the evacuation controller's event on the VMI it created a migration for.
func (r *recorders) evacuationCreated(vmi *virtv1.VirtualMachineInstance, migration string) {
	if r == nil {
		return
	}
	r.evacuation.Eventf(withKind(vmi, "VirtualMachineInstance"), corev1.EventTypeNormal, reasonSuccessfulCreate, "Created Migration %s", migration)
}

func withKind[T interface {
	runtime.Object
	DeepCopyObject() runtime.Object
}](obj T, kind string) T {
	c := obj.DeepCopyObject().(T)
	c.GetObjectKind().SetGroupVersionKind(virtv1.SchemeGroupVersion.WithKind(kind))
	return c
}
