package vms

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
	virtv1 "kubevirt.io/api/core/v1"
	"kubevirt.io/client-go/kubevirt"
)

const (
	// podsByVMIUID indexes launcher pods by their kubevirt.io/created-by label.
	podsByVMIUID = "vmiUID"
	// migrationsByVMI indexes VMIMs by namespace/spec.vmiName.
	migrationsByVMI = "vmi"
)

// simulator holds the clients and shared caches the five controllers work from.
type simulator struct {
	opts *Options
	kube kubernetes.Interface
	virt kubevirt.Interface

	vms, vmis, vmims, kvs, pods, pvcs cache.SharedIndexInformer

	vmCtl, vmiCtl, evacuationCtl, migrationCtl *loop
	// statusCtl reports the deployed KubeVirt version on the KubeVirt CR (operator_status.go).
	statusCtl  *loop
	evacuation *evacuationController
	// events records KubeVirt's migration events; nil (no events) in unit tests.
	events *recorders
}

// Run plays KubeVirt's VM side (virt-controller's VM, VMI, evacuation and migration
// controllers, and the bits of virt-handler that report a domain as running or migrated)
// against cfg until ctx is done. virt-api, with its eviction webhook, is KubeVirt's own
// process (hack/cluster.sh).
func Run(ctx context.Context, cfg *rest.Config, o *Options) error {
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	virt, err := kubevirt.NewForConfig(cfg)
	if err != nil {
		return err
	}
	s := newSimulator(kube, virt, o)
	s.events = newRecorders(ctx, kube)

	for _, inf := range []cache.SharedIndexInformer{s.vms, s.vmis, s.vmims, s.kvs, s.pods, s.pvcs} {
		go inf.RunWithContext(ctx)
	}
	if !cache.WaitForCacheSync(ctx.Done(), s.vms.HasSynced, s.vmis.HasSynced, s.vmims.HasSynced,
		s.kvs.HasSynced, s.pods.HasSynced, s.pvcs.HasSynced) {
		return ctx.Err()
	}
	klog.Infof("vms: simulating KubeVirt VMs")

	workers := max(o.Workers, 1)
	go s.vmCtl.run(ctx, workers)
	go s.vmiCtl.run(ctx, workers)
	// One evacuation worker: its parallel-migration limits are counted under one lock.
	go s.evacuationCtl.run(ctx, 1)
	go s.migrationCtl.run(ctx, workers)
	go s.statusCtl.run(ctx, 1)
	go s.reportHealth(ctx)

	<-ctx.Done()
	return nil
}

func newSimulator(kube kubernetes.Interface, virt kubevirt.Interface, o *Options) *simulator {
	kv := virt.KubevirtV1()
	s := &simulator{opts: o, kube: kube, virt: virt}
	s.vms = clusterInformer[*virtv1.VirtualMachineList](&virtv1.VirtualMachine{}, kv.VirtualMachines(""))
	s.vmis = clusterInformer[*virtv1.VirtualMachineInstanceList](&virtv1.VirtualMachineInstance{}, kv.VirtualMachineInstances(""))
	s.vmims = clusterInformer[*virtv1.VirtualMachineInstanceMigrationList](&virtv1.VirtualMachineInstanceMigration{}, kv.VirtualMachineInstanceMigrations(""))
	s.kvs = clusterInformer[*virtv1.KubeVirtList](&virtv1.KubeVirt{}, kv.KubeVirts(""))

	launchers := informers.NewSharedInformerFactoryWithOptions(kube, 0,
		informers.WithTweakListOptions(func(lo *metav1.ListOptions) {
			lo.LabelSelector = virtv1.AppLabel + "=virt-launcher"
		}))
	s.pods = launchers.Core().V1().Pods().Informer()
	s.pvcs = informers.NewSharedInformerFactory(kube, 0).Core().V1().PersistentVolumeClaims().Informer()

	must(s.pods.AddIndexers(cache.Indexers{podsByVMIUID: func(obj interface{}) ([]string, error) {
		if uid := obj.(*corev1.Pod).Labels[virtv1.CreatedByLabel]; uid != "" {
			return []string{uid}, nil
		}
		return nil, nil
	}}))
	must(s.vmims.AddIndexers(cache.Indexers{migrationsByVMI: func(obj interface{}) ([]string, error) {
		m := obj.(*virtv1.VirtualMachineInstanceMigration)
		return []string{m.Namespace + "/" + m.Spec.VMIName}, nil
	}}))

	s.vmCtl = newVMController(s)
	s.vmiCtl = newVMIController(s)
	s.evacuation = newEvacuationController(s)
	s.evacuationCtl = s.evacuation.loop
	s.migrationCtl = newMigrationController(s)
	s.statusCtl = newOperatorStatusController(s)
	return s
}

