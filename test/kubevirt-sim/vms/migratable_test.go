package vms

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	virtv1 "kubevirt.io/api/core/v1"
)

func claim(name string, modes ...corev1.PersistentVolumeAccessMode) *corev1.PersistentVolumeClaim {
	return &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"},
		Spec:       corev1.PersistentVolumeClaimSpec{AccessModes: modes},
	}
}

func TestLiveMigratableFollowsTheAccessModesOfTheVMIsClaims(t *testing.T) {
	pvcs := map[string]*corev1.PersistentVolumeClaim{
		"shared": claim("shared", corev1.ReadWriteMany),
		"rwo":    claim("rwo", corev1.ReadWriteOnce),
		"dv-rwx": claim("dv-rwx", corev1.ReadWriteMany),
	}
	get := func(ns, name string) *corev1.PersistentVolumeClaim { return pvcs[name] }
	pvcVol := func(name string) virtv1.Volume {
		return virtv1.Volume{Name: name, VolumeSource: virtv1.VolumeSource{
			PersistentVolumeClaim: &virtv1.PersistentVolumeClaimVolumeSource{
				PersistentVolumeClaimVolumeSource: corev1.PersistentVolumeClaimVolumeSource{ClaimName: name}}}}
	}
	dvVol := func(name string) virtv1.Volume {
		return virtv1.Volume{Name: name, VolumeSource: virtv1.VolumeSource{DataVolume: &virtv1.DataVolumeSource{Name: name}}}
	}
	containerDisk := virtv1.Volume{Name: "root", VolumeSource: virtv1.VolumeSource{ContainerDisk: &virtv1.ContainerDiskSource{Image: "img"}}}

	cases := []struct {
		name    string
		volumes []virtv1.Volume
		status  corev1.ConditionStatus
		message string
	}{
		{"container disk only", []virtv1.Volume{containerDisk}, corev1.ConditionTrue, ""},
		{"RWX claim and RWX data volume", []virtv1.Volume{pvcVol("shared"), dvVol("dv-rwx")}, corev1.ConditionTrue, ""},
		{"RWO claim", []virtv1.Volume{containerDisk, pvcVol("rwo")}, corev1.ConditionFalse,
			"cannot migrate VMI: PVC rwo is not shared, live migration requires that all PVCs must be shared (using ReadWriteMany access mode)"},
		{"data volume without its claim", []virtv1.Volume{dvVol("missing")}, corev1.ConditionFalse,
			"cannot migrate VMI: Unable to determine if PVC missing is shared"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			vmi := runningVMI("vm", "n1")
			vmi.Spec.Volumes = c.volumes
			got := liveMigratable(vmi, get)
			if got.Type != virtv1.VirtualMachineInstanceIsMigratable || got.Status != c.status {
				t.Fatalf("got %s=%s, want LiveMigratable=%s", got.Type, got.Status, c.status)
			}
			if c.status == corev1.ConditionFalse {
				if got.Reason != "DisksNotLiveMigratable" || !strings.HasPrefix(got.Message, c.message) {
					t.Fatalf("got reason %q message %q, want DisksNotLiveMigratable %q", got.Reason, got.Message, c.message)
				}
			}
		})
	}
}

func TestBoundClaimAccessModesWinOverRequested(t *testing.T) {
	pvc := claim("c", corev1.ReadWriteMany)
	pvc.Status.AccessModes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}
	if hasAccessMode(pvc, corev1.ReadWriteMany) {
		t.Fatal("a claim bound ReadWriteOnce counted as shared")
	}
}
