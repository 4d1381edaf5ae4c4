package vms

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/klog/v2"
	virtv1 "kubevirt.io/api/core/v1"
)

// The evacuation controller mirrors virt-controller's (pkg/virt-controller/watch/drain/
// evacuation): a VMI the eviction webhook marked with status.evacuationNodeName, still on
// that node, with no unfinished migration and one active pod, gets a
// VirtualMachineInstanceMigration named kubevirt-evacuation-xxxxx, annotated
// kubevirt.io/evacuationMigration=<node>.
//
// Two styles, after the KubeVirt version the cluster runs (clusterConfig.migrationPriorityQueue):
//   - up to v1.8 (v1.6.0 evacuation.go sync): only as many migrations as the parallel limits
//     leave room for; the others are created later, when a slot frees up;
//   - from v1.9 (v1.9.0 evacuation.go sync and GenerateNewMigration): one migration for every
//     candidate at once, with spec.priority system-critical (system-maintenance when the
//     descheduler asked for the eviction); the migration controller holds those over the
//     limits in Pending and starts them by priority.

// noSlotsRetry is how soon KubeVirt looks again when the limits leave no room.
const noSlotsRetry = 5 * time.Second

type evacuationController struct {
	s    *simulator
	loop *loop

	mu sync.Mutex
	// created holds migrations this controller created that the cache has not shown yet,
	// by VMI key, so they count against the limits and are not created twice.
	created map[string]inFlight
}

func newEvacuationController(s *simulator) *evacuationController {
	c := &evacuationController{s: s, created: map[string]inFlight{}}
	c.loop = newLoop("evacuation", c.sync)
	must2(s.vmis.AddEventHandler(handlerFor(func(obj interface{}) {
		if vmi, ok := unwrap(obj).(*virtv1.VirtualMachineInstance); ok && vmi.IsMarkedForEviction() {
			c.loop.addObj(vmi)
		}
	})))
	must2(s.vmims.AddEventHandler(handlerFor(func(obj interface{}) {
		m, ok := unwrap(obj).(*virtv1.VirtualMachineInstanceMigration)
		if !ok {
			return
		}
		vmiKey := m.Namespace + "/" + m.Spec.VMIName
		c.mu.Lock()
		if f, ok := c.created[vmiKey]; ok && f.key == m.Namespace+"/"+m.Name {
			delete(c.created, vmiKey) // the cache has caught up with our creation
		}
		c.mu.Unlock()
		c.loop.add(vmiKey)
		if m.IsFinal() {
			// A slot may have freed up: look at every VMI still waiting to leave.
			for _, vmi := range s.allVMIs() {
				if vmi.IsMarkedForEviction() {
					c.loop.addObj(vmi)
				}
			}
		}
	})))
	return c
}

// wantsEvacuation is the per-VMI filter of KubeVirt's evacuation controller.
func wantsEvacuation(vmi *virtv1.VirtualMachineInstance, cluster *virtv1.EvictionStrategy) bool {
	return vmi.IsMarkedForEviction() &&
		vmi.Status.NodeName == vmi.Status.EvacuationNodeName && // not migrated away yet
		!vmi.IsFinal() && vmi.DeletionTimestamp == nil &&
		migratesOnEviction(vmi, cluster) &&
		vmi.IsMigratable()
}

