package vms

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	virtv1 "kubevirt.io/api/core/v1"
)

func TestLauncherPodCarriesKubeVirtsLabelsAndPlacement(t *testing.T) {
	vmi := runningVMI("db", "n1")
	vmi.Labels["app"] = "db"
	vmi.Spec.NodeSelector = map[string]string{"zone": "a"}
	vmi.Spec.Tolerations = []corev1.Toleration{{Key: "k", Operator: corev1.TolerationOpExists}}
	pod := launcherPod(vmi)

	if pod.GenerateName != "virt-launcher-db-" {
		t.Errorf("generateName %q", pod.GenerateName)
	}
	want := map[string]string{
		"kubevirt.io": "virt-launcher", "kubevirt.io/created-by": "db-uid", "vm.kubevirt.io/name": "db", "app": "db",
	}
	for k, v := range want {
		if pod.Labels[k] != v {
			t.Errorf("label %s=%q, want %q", k, pod.Labels[k], v)
		}
	}
	if _, ok := pod.Labels[virtv1.NodeNameLabel]; ok {
		t.Error("the VMI's kubevirt.io/nodeName label leaked onto a new pod")
	}
	if pod.Annotations["kubevirt.io/domain"] != "db" {
		t.Errorf("domain annotation %q", pod.Annotations["kubevirt.io/domain"])
	}
	if ref := metav1.GetControllerOf(pod); ref == nil || ref.Kind != "VirtualMachineInstance" || ref.UID != "db-uid" {
		t.Errorf("controller ref %+v", ref)
	}
	if pod.Spec.NodeSelector["zone"] != "a" || len(pod.Spec.Tolerations) != 1 || pod.Spec.Containers[0].Name != "compute" {
		t.Errorf("placement/container: %+v", pod.Spec)
	}
	if pod.Spec.NodeSelector[virtv1.NodeSchedulable] != "true" || len(pod.Spec.NodeSelector) != 2 {
		t.Errorf("nodeSelector %v: want the VMI's plus kubevirt.io/schedulable=true", pod.Spec.NodeSelector)
	}
	if _, ok := vmi.Spec.NodeSelector[virtv1.NodeSchedulable]; ok {
		t.Error("the VMI's own nodeSelector was changed")
	}
}

func TestMigrationTargetPodAvoidsTheVMIsOtherPods(t *testing.T) {
	vmi := runningVMI("db", "n1")
	m := &virtv1.VirtualMachineInstanceMigration{ObjectMeta: metav1.ObjectMeta{UID: "mig-uid"}}
	pod := migrationTargetPod(vmi, m)
	if pod.Labels[virtv1.MigrationJobLabel] != "mig-uid" {
		t.Errorf("migrationJobUID label %q", pod.Labels[virtv1.MigrationJobLabel])
	}
	terms := pod.Spec.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution
	if len(terms) != 1 || terms[0].TopologyKey != corev1.LabelHostname ||
		terms[0].LabelSelector.MatchLabels[virtv1.CreatedByLabel] != "db-uid" {
		t.Errorf("anti-affinity %+v", terms)
	}
}
