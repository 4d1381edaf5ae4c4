package vms

import (
	"time"

	virtv1 "kubevirt.io/api/core/v1"
)

// Test knobs. They are annotations on the VMI (put them in a VM's
// spec.template.metadata.annotations) and exist only in the simulator; real KubeVirt
// ignores them. docs/simulator.md lists them.
const (
	// annotationMigrationDuration overrides --migration-duration for this VMI ("5s", "1m").
	annotationMigrationDuration = "kubevirt-sim.oc-cnv.io/migration-duration"
	// annotationMigrationFail makes every migration of this VMI fail in phase Running while
	// it is "true", like KubeVirt's own functional-test annotation that forces a launcher
	// migration failure. Remove it to let the next (backed-off) attempt succeed.
	annotationMigrationFail = "kubevirt-sim.oc-cnv.io/migration-fail"
)

func migrationDuration(vmi *virtv1.VirtualMachineInstance, fallback time.Duration) time.Duration {
	if s, ok := vmi.Annotations[annotationMigrationDuration]; ok {
		if d, err := time.ParseDuration(s); err == nil && d >= 0 {
			return d
		}
	}
	return fallback
}

func migrationShouldFail(vmi *virtv1.VirtualMachineInstance) bool {
	return vmi.Annotations[annotationMigrationFail] == "true"
}
