package maintenance

import (
	"context"
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	kvv1 "kubevirt.io/api/core/v1"
	"kubevirt.io/client-go/kubevirt"

	"github.com/oc-cnv/oc-cnv/pkg/kubevirtversion"
)

// Plan is the impact of draining one node, computed before anything is written: the text
// equivalent of the console's confirmation window, but per VM.
type Plan struct {
	Node string
	// ClusterDefault is the KubeVirt CR's spec.configuration.evictionStrategy, nil when unset.
	ClusterDefault *kvv1.EvictionStrategy
	VMIs           []VMIImpact
	// OtherPods are the pods (not virt-launcher) that the drain evicts.
	OtherPods []string
	// StayingPods are DaemonSet and mirror pods, which a drain leaves in place.
	StayingPods []string
	// Incoming are the VMs migrating into the node now. KubeVirt (v1.5.0 and later) refuses to
	// evict a migration's target pod, so the drain waits for these migrations to end.
	Incoming []IncomingVMI
	// Destinations are the nodes the VMs that leave can go to (SetDestinations); nil until set.
	Destinations []string

	vmis []*kvv1.VirtualMachineInstance
}

// With returns the VMIs with the given outcome, in plan order.
func (p *Plan) With(o Outcome) []VMIImpact {
	var out []VMIImpact
	for _, v := range p.VMIs {
		if v.Outcome == o {
			out = append(out, v)
		}
	}
	return out
}

// Blocking are the VMIs that keep the drain from finishing.
func (p *Plan) Blocking() []VMIImpact { return p.With(OutcomeBlock) }

// ClusterEvictionStrategy reads the cluster-wide default eviction strategy from the KubeVirt
// CR. A cluster without KubeVirt installed (or without a KubeVirt CR) has no default.
func ClusterEvictionStrategy(ctx context.Context, kv kubevirt.Interface) (*kvv1.EvictionStrategy, error) {
	list, err := kv.KubevirtV1().KubeVirts(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	if err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("reading the KubeVirt configuration: %w", err)
	}
	for _, k := range list.Items {
		if k.Spec.Configuration.EvictionStrategy != nil {
			s := *k.Spec.Configuration.EvictionStrategy
			return &s, nil
		}
	}
	return nil, nil
}

// VMIsOnNode lists the node's VMIs through KubeVirt's kubevirt.io/nodeName label, so the
// request stays proportional to one node however many VMs the cluster runs. A VMI in a final
// phase keeps the label but no longer runs there: it is left out.
func VMIsOnNode(ctx context.Context, kv kubevirt.Interface, node string) ([]kvv1.VirtualMachineInstance, error) {
	sel := labels.Set{kvv1.NodeNameLabel: node}.AsSelector().String()
	list, err := kv.KubevirtV1().VirtualMachineInstances(metav1.NamespaceAll).List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		if apierrors.IsNotFound(err) {
			// KubeVirt is not installed: no VMs to care about.
			return nil, nil
		}
		return nil, fmt.Errorf("listing the VMs on node %s: %w", node, err)
	}
	items := list.Items[:0]
	for _, v := range list.Items {
		if !v.IsFinal() {
			items = append(items, v)
		}
	}
	sort.Slice(items, func(i, j int) bool {
		if items[i].Namespace != items[j].Namespace {
			return items[i].Namespace < items[j].Namespace
		}
		return items[i].Name < items[j].Name
	})
	return items, nil
}

// PodsOnNode lists the node's pods with a field selector, as the drain itself does.
func PodsOnNode(ctx context.Context, c Clients, node string) ([]corev1.Pod, error) {
	sel := fields.OneTermEqualSelector("spec.nodeName", node).String()
	list, err := c.Kube.CoreV1().Pods(metav1.NamespaceAll).List(ctx, metav1.ListOptions{FieldSelector: sel})
	if err != nil {
		return nil, fmt.Errorf("listing the pods on node %s: %w", node, err)
	}
	// Keep only this node's pods even if a server (or a fake) ignored the field selector.
	pods := list.Items[:0]
	for _, p := range list.Items {
		if p.Spec.NodeName == node {
			pods = append(pods, p)
		}
	}
	return pods, nil
}

// BuildPlan computes the plan for one node. clusterDefault comes from ClusterEvictionStrategy,
// read once for all nodes.
func BuildPlan(ctx context.Context, c Clients, node string, clusterDefault *kvv1.EvictionStrategy) (*Plan, error) {
	vmis, err := VMIsOnNode(ctx, c.KubeVirt, node)
	if err != nil {
		return nil, err
	}
	pods, err := PodsOnNode(ctx, c, node)
	if err != nil {
		return nil, err
	}
	p := &Plan{Node: node, ClusterDefault: clusterDefault}
	if p.VMIs, err = ClassifyAll(ctx, c.KubeVirt, vmis, clusterDefault); err != nil {
		return nil, err
	}
	for i := range vmis {
		p.vmis = append(p.vmis, &vmis[i])
	}
	if p.Incoming, err = incomingVMIs(ctx, c.KubeVirt, node); err != nil {
		return nil, err
	}
	if hasHotplugPods(pods) && kubevirtversion.Read(ctx, c.Dynamic, metav1.NamespaceAll).Has(hotplugHeldSince) {
		pods = p.attachHotplugPods(pods, vmis)
	}
	p.OtherPods, p.StayingPods = splitPods(pods)
	return p, nil
}

// IncomingVMI is a VM migrating into the node.
type IncomingVMI struct {
	Namespace, Name, Source string
}

