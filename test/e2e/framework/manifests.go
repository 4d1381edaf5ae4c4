package framework

import "fmt"

// VMSpec is what differs between the VirtualMachines the tests apply.
type VMSpec struct {
	// EvictionStrategy is left out when empty, so that the cluster-wide default applies: the
	// test cluster's KubeVirt CR sets LiveMigrate, as HCO does on a multi-node cluster. A VM that
	// must not migrate says None.
	EvictionStrategy string
	// MigrationDuration is how long the simulator takes to live-migrate the VMI; 1s when empty.
	MigrationDuration string
	// Labels are the VMI template's labels in YAML flow style, e.g. "{app: db}"; none when empty.
	Labels string
	// Volumes are YAML list items added after the root disk, indented as RWOVolumeYAML is.
	Volumes string
	// RunStrategy is the VM's; Always when empty.
	RunStrategy string
}

// VMYAML is a VirtualMachine as a user writes it, pinned to the test's nodes, followed by a
// document separator so that manifests concatenate.
func VMYAML(name string, nodes TestNodes, s VMSpec) string {
	labels, strategy, duration := "", "", s.MigrationDuration
	if s.Labels != "" {
		labels = "      labels: " + s.Labels + "\n"
	}
	if s.EvictionStrategy != "" {
		strategy = "      evictionStrategy: " + s.EvictionStrategy + "\n"
	}
	if duration == "" {
		duration = "1s"
	}
	runStrategy := s.RunStrategy
	if runStrategy == "" {
		runStrategy = "Always"
	}
	return fmt.Sprintf(`apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata:
  name: %s
spec:
  runStrategy: %s
  template:
    metadata:
%s      annotations: {kubevirt-sim.oc-cnv.io/migration-duration: %s}
    spec:
%s%s      domain:
        devices: {}
        resources: {requests: {memory: 128Mi}}
      volumes:
      - name: root
        containerDisk: {image: quay.io/containerdisks/fedora:latest}
%s---
`, name, runStrategy, labels, duration, strategy, nodes.PlacementYAML(6), s.Volumes)
}

// RWOClaimYAML is a ReadWriteOnce claim; a VM with RWOVolumeYAML cannot live-migrate.
const RWOClaimYAML = `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data-rwo}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
`

// RWOVolumeYAML mounts RWOClaimYAML, for VMSpec.Volumes.
const RWOVolumeYAML = "      - name: data\n        persistentVolumeClaim: {claimName: data-rwo}\n"