func (c *evacuationController) sync(ctx context.Context, key string) error {
	vmi := c.s.vmi(key)
	if vmi == nil {
		return nil
	}
	cfg := c.s.config()
	if !wantsEvacuation(vmi, cfg.EvictionStrategy) {
		return nil
	}
	for _, m := range c.s.migrationsOf(key) {
		if !m.IsFinal() {
			return nil // already migrating
		}
	}
	if len(vmi.Status.ActivePods) > 1 {
		// Pods of a previous migration are still terminating; KubeVirt waits for one pod.
		c.loop.addAfter(key, time.Second)
		return nil
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	if _, pending := c.created[key]; pending {
		return nil
	}
	queue := cfg.migrationPriorityQueue()
	if !queue && migrationSlots(cfg, vmi.Status.NodeName, c.unfinishedMigrations()) <= 0 {
		c.loop.addAfter(key, noSlotsRetry)
		return nil
	}
	m := &virtv1.VirtualMachineInstanceMigration{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: "kubevirt-evacuation-",
			Namespace:    vmi.Namespace,
			Annotations:  map[string]string{virtv1.EvacuationMigrationAnnotation: vmi.Status.NodeName},
			// virt-api's migration mutating webhook labels every VMIM with its VMI.
			Labels: map[string]string{virtv1.MigrationSelectorLabel: vmi.Name},
		},
		Spec: virtv1.VirtualMachineInstanceMigrationSpec{VMIName: vmi.Name},
	}
	if queue {
		m.Spec.Priority = evacuationPriority(vmi)
	}
	created, err := c.s.virt.KubevirtV1().VirtualMachineInstanceMigrations(vmi.Namespace).Create(ctx, m, metav1.CreateOptions{})
	if err != nil && m.Spec.Priority != nil && priorityUnknown(err) {
		// The test world's virt-api is the release it was built at (KUBEVIRT_VERSION, v1.6.0 by
		// default), whose migration validator forbids spec.priority; a newer release played
		// through the version knob then gets its migrations without one. All evacuations share
		// one priority, so the queue's order (oldest first) is the same.
		klog.Warningf("evacuation: the cluster's virt-api does not accept spec.priority (%v); creating the migration for %s without it", err, key)
		m.Spec.Priority = nil
		created, err = c.s.virt.KubevirtV1().VirtualMachineInstanceMigrations(vmi.Namespace).Create(ctx, m, metav1.CreateOptions{})
	}
	if err != nil {
		return fmt.Errorf("creating evacuation migration: %w", err)
	}
	c.created[key] = inFlight{key: created.Namespace + "/" + created.Name, sourceNode: vmi.Status.NodeName}
	c.s.events.evacuationCreated(vmi, created.Name)
	klog.Infof("evacuation: created migration %s for VMI %s on node %s", created.Name, key, vmi.Status.NodeName)
	return nil
}

// evacuationPriority is the priority KubeVirt v1.9 gives an evacuation migration.
func evacuationPriority(vmi *virtv1.VirtualMachineInstance) *virtv1.MigrationPriority {
	p := virtv1.PrioritySystemCritical
	if vmi.Annotations[virtv1.EvictionSourceAnnotation] == "descheduler" {
		p = virtv1.PrioritySystemMaintenance
	}
	return &p
}

// priorityUnknown tells virt-api's refusal of a migration's spec.priority, a field it does not
// know before v1.7.0: its schema check answers Invalid, naming the field.
func priorityUnknown(err error) bool {
	return apierrors.IsInvalid(err) && strings.Contains(err.Error(), "spec.priority")
}

// unfinishedMigrations counts every migration not yet final, Pending included, so that
// draining a busy node does not flood the cluster with waiting migration objects. Called
// with c.mu held.
func (c *evacuationController) unfinishedMigrations() []inFlight {
	var busy []inFlight
	seen := map[string]bool{}
	for _, m := range c.s.allMigrations() {
		if m.IsFinal() {
			continue
		}
		key := m.Namespace + "/" + m.Name
		seen[key] = true
		busy = append(busy, inFlight{key: key, sourceNode: migrationSourceNode(c.s, m)})
	}
	for _, f := range c.created {
		if !seen[f.key] {
			busy = append(busy, f)
		}
	}
	return busy
}

// migrationSourceNode is where a migration moves a VMI from: recorded once it started,
// else the node its VMI runs on now.
func migrationSourceNode(s *simulator, m *virtv1.VirtualMachineInstanceMigration) string {
	if ms := m.Status.MigrationState; ms != nil && ms.SourceNode != "" {
		return ms.SourceNode
	}
	if vmi := s.vmi(m.Namespace + "/" + m.Spec.VMIName); vmi != nil {
		return vmi.Status.NodeName
	}
	return ""
}
