//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

const rotateTimeout = 3 * time.Minute

// launcherPod starts a virt-launcher pod in ns: what `-l kubevirt.io` in rotate-certs.sh kills.
func launcherPod(t *testing.T, ns string) *corev1.Pod {
	t.Helper()
	env := framework.Get(t)
	p, err := env.Kube.CoreV1().Pods(ns).Create(context.Background(), &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "virt-launcher-vm1-", Labels: map[string]string{"kubevirt.io": "virt-launcher", "vm.kubevirt.io/name": "vm1"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "compute", Image: "registry.invalid/virt-launcher:sim"}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	framework.WaitFor(t, time.Minute, "the virt-launcher pod to run", func() (bool, error) {
		cur, err := env.Kube.CoreV1().Pods(ns).Get(context.Background(), p.Name, metav1.GetOptions{})
		return err == nil && cur.Status.Phase == corev1.PodRunning, err
	})
	return p
}

func assertLauncherAlive(t *testing.T, p *corev1.Pod) {
	t.Helper()
	cur, err := framework.Get(t).Kube.CoreV1().Pods(p.Namespace).Get(context.Background(), p.Name, metav1.GetOptions{})
	if err != nil || cur.UID != p.UID || cur.DeletionTimestamp != nil {
		t.Errorf("virt-launcher pod %s did not survive the rotation (err %v)", p.Name, err)
	}
}

func assertAllReissued(t *testing.T, before, after map[string]string) {
	t.Helper()
	for name, serial := range before {
		if name == "cdi-api-signing-key" {
			continue
		}
		if after[name] == "" || after[name] == serial {
			t.Errorf("secret/%s was not re-issued (serial %s -> %s)", name, serial, after[name])
		}
	}
}

func signingKey(t *testing.T, ns string) string {
	t.Helper()
	s, err := framework.Get(t).Kube.CoreV1().Secrets(ns).Get(context.Background(), "cdi-api-signing-key", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return string(s.UID) + "/" + s.ResourceVersion
}

// Both strategies re-issue everything, keep cdi-operator's 3 replicas, spare the VM's pod and
// the upload-token key; the check afterwards shows the new, later expiry dates.
func TestCertsRotateBothStrategies(t *testing.T) {
	env := framework.Get(t)
	ns := newEstate(t, "kubevirt.cdi.kubemacpool.ssp", nil)
	scale(t, ns, "cdi-operator", 3)
	waitDeploymentsReady(t, ns)
	launcher := launcherPod(t, ns)
	key := signingKey(t, ns)

	for _, strategy := range []string{"reissue", "recreate"} {
		before := serials(t, ns)
		res := env.RunWith(t, framework.RunOptions{Timeout: rotateTimeout}, "certs", "rotate", "-n", ns, "--yes", "--strategy", strategy, "--timeout", "2m")
		if res.ExitCode != 0 {
			t.Fatalf("%s: exit %d", strategy, res.ExitCode)
		}
		// The plan names each certificate it waits for; the estate's size follows the catalogue
		// and the KubeVirt version, so the count comes from the plan, not from this test.
		planned := strings.Count(res.Stdout, "  * wait for secret/")
		if planned < 18 {
			t.Errorf("%s: the plan waits for %d certificates, want at least the 18 of kubevirt, cdi, kubemacpool and ssp:\n%s", strategy, planned, res.Stdout)
		}
		if !strings.Contains(res.Stdout, fmt.Sprintf("All %d certificate(s) re-issued and trusted, served; pods Ready.", planned)) || strings.Contains(res.Stdout, "NOT RE-ISSUED") {
			t.Errorf("%s: result table:\n%s", strategy, res.Stdout)
		}
		assertAllReissued(t, before, serials(t, ns))
		if n, ann := replicasOf(t, ns, "cdi-operator"); n != 3 || ann[replicasRecord] != "" {
			t.Errorf("%s: cdi-operator has %d replicas and record %q, want 3 and none", strategy, n, ann[replicasRecord])
		}
		assertLauncherAlive(t, launcher)
		if signingKey(t, ns) != key {
			t.Errorf("%s: cdi-api-signing-key was touched", strategy)
		}
		noKeyMaterial(t, res.Stdout, res.Stderr)
	}
	check := env.Run(t, "certs", "check", "-n", ns)
	if check.ExitCode != 0 {
		t.Errorf("check after rotation: exit %d", check.ExitCode)
	}
}

// A dry run prints the plan and changes nothing; without a terminal and without --yes nothing
// happens either.
func TestCertsRotateDryRunAndConfirmation(t *testing.T) {
	env := framework.Get(t)
	ns := newEstate(t, "kubevirt.cdi", nil)
	waitDeploymentsReady(t, ns)
	before := versions(t, ns)
	res := env.Run(t, "certs", "rotate", "-n", ns, "--dry-run", "--strategy", "recreate")
	if res.ExitCode != 0 || !strings.Contains(res.Stdout, "Dry run: nothing will be changed.") ||
		!strings.Contains(res.Stdout, "scale deployment/cdi-operator to 0 (recording 1 replicas") ||
		!strings.Contains(res.Stdout, "never touched: secret/cdi-api-signing-key") ||
		!strings.Contains(res.Stdout, "skipped kubemacpool: not installed in "+ns) {
		t.Errorf("dry run: exit %d\n%s", res.ExitCode, res.Stdout)
	}
	noPrompt := env.Run(t, "certs", "rotate", "-n", ns)
	if noPrompt.ExitCode != 2 || !strings.Contains(noPrompt.Stderr, "pass --yes") {
		t.Errorf("without --yes on a pipe: exit %d\n%s", noPrompt.ExitCode, noPrompt.Stderr)
	}
	after := versions(t, ns)
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s changed (%s -> %s)", k, v, after[k])
		}
	}
}

