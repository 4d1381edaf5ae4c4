package vms

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	k8stesting "k8s.io/client-go/testing"
	virtv1 "kubevirt.io/api/core/v1"
)

// From KubeVirt v1.9 (v1.7 and v1.8 with the MigrationPriorityQueue feature gate) the
// evacuation controller creates a migration for every candidate at once, with spec.priority;
// before, only as many as the parallel limits allow.
func TestEvacuationStylePerKubeVirtVersion(t *testing.T) {
	for _, c := range []struct {
		version string
		gates   []string
		all     bool
	}{
		{"v1.6.0", nil, false},
		{"", nil, false},
		{"v1.8.4", nil, false},
		{"v1.8.4", []string{"MigrationPriorityQueue"}, true},
		{"v1.9.0", nil, true},
		{"v1.10.1", nil, true},
	} {
		t.Run(fmt.Sprintf("%s%v", c.version, c.gates), func(t *testing.T) {
			f := newFakeCluster(t, 0)
			n := 0
			f.virt.PrependReactor("create", "virtualmachineinstancemigrations", func(a k8stesting.Action) (bool, runtime.Object, error) {
				m := a.(k8stesting.CreateAction).GetObject().(*virtv1.VirtualMachineInstanceMigration)
				n++
				m.Name = fmt.Sprintf("%s%05d", m.GenerateName, n)
				return false, nil, nil
			})
			one := uint32(1)
			kv := &virtv1.KubeVirt{
				ObjectMeta: metav1.ObjectMeta{Name: "kv", Namespace: "openshift-cnv"},
				Spec: virtv1.KubeVirtSpec{Configuration: virtv1.KubeVirtConfiguration{
					EvictionStrategy:       strategyPtr(virtv1.EvictionStrategyLiveMigrate),
					MigrationConfiguration: &virtv1.MigrationConfiguration{ParallelOutboundMigrationsPerNode: &one},
					DeveloperConfiguration: &virtv1.DeveloperConfiguration{FeatureGates: c.gates},
				}},
				Status: virtv1.KubeVirtStatus{ObservedKubeVirtVersion: c.version},
			}
			if _, err := f.virt.KubevirtV1().KubeVirts("openshift-cnv").Create(f.ctx, kv, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			names := []string{"a", "b", "c"}
			for _, name := range names {
				vmi := withMigratable(runningVMI(name, "n1"), true)
				vmi.Status.EvacuationNodeName = "n1"
				if _, err := f.virt.KubevirtV1().VirtualMachineInstances("ns").Create(f.ctx, vmi, metav1.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
				if _, err := f.kube.CoreV1().Pods("ns").Create(f.ctx, launcherOn(vmi, "virt-launcher-"+name+"-x", "n1", corev1.PodRunning), metav1.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			f.settle()
			if len(f.s.kvs.GetStore().List()) != 1 {
				t.Fatal("KubeVirt CR not cached")
			}
			for range 2 {
				for _, name := range names {
					if err := f.s.evacuationCtl.sync(f.ctx, "ns/"+name); err != nil {
						t.Fatal(err)
					}
				}
			}
			list, err := f.virt.KubevirtV1().VirtualMachineInstanceMigrations("ns").List(f.ctx, metav1.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			want := 1
			if c.all {
				want = len(names)
			}
			if len(list.Items) != want {
				t.Fatalf("%d evacuation migrations with parallelOutboundMigrationsPerNode=1, want %d", len(list.Items), want)
			}
			for _, m := range list.Items {
				switch {
				case c.all && (m.Spec.Priority == nil || *m.Spec.Priority != virtv1.PrioritySystemCritical):
					t.Errorf("migration %s: priority %v, want system-critical", m.Name, m.Spec.Priority)
				case !c.all && m.Spec.Priority != nil:
					t.Errorf("migration %s: priority %v, want none before the priority queue", m.Name, *m.Spec.Priority)
				}
			}
		})
	}
}

// The migration controller offers a freed slot to the Pending migrations by priority, then age.
func TestQueueOrder(t *testing.T) {
	at := metav1.Now()
	later := metav1.NewTime(at.Add(1))
	mig := func(name string, p virtv1.MigrationPriority, ts metav1.Time) *virtv1.VirtualMachineInstanceMigration {
		m := &virtv1.VirtualMachineInstanceMigration{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, CreationTimestamp: ts}}
		if p != "" {
			m.Spec.Priority = &p
		}
		return m
	}
	ms := []*virtv1.VirtualMachineInstanceMigration{
		mig("user-old", "", at), mig("maint", virtv1.PrioritySystemMaintenance, at), mig("crit-new", virtv1.PrioritySystemCritical, later),
		mig("crit-old", virtv1.PrioritySystemCritical, at), mig("user-trig", virtv1.PriorityUserTriggered, at),
	}
	queueOrder(ms)
	var got []string
	for _, m := range ms {
		got = append(got, m.Name)
	}
	if fmt.Sprint(got) != "[crit-old crit-new user-trig maint user-old]" {
		t.Errorf("queue order %v", got)
	}
}

// The test world's virt-api (v1.6.0 by default) refuses spec.priority, a field it does not
// know. Playing v1.9 beside it, the evacuation controller still creates the migration, without
// the field, rather than retrying a refused create for ever.
func TestEvacuationWithoutPriorityWhenVirtAPIRefusesIt(t *testing.T) {
	f := newFakeCluster(t, 0)
	refused := 0
	f.virt.PrependReactor("create", "virtualmachineinstancemigrations", func(a k8stesting.Action) (bool, runtime.Object, error) {
		m := a.(k8stesting.CreateAction).GetObject().(*virtv1.VirtualMachineInstanceMigration)
		if m.Spec.Priority != nil {
			refused++
			return true, nil, apierrors.NewInvalid(virtv1.VirtualMachineInstanceMigrationGroupVersionKind.GroupKind(), "",
				field.ErrorList{field.Forbidden(field.NewPath("spec", "priority"), "spec.priority in body is a forbidden property")})
		}
		m.Name = m.GenerateName + "00001"
		return false, nil, nil
	})
	kv := &virtv1.KubeVirt{
		ObjectMeta: metav1.ObjectMeta{Name: "kv", Namespace: "openshift-cnv"},
		Spec:       virtv1.KubeVirtSpec{Configuration: virtv1.KubeVirtConfiguration{EvictionStrategy: strategyPtr(virtv1.EvictionStrategyLiveMigrate)}},
		Status:     virtv1.KubeVirtStatus{ObservedKubeVirtVersion: "v1.9.0"},
	}
	if _, err := f.virt.KubevirtV1().KubeVirts("openshift-cnv").Create(f.ctx, kv, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	vmi := withMigratable(runningVMI("a", "n1"), true)
	vmi.Status.EvacuationNodeName = "n1"
	if _, err := f.virt.KubevirtV1().VirtualMachineInstances("ns").Create(f.ctx, vmi, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.kube.CoreV1().Pods("ns").Create(f.ctx, launcherOn(vmi, "virt-launcher-a-x", "n1", corev1.PodRunning), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	f.settle()
	if err := f.s.evacuationCtl.sync(f.ctx, "ns/a"); err != nil {
		t.Fatal(err)
	}
	list, err := f.virt.KubevirtV1().VirtualMachineInstanceMigrations("ns").List(f.ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if refused != 1 || len(list.Items) != 1 || list.Items[0].Spec.Priority != nil {
		t.Fatalf("%d refused creates, %d migrations (%+v); want one refused with priority, then one created without", refused, len(list.Items), list.Items)
	}
}
