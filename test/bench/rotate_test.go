//go:build bench

package bench

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/oc-cnv/oc-cnv/test/apiproxy"
)

// scriptRun is the baseline rotate-certs.sh (kubevirt/hyperconverged-cluster-operator
// tools/rotate-certs.sh) stands for: its sequence of calls, one kubectl process per call as the
// script makes them, the loop over every namespace included. Only the calls are reproduced,
// written here; nothing is downloaded. The script neither waits for new certificates nor
// verifies them, so its time is a lower bound of what a user waits with it.
func scriptRun(t *testing.T, e *benchEnv, kubeconfig, cacheDir, ns string) (time.Duration, int) {
	t.Helper()
	calls := 0
	kubectl := func(mayFail bool, args ...string) runResult {
		calls++
		r := run(t, kubeconfig, e.kubectl, append([]string{"--cache-dir", cacheDir}, args...)...)
		if r.code != 0 && !mayFail {
			t.Fatalf("kubectl %s: exit %d\n%s", strings.Join(args, " "), r.code, lastLines(r.stderr, 3))
		}
		return r
	}
	start := time.Now()
	// kubemacpool
	kubectl(false, "--namespace", ns, "delete", "pods", "-l", "app=kubemacpool")
	// CDI: scale the operator down, delete its Secrets and pods and webhook registrations
	kubectl(false, "scale", "--namespace", ns, "--replicas=0", "deployment/cdi-operator")
	kubectl(false, "delete", "secrets", "--namespace", ns, "-l", "cdi.kubevirt.io")
	kubectl(false, "delete", "pods", "--namespace", ns, "-l", "cdi.kubevirt.io")
	// The estate's webhook configurations carry the namespace in their names (docs/simulator.md).
	kubectl(false, "delete", "validatingwebhookconfigurations", "--ignore-not-found=true", "cdi-api-datavolume-validate-"+ns)
	kubectl(false, "delete", "mutatingwebhookconfigurations", "--ignore-not-found=true", "cdi-api-datavolume-mutate-"+ns)
	// Routes are not served here, so the script skips deleting the upload proxy's.
	if kubectl(true, "get", "routes").code == 0 {
		kubectl(false, "delete", "routes", "--ignore-not-found=true", "--namespace", ns, "cdi-uploadproxy")
	}
	// Every namespace of the cluster, one process each.
	list := kubectl(false, "get", "namespaces", "--no-headers", "-o", "custom-columns=:metadata.name")
	for _, other := range strings.Fields(list.stdout) {
		kubectl(false, "delete", "pods", "--namespace", other, "-l", "cdi.kubevirt.io")
	}
	kubectl(false, "scale", "--namespace", ns, "--replicas=1", "deployment/cdi-operator")
	// KubeVirt, then SSP
	kubectl(false, "delete", "secrets", "--namespace", ns, "-l", "kubevirt.io")
	kubectl(false, "delete", "pods", "--namespace", ns, "-l", "kubevirt.io")
	kubectl(false, "delete", "secrets", "--ignore-not-found=true", "--namespace", ns, "virt-template-validator-certs")
	kubectl(false, "delete", "pods", "--namespace", ns, "-l", "kubevirt.io=virt-template-validator")
	// The web UI check fails where there is no such CRD; the script ends there.
	kubectl(true, "get", "crd", "kwebuis.kubevirt.io")
	return time.Since(start), calls
}

// benchRotate: oc-cnv certs rotate --yes (re-issue, wait, verify) against the script's calls on
// an identical estate, with namespaces namespaces in the cluster; and oc-cnv's request count
// with and without those namespaces. The script reads nothing back, so the like-for-like runs
// verify the Secrets and bundles only (--served=false); one more run, as users run it by
// default, also waits until every endpoint serves its new certificate, which takes the pods'
// reload (the simulator's volume delay here, a kubelet's volume refresh on a real cluster).
func benchRotate(t *testing.T, e *benchEnv, rep *report, namespaces int) {
	proxy := apiproxy.New(t, e.cfg)
	kc := proxy.Kubeconfig(t)
	cacheDir := t.TempDir()
	const occnvNS, scriptNS = "bench-estate-occnv", "bench-estate-script"
	seedEstate(t, e, occnvNS)
	seedEstate(t, e, scriptNS)

	proxy.Reset()
	mustRun(t, kc, e.bin, "certs", "rotate", "-n", occnvNS, "--yes", "--served=false", "--cache-dir", cacheDir)
	small, _, _ := proxy.Reset()
	waitEstateReady(t, e, occnvNS)

	seedNamespaces(t, e, namespaces, 10, "node-000000")
	total := countNamespaces(t, e)

	proxy.Reset()
	r := mustRun(t, kc, e.bin, "certs", "rotate", "-n", occnvNS, "--yes", "--served=false", "--cache-dir", cacheDir)
	large, _, paths := proxy.Reset()
	perNamespace := 0
	for path, n := range paths {
		if strings.Contains(path, "/namespaces/bench-ns-") {
			perNamespace += n
		}
	}
	if !strings.Contains(r.stdout, "re-issued and trusted") {
		t.Errorf("oc-cnv certs rotate did not verify:\n%s", lastLines(r.stdout, 3))
	}
	waitEstateReady(t, e, occnvNS)
	waitAllServing(t, e, occnvNS)
	served := mustRun(t, kc, e.bin, "certs", "rotate", "-n", occnvNS, "--yes", "--cache-dir", cacheDir)
	proxy.Reset()
	if !strings.Contains(served.stdout, "re-issued and trusted, served") {
		t.Errorf("oc-cnv certs rotate did not verify what is served:\n%s", lastLines(served.stdout, 3))
	}

	scriptWall, calls := scriptRun(t, e, kc, cacheDir, scriptNS)
	scriptRequests, _, _ := proxy.Reset()

	ratio := float64(scriptWall) / float64(r.wall)
	rep.add(fmt.Sprintf("certs rotate --served=false, %d namespaces: wall time end to end (oc-cnv re-issues, waits, verifies Secrets and bundles; the script's %d kubectl calls only)", total, calls),
		secs(r.wall), secs(scriptWall), fmt.Sprintf("%.1fx faster", ratio), ">= 50x faster", ratio >= 50)
	servedRatio := float64(scriptWall) / float64(served.wall)
	rep.add("certs rotate as run by default: the same, then until every endpoint serves its new certificate (the pods reload 1 s after their Secret here)",
		secs(served.wall), secs(scriptWall), fmt.Sprintf("%.1fx faster", servedRatio), ">= 20x faster", servedRatio >= 20)
	// rotate re-checks every 500ms while owners re-issue, so its count varies with their speed;
	// what must not appear is any request per namespace.
	rep.add(fmt.Sprintf("certs rotate --served=false: API requests with %d vs %d namespaces (requests into the seeded namespaces)", total-namespaces, total),
		fmt.Sprintf("%d vs %d (%d)", small, large, perNamespace), fmt.Sprintf("%d (script, %d ns)", scriptRequests, total),
		fmt.Sprintf("%.1fx the script's", float64(large)/float64(scriptRequests)), "independent of the namespace count", perNamespace == 0 && float64(large) <= 1.25*float64(small))
	if os.Getenv("BENCH_VERBOSE") != "" {
		t.Logf("oc-cnv rotate output:\n%s", r.stdout)
	}
}

func countNamespaces(t *testing.T, e *benchEnv) int {
	t.Helper()
	l, err := e.kube.CoreV1().Namespaces().List(t.Context(), metav1ListAll)
	if err != nil {
		t.Fatal(err)
	}
	return len(l.Items)
}