// Interrupted while cdi-operator is scaled down: SIGINT scales it back at once; after SIGKILL
// the recorded replicas let the next run restore them and complete the rotation.
func TestCertsRotateInterrupted(t *testing.T) {
	env := framework.Get(t)
	ns := newEstate(t, "cdi", nil)
	scale(t, ns, "cdi-operator", 3)
	waitDeploymentsReady(t, ns)
	ctx := context.Background()

	// A finalizer keeps the operator's pods terminating, so the rotation is reliably caught
	// while it waits for them with the Deployment at 0. hold waits until all 3 live pods carry
	// it: a pod the ReplicaSet creates a moment later would let the rotation pass 0 replicas
	// between two looks of waitScaledDown.
	hold := func() {
		t.Helper()
		framework.WaitFor(t, time.Minute, "the finalizer on the 3 pods of cdi-operator", func() (bool, error) {
			pods, err := env.Kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "name=cdi-operator"})
			if err != nil {
				return false, err
			}
			held := 0
			for _, p := range pods.Items {
				if p.DeletionTimestamp != nil {
					continue // a pod of the previous round, on its way out
				}
				if len(p.Finalizers) > 0 {
					held++
					continue
				}
				patch := []byte(`{"metadata":{"finalizers":["e2e.oc-cnv.io/hold"]}}`)
				if _, err := env.Kube.CoreV1().Pods(ns).Patch(ctx, p.Name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil && !apierrors.IsNotFound(err) {
					return false, err
				}
			}
			return held == 3, nil
		})
	}
	release := func() {
		pods, _ := env.Kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "name=cdi-operator"})
		for _, p := range pods.Items {
			if len(p.Finalizers) > 0 {
				_, _ = env.Kube.CoreV1().Pods(ns).Patch(ctx, p.Name, types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{})
			}
		}
	}
	t.Cleanup(release)
	// A rotation that ends before the scale-down would otherwise only show as a timeout here.
	waitScaledDown := func(p *framework.Process) {
		t.Helper()
		err := framework.Eventually(time.Minute, func() (bool, error) {
			if _, done := p.Exited(); done {
				return true, nil
			}
			n, ann := replicasOf(t, ns, "cdi-operator")
			return n == 0 && ann[replicasRecord] == "3", nil
		})
		if res, done := p.Exited(); done || err != nil {
			n, ann := replicasOf(t, ns, "cdi-operator")
			so, se := p.Output()
			t.Fatalf("waiting for cdi-operator scaled to 0 with its replicas recorded (now %d, record %q): %v; oc-cnv exited: %t (code %d)\n--- stdout\n%s--- stderr\n%s",
				n, ann[replicasRecord], err, done, res.ExitCode, so, se)
		}
	}

	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		hold()
		p := env.Start(t, framework.RunOptions{}, "certs", "rotate", "-n", ns, "--yes", "--strategy", "recreate", "--timeout", "2m")
		waitScaledDown(p)
		if err := p.Signal(sig); err != nil {
			t.Fatal(err)
		}
		res := p.Wait(t, time.Minute)
		if res.ExitCode != 130 {
			t.Errorf("%v: exit %d, want 130", sig, res.ExitCode)
		}
		if n, ann := replicasOf(t, ns, "cdi-operator"); n != 3 || ann[replicasRecord] != "" {
			t.Errorf("after %v cdi-operator has %d replicas and record %q", sig, n, ann[replicasRecord])
		}
		release()
		waitDeploymentsReady(t, ns)
	}

	// SIGKILL leaves the operator at 0 with the record; the next run restores and completes.
	hold()
	p := env.Start(t, framework.RunOptions{}, "certs", "rotate", "-n", ns, "--yes", "--strategy", "recreate", "--timeout", "2m")
	waitScaledDown(p)
	p.Kill()
	if n, _ := replicasOf(t, ns, "cdi-operator"); n != 0 {
		t.Fatalf("expected the crash to leave cdi-operator at 0, it has %d", n)
	}
	release()
	before := serials(t, ns)
	res := env.RunWith(t, framework.RunOptions{Timeout: rotateTimeout}, "certs", "rotate", "-n", ns, "--yes", "--strategy", "recreate", "--timeout", "2m")
	if res.ExitCode != 0 || !strings.Contains(res.Stdout, "restore replicas deployment/cdi-operator to 3") {
		t.Errorf("re-run: exit %d\n%s", res.ExitCode, res.Stdout)
	}
	if n, ann := replicasOf(t, ns, "cdi-operator"); n != 3 || ann[replicasRecord] != "" {
		t.Errorf("after the re-run cdi-operator has %d replicas and record %q", n, ann[replicasRecord])
	}
	assertAllReissued(t, before, serials(t, ns))
}