// listWatcher is the part of a typed client that an informer needs.
type listWatcher[L runtime.Object] interface {
	List(ctx context.Context, opts metav1.ListOptions) (L, error)
	Watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error)
}

// clusterInformer caches obj's kind, in every namespace, from its typed client c. Its lists and
// watches run under the context the informer is run with, so they end when it stops.
func clusterInformer[L runtime.Object](obj runtime.Object, c listWatcher[L]) cache.SharedIndexInformer {
	lw := &cache.ListWatch{
		ListWithContextFunc:  func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) { return c.List(ctx, opts) },
		WatchFuncWithContext: c.Watch,
	}
	return cache.NewSharedIndexInformer(lw, obj, 10*time.Minute, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// Cache readers. The informers hold pointers into their store: callers DeepCopy before
// changing anything.

// cached returns the object stored under key, or nil.
func cached[T any](inf cache.SharedIndexInformer, key string) *T {
	obj, ok, _ := inf.GetStore().GetByKey(key)
	if !ok {
		return nil
	}
	return obj.(*T)
}

// typed converts what a store or index returned; every informer stores one type.
func typed[T any](objs []any) []*T {
	out := make([]*T, 0, len(objs))
	for _, obj := range objs {
		out = append(out, obj.(*T))
	}
	return out
}

func (s *simulator) vm(key string) *virtv1.VirtualMachine {
	return cached[virtv1.VirtualMachine](s.vms, key)
}

func (s *simulator) vmi(key string) *virtv1.VirtualMachineInstance {
	return cached[virtv1.VirtualMachineInstance](s.vmis, key)
}

func (s *simulator) allVMIs() []*virtv1.VirtualMachineInstance {
	return typed[virtv1.VirtualMachineInstance](s.vmis.GetStore().List())
}

func (s *simulator) migration(key string) *virtv1.VirtualMachineInstanceMigration {
	return cached[virtv1.VirtualMachineInstanceMigration](s.vmims, key)
}

func (s *simulator) allMigrations() []*virtv1.VirtualMachineInstanceMigration {
	return typed[virtv1.VirtualMachineInstanceMigration](s.vmims.GetStore().List())
}

// migrationsOf lists the VMIMs whose spec.vmiName is the VMI namespace/name.
func (s *simulator) migrationsOf(vmiKey string) []*virtv1.VirtualMachineInstanceMigration {
	objs, _ := s.vmims.GetIndexer().ByIndex(migrationsByVMI, vmiKey)
	return typed[virtv1.VirtualMachineInstanceMigration](objs)
}

// launcherPods lists the virt-launcher pods created for the VMI with this UID.
func (s *simulator) launcherPods(vmi *virtv1.VirtualMachineInstance) []*corev1.Pod {
	objs, _ := s.pods.GetIndexer().ByIndex(podsByVMIUID, string(vmi.UID))
	return typed[corev1.Pod](objs)
}

func (s *simulator) pvc(namespace, name string) *corev1.PersistentVolumeClaim {
	return cached[corev1.PersistentVolumeClaim](s.pvcs, namespace+"/"+name)
}

func (s *simulator) config() clusterConfig {
	return configFrom(typed[virtv1.KubeVirt](s.kvs.GetStore().List()))
}