// incomingVMIs finds the migrations into the node through the label KubeVirt puts on a VMI
// while it migrates (kubevirt.io/migrationTargetNodeName), keeping those not yet completed.
func incomingVMIs(ctx context.Context, kv kubevirt.Interface, node string) ([]IncomingVMI, error) {
	sel := labels.Set{kvv1.MigrationTargetNodeNameLabel: node}.AsSelector().String()
	list, err := kv.KubevirtV1().VirtualMachineInstances(metav1.NamespaceAll).List(ctx, metav1.ListOptions{LabelSelector: sel})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing the VMs migrating into node %s: %w", node, err)
	}
	var out []IncomingVMI
	for _, v := range list.Items {
		ms := v.Status.MigrationState
		if v.IsFinal() || ms == nil || ms.Completed || ms.TargetNode != node || v.Status.NodeName == node {
			continue
		}
		out = append(out, IncomingVMI{Namespace: v.Namespace, Name: v.Name, Source: ms.SourceNode})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Namespace+"/"+out[i].Name < out[j].Namespace+"/"+out[j].Name })
	return out, nil
}

// ClassifyAll classifies the VMIs and reads the run strategy of each one's VirtualMachine
// where a shutdown depends on it.
func ClassifyAll(ctx context.Context, kv kubevirt.Interface, vmis []kvv1.VirtualMachineInstance, clusterDefault *kvv1.EvictionStrategy) ([]VMIImpact, error) {
	out := make([]VMIImpact, 0, len(vmis))
	for i := range vmis {
		imp := Classify(&vmis[i], clusterDefault)
		if imp.Outcome == OutcomeRestart {
			rs, err := runStrategyOf(ctx, kv, &vmis[i])
			if err != nil {
				return nil, err
			}
			imp.SetRunStrategy(rs)
		}
		out = append(out, imp)
	}
	return out, nil
}

// runStrategyOf reads the run strategy of the VM that owns the VMI (same name, same
// namespace). A VM gone meanwhile restarts nothing.
func runStrategyOf(ctx context.Context, kv kubevirt.Interface, vmi *kvv1.VirtualMachineInstance) (kvv1.VirtualMachineRunStrategy, error) {
	vm, err := kv.KubevirtV1().VirtualMachines(vmi.Namespace).Get(ctx, vmi.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading the run strategy of VM %s/%s: %w", vmi.Namespace, vmi.Name, err)
	}
	return vm.RunStrategy()
}

// attachHotplugPods moves each hotplug volume pod to the VM whose launcher pod owns it and
// returns the other pods (KubeVirt v1.7.0 and later, or an unknown version). Such a pod belongs
// to its VM, not to the "other pods": from KubeVirt v1.7.0 its eviction is refused (429 "cannot evict hotplug pod") while the launcher runs, so it
// leaves when the VM does. KubeVirt's template service names it hp-volume-*, labels it
// kubevirt.io=hotplug-disk and makes the launcher pod its controller.
func (p *Plan) attachHotplugPods(pods []corev1.Pod, vmis []kvv1.VirtualMachineInstance) []corev1.Pod {
	owner := map[types.UID]int{} // launcher pod UID -> index in p.VMIs
	for i := range vmis {
		for uid := range vmis[i].Status.ActivePods {
			owner[uid] = i
		}
	}
	rest := pods[:0:0]
	for _, pod := range pods {
		ref := metav1.GetControllerOf(&pod)
		if pod.Labels[kvv1.AppLabel] == hotplugDiskApp && ref != nil && ref.Kind == "Pod" {
			if i, ok := owner[ref.UID]; ok && i < len(p.VMIs) {
				p.VMIs[i].HotplugPods = append(p.VMIs[i].HotplugPods, pod.Namespace+"/"+pod.Name)
				continue
			}
		}
		rest = append(rest, pod)
	}
	return rest
}

// hotplugDiskApp is the kubevirt.io label value of hotplug volume pods.
const hotplugDiskApp = "hotplug-disk"

// hotplugHeldSince is the KubeVirt release whose virt-api refuses to evict a hotplug volume pod
// while its launcher runs (pkg/virt-api/webhooks/validating-webhook/admitters/
// pod-eviction-admitter.go, v1.7.0). Before it, such a pod was evicted like any other pod, so
// the plan counts it among the other pods there.
const hotplugHeldSince = "v1.7.0"

// hasHotplugPods tells whether any of the pods is a hotplug volume pod, so the KubeVirt version
// is read only when it matters.
func hasHotplugPods(pods []corev1.Pod) bool {
	for i := range pods {
		if pods[i].Labels[kvv1.AppLabel] == hotplugDiskApp {
			return true
		}
	}
	return false
}

// IsVirtLauncher tells a VMI's pod from other pods; KubeVirt labels them kubevirt.io=virt-launcher.
func IsVirtLauncher(pod *corev1.Pod) bool {
	return pod.Labels[kvv1.AppLabel] == "virt-launcher"
}

// splitPods separates the pods a drain evicts from those it leaves, using the same rules as the
// operator's drain (IgnoreAllDaemonSets; mirror pods cannot be evicted). virt-launcher pods are
// accounted for as VMs, not pods.
func splitPods(pods []corev1.Pod) (evicted, staying []string) {
	for i := range pods {
		pod := &pods[i]
		key := pod.Namespace + "/" + pod.Name
		switch {
		case IsVirtLauncher(pod):
		case isDaemonSetPod(pod) || isMirrorPod(pod):
			staying = append(staying, key)
		default:
			evicted = append(evicted, key)
		}
	}
	sort.Strings(evicted)
	sort.Strings(staying)
	return evicted, staying
}

func isDaemonSetPod(pod *corev1.Pod) bool {
	ref := metav1.GetControllerOf(pod)
	return ref != nil && ref.Kind == "DaemonSet"
}

func isMirrorPod(pod *corev1.Pod) bool {
	_, ok := pod.Annotations[corev1.MirrorPodAnnotationKey]
	return ok
}