// An owner that does not re-issue: the rotation times out (exit 3) naming what is missing and
// what to run; once the owner works again, a re-run completes.
func TestCertsRotateOwnerFailure(t *testing.T) {
	env := framework.Get(t)
	ns := newEstate(t, "cdi", nil)
	ctx := context.Background()
	setFail := func(v string) {
		n, err := env.Kube.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if n.Annotations == nil {
			n.Annotations = map[string]string{}
		}
		n.Annotations[annFail] = v
		if _, err := env.Kube.CoreV1().Namespaces().Update(ctx, n, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	setFail("cdi")
	key := signingKey(t, ns)
	res := env.RunWith(t, framework.RunOptions{Timeout: rotateTimeout}, "certs", "rotate", "-n", ns, "--yes", "--timeout", "10s")
	if res.ExitCode != 3 || !strings.Contains(res.Stderr, "still missing") || !strings.Contains(res.Stderr, "cdi: secret/cdi-apiserver-signer re-issued") ||
		!strings.Contains(res.Stderr, "--components cdi") || !strings.Contains(res.Stdout, "NOT RE-ISSUED") {
		t.Errorf("failing owner: exit %d\n%s\n%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	setFail("")
	before := serials(t, ns)
	res = env.RunWith(t, framework.RunOptions{Timeout: rotateTimeout}, "certs", "rotate", "-n", ns, "--yes", "--timeout", "2m")
	if res.ExitCode != 0 {
		t.Errorf("re-run after the owner recovered: exit %d", res.ExitCode)
	}
	assertAllReissued(t, before, serials(t, ns))
	if signingKey(t, ns) != key {
		t.Error("cdi-api-signing-key was touched")
	}
}

// A user who may read but not change the certificates gets a list of what is missing, exit 5,
// and nothing changes.
func TestCertsRotateWithoutPermission(t *testing.T) {
	env := framework.Get(t)
	ns := newEstate(t, "kubevirt", nil)
	waitDeploymentsReady(t, ns)
	path, token := restrictedKubeconfig(t, ns, []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"secrets", "configmaps", "pods"}, Verbs: []string{"get", "list"}},
		{APIGroups: []string{"apps"}, Resources: []string{"deployments", "daemonsets"}, Verbs: []string{"get", "list"}},
	})

	before := versions(t, ns)
	res := env.RunWith(t, framework.RunOptions{Kubeconfig: path}, "certs", "rotate", "-n", ns, "--yes")
	if res.ExitCode != 5 {
		t.Errorf("without permission: exit %d, want 5", res.ExitCode)
	}
	assertGroupedPermissions(t, res.Stderr, ns)
	// The dry run says the same and exits as the real run would, after the plan.
	dry := env.RunWith(t, framework.RunOptions{Kubeconfig: path}, "certs", "rotate", "-n", ns, "--dry-run")
	if dry.ExitCode != 5 || !strings.Contains(dry.Stdout, "Dry run: nothing will be changed.") || !strings.Contains(dry.Stdout, "kubevirt (virt-operator") {
		t.Errorf("dry run without permission: exit %d, want 5 after the plan\n%s", dry.ExitCode, dry.Stdout)
	}
	assertGroupedPermissions(t, dry.Stderr, ns)
	after := versions(t, ns)
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s changed (%s -> %s)", k, v, after[k])
		}
	}
	if strings.Contains(res.Stdout+res.Stderr, token) {
		t.Error("the token was printed")
	}
}

// assertGroupedPermissions: the missing permissions come as one line per verb, resource and
// namespace, naming the objects, each line within 120 columns.
func assertGroupedPermissions(t *testing.T, stderr, ns string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	if !regexp.MustCompile(`^error: you lack \d+ permissions this rotation needs; nothing was changed:$`).MatchString(lines[0]) {
		t.Errorf("first line %q", lines[0])
	}
	line := regexp.MustCompile(`^  (get|list|patch|delete) ([a-z0-9.]+)( in namespace \S+)?( \(\d+\): [a-z0-9-]+(, [a-z0-9-]+)*( and \d+ more)?)?$`)
	seen := map[string]bool{}
	for _, l := range lines[1:] {
		m := line.FindStringSubmatch(l)
		if m == nil || len(l) > 120 {
			t.Errorf("permission line %q: not one verb, resource and its objects within 120 columns", l)
			continue
		}
		if key := m[1] + " " + m[2] + m[3]; seen[key] {
			t.Errorf("%s on more than one line", key)
		} else {
			seen[key] = true
		}
	}
	if !strings.Contains(stderr, "\n  patch secrets in namespace "+ns+" (") || !strings.Contains(stderr, "kubevirt-ca") {
		t.Errorf("no grouped line for patching the Secrets:\n%s", stderr)
	}
}

// At a terminal the rotation asks first; anything but yes changes nothing.
func TestCertsRotateAsksOnATerminal(t *testing.T) {
	env := framework.Get(t)
	ns := newEstate(t, "kubevirt", nil)
	waitDeploymentsReady(t, ns)
	before := versions(t, ns)
	p, tty := env.StartTTY(t, framework.RunOptions{}, 200, 50, "certs", "rotate", "-n", ns)
	p.WaitOutput(t, time.Minute, "Proceed with the rotation? [y/N]")
	if _, err := tty.Write([]byte("n\r")); err != nil {
		t.Fatal(err)
	}
	p.WaitOutput(t, time.Minute, "Nothing was changed.")
	if res := p.Wait(t, time.Minute); res.ExitCode != 8 {
		t.Errorf("declined: exit %d, want 8", res.ExitCode)
	}
	after := versions(t, ns)
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s changed after declining (%s -> %s)", k, v, after[k])
		}
	}

	old := serials(t, ns)
	p, tty = env.StartTTY(t, framework.RunOptions{}, 200, 50, "certs", "rotate", "-n", ns)
	p.WaitOutput(t, time.Minute, "Proceed with the rotation? [y/N]")
	if _, err := tty.Write([]byte("y\r")); err != nil {
		t.Fatal(err)
	}
	p.WaitOutput(t, rotateTimeout, "re-issued and trusted, served; pods Ready.")
	if res := p.Wait(t, time.Minute); res.ExitCode != 0 {
		t.Errorf("confirmed: exit %d", res.ExitCode)
	}
	assertAllReissued(t, old, serials(t, ns))
}

// The upstream layout: CDI in its own namespace, reached with --cdi-namespace by check and
// rotate alike.
func TestCertsSeparateCDINamespace(t *testing.T) {
	env := framework.Get(t)
	kv := newEstate(t, "kubevirt", longLived)
	cdi := newEstate(t, "cdi", longLived)
	check := env.Run(t, "certs", "check", "-n", kv, "--cdi-namespace", cdi)
	lines := tableLines(check.Stdout)
	if check.ExitCode != 0 || !strings.HasPrefix(lines[0], "NAMESPACE COMPONENT ") ||
		!strings.Contains(check.Stdout, kv) || !strings.Contains(check.Stdout, "secret/cdi-apiserver-server-cert") {
		t.Errorf("check with --cdi-namespace: exit %d\n%s", check.ExitCode, check.Stdout)
	}
	beforeKV, beforeCDI := serials(t, kv), serials(t, cdi)
	res := env.RunWith(t, framework.RunOptions{Timeout: rotateTimeout}, "certs", "rotate", "-n", kv, "--cdi-namespace", cdi, "--yes", "--timeout", "2m")
	if res.ExitCode != 0 || !strings.Contains(res.Stdout, "cdi (cdi-operator (openshift/library-go certrotation), version sim) in namespace "+cdi) {
		t.Errorf("rotate with --cdi-namespace: exit %d\n%s", res.ExitCode, res.Stdout)
	}
	assertAllReissued(t, beforeKV, serials(t, kv))
	assertAllReissued(t, beforeCDI, serials(t, cdi))
}
