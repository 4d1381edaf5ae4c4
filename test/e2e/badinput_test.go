//go:build e2e

package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	authv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// The bad-input suite: every command given something wrong (input, flags, session, cluster)
// must answer with one line on stderr starting "error: ", the exit code docs/exit-codes.md
// gives for it, and no change to any object. The cluster side is a test node, a simulated CNV
// installation in a namespace of the test (so certs rotate has something it could damage) and
// the NodeMaintenances of that node; their resourceVersions are compared around every case.

// biCase is one bad invocation and what it must produce.
type biCase struct {
	name string
	args []string
	// kubeconfig replaces the admin kubeconfig when set.
	kubeconfig string
	code       int
	// contains is a fragment the error line must hold, so the message names the problem.
	contains string
}

func TestBadInputIsOneLineDocumentedCodeAndNoChange(t *testing.T) {
	env := framework.Get(t)
	node := env.Nodes(t, 1).Names[0]
	ns := biEstate(t, env)
	typo := node[:len(node)-1] + "9"
	long := strings.Repeat("a", 300)
	// certs: a namespace that does not exist, and one that exists without any CNV component.
	missingNS := "no-such-ns-" + framework.ID(t)
	emptyNS := env.Namespace(t)

	norbac := biUnprivilegedKubeconfig(t, env)
	revoked := biRevokedKubeconfig(t, env)
	bogus := env.TokenKubeconfig(t, "not-a-token-"+framework.ID(t))
	garbage := filepath.Join(t.TempDir(), "garbage-kubeconfig")
	biWriteFile(t, garbage, "clusters: [\n")

	// The NodeMaintenance API hidden behind a proxy: the cluster as one without the operator.
	proxy := newAPIProxy(t, env)
	proxy.Hide("/apis/nodemaintenance.medik8s.io", "/apis/nodemaintenance.kubevirt.io", "/apis/kubevirt.io/v1alpha1")
	noNMAPI := proxy.Kubeconfig(t)

	const unreachable = "https://127.0.0.1:1"
	cases := []biCase{
		// maintenance start: names, flags and their combinations.
		{name: "start without nodes", args: []string{"maintenance", "start"}, code: 2, contains: "name at least one node"},
		{name: "start unknown node", args: []string{"maintenance", "start", typo}, code: 2, contains: "not found"},
		{name: "start invalid node name", args: []string{"maintenance", "start", "Bad_Name"}, code: 2, contains: "is not a valid node name"},
		{name: "start empty node name", args: []string{"maintenance", "start", ""}, code: 2, contains: "is not a valid node name"},
		{name: "start node name too long", args: []string{"maintenance", "start", long}, code: 2, contains: "is not a valid node name"},
		{name: "start leading dash", args: []string{"maintenance", "start", "--", "-node"}, code: 2, contains: "is not a valid node name"},
		{name: "start node twice", args: []string{"maintenance", "start", node, node}, code: 2, contains: "named twice"},
		{name: "start invalid --name", args: []string{"maintenance", "start", node, "--name", "Bad_NM"}, code: 2, contains: "--name"},
		{name: "start --name too long", args: []string{"maintenance", "start", node, "--name", long}, code: 2, contains: "--name"},
		{name: "start --name with two nodes", args: []string{"maintenance", "start", node, typo, "--name", "x"}, code: 2, contains: "single node"},
		{name: "start nodes and selector", args: []string{"maintenance", "start", node, "-l", "a=b"}, code: 2, contains: "not both"},
		{name: "start selector matching nothing", args: []string{"maintenance", "start", "-l", "oc-cnv.io/no-such-label=" + framework.ID(t)}, code: 2, contains: "no nodes match"},
		{name: "start --timeout not a duration", args: []string{"maintenance", "start", node, "--timeout", "abc"}, code: 2, contains: "--timeout"},
		{name: "start --timeout negative", args: []string{"maintenance", "start", node, "--timeout", "-5s"}, code: 2, contains: "negative"},
		{name: "start --stall-timeout not a duration", args: []string{"maintenance", "start", node, "--stall-timeout", "soon"}, code: 2, contains: "--stall-timeout"},
		{name: "start --max-concurrent 0", args: []string{"maintenance", "start", node, "--max-concurrent", "0"}, code: 2, contains: "--max-concurrent"},
		{name: "start --max-concurrent not a number", args: []string{"maintenance", "start", node, "--max-concurrent", "two"}, code: 2, contains: "--max-concurrent"},
		{name: "start unknown --method", args: []string{"maintenance", "start", node, "--method", "teleport"}, code: 2, contains: "--method"},
		{name: "start unknown --dry-run", args: []string{"maintenance", "start", node, "--dry-run=often"}, code: 2, contains: "--dry-run"},
		{name: "start -o without --dry-run", args: []string{"maintenance", "start", node, "-o", "json"}, code: 2, contains: "only used with --dry-run"},
		{name: "start drain method without wait", args: []string{"maintenance", "start", node, "--method=drain", "--wait=false"}, code: 2, contains: "--wait=false"},
		{name: "start drain method with --name", args: []string{"maintenance", "start", node, "--method=drain", "--name", "x"}, code: 2, contains: "--name"},
		{name: "start unknown flag", args: []string{"maintenance", "start", node, "--bogus"}, code: 2, contains: "unknown flag: --bogus"},
		{name: "start explicitly empty --reason", args: []string{"maintenance", "start", node, "--yes", "--reason", ""}, code: 2, contains: "--reason is empty"},
		{name: "start --reason too long", args: []string{"maintenance", "start", node, "--yes", "--reason", strings.Repeat("r", 1025)}, code: 2, contains: "the limit is 1024"},
		{name: "start dry run bad -o", args: []string{"maintenance", "start", node, "--dry-run=client", "-o", "toml"}, code: 2, contains: "toml"},
		{name: "start unparsable selector", args: []string{"maintenance", "start", "-l", "!!!", "--yes"}, code: 2, contains: "is not a valid label selector"},
		// maintenance stop, describe, list.
		{name: "stop without nodes", args: []string{"maintenance", "stop"}, code: 2, contains: "--all"},
		{name: "stop unknown node", args: []string{"maintenance", "stop", typo}, code: 2, contains: "not found"},
		{name: "stop node not in maintenance", args: []string{"maintenance", "stop", node}, code: 2, contains: "not in maintenance"},
		{name: "stop invalid node name", args: []string{"maintenance", "stop", "Bad_Name"}, code: 2, contains: "is not a valid node name"},
		{name: "stop nodes and --all", args: []string{"maintenance", "stop", node, "--all"}, code: 2, contains: "not both"},
		{name: "stop --timeout not a duration", args: []string{"maintenance", "stop", node, "--timeout", "xyz"}, code: 2, contains: "--timeout"},
		{name: "stop --timeout negative", args: []string{"maintenance", "stop", node, "--timeout", "-1s"}, code: 2, contains: "--timeout"},
		{name: "describe without node", args: []string{"maintenance", "describe"}, code: 2, contains: "arg"},
		{name: "describe two nodes", args: []string{"maintenance", "describe", node, typo}, code: 2, contains: "arg"},
		{name: "describe unknown node", args: []string{"maintenance", "describe", typo}, code: 2, contains: "not found"},
		{name: "describe empty name", args: []string{"maintenance", "describe", ""}, code: 2, contains: "is not a valid node or NodeMaintenance name"},
		{name: "describe invalid name", args: []string{"maintenance", "describe", "Bad_Name"}, code: 2, contains: "is not a valid node or NodeMaintenance name"},
		{name: "stop empty node name", args: []string{"maintenance", "stop", ""}, code: 2, contains: "is not a valid node name"},
		{name: "list bad -o", args: []string{"maintenance", "list", "-o", "toml"}, code: 2, contains: "toml"},
		{name: "list argument", args: []string{"maintenance", "list", node}, code: 2, contains: "unknown command"},
		{name: "list --watch not a bool", args: []string{"maintenance", "list", "--watch=maybe"}, code: 2, contains: "--watch"},
		{name: "maintenance unknown verb", args: []string{"maintenance", "pause", node}, code: 2, contains: "unknown command"},
		// certs check and rotate, always scoped to the test's estate.
		{name: "check bad -o", args: []string{"certs", "check", "-n", ns, "-o", "toml"}, code: 2, contains: "toml"},
		{name: "check --warn-within not a duration", args: []string{"certs", "check", "-n", ns, "--warn-within", "abc"}, code: 2, contains: "--warn-within"},
		{name: "check --warn-within in years", args: []string{"certs", "check", "-n", ns, "--warn-within", "1y"}, code: 2, contains: "--warn-within"},
		{name: "check --warn-within negative", args: []string{"certs", "check", "-n", ns, "--warn-within", "-1d"}, code: 2, contains: "--warn-within"},
		{name: "check --fail-within not a duration", args: []string{"certs", "check", "-n", ns, "--fail-within", "5x"}, code: 2, contains: "--fail-within"},
		{name: "check -A with -n", args: []string{"certs", "check", "-n", ns, "-A"}, code: 2, contains: "--all-namespaces"},
		{name: "check argument", args: []string{"certs", "check", "-n", ns, "extra"}, code: 2, contains: "unknown command"},
		{name: "rotate unknown component", args: []string{"certs", "rotate", "-n", ns, "--components", "nosuch", "--yes"}, code: 2, contains: `unknown component "nosuch"`},
		{name: "rotate one unknown component of two", args: []string{"certs", "rotate", "-n", ns, "--components", "kubevirt,nosuch", "--yes"}, code: 2, contains: `unknown component "nosuch"`},
		{name: "rotate unknown strategy", args: []string{"certs", "rotate", "-n", ns, "--strategy", "sideways", "--yes"}, code: 2, contains: "--strategy"},
		{name: "rotate --timeout not a duration", args: []string{"certs", "rotate", "-n", ns, "--timeout", "abc", "--yes"}, code: 2, contains: "--timeout"},
		{name: "rotate --timeout 0", args: []string{"certs", "rotate", "-n", ns, "--timeout", "0", "--yes"}, code: 2, contains: "--timeout"},
		{name: "rotate -o xml", args: []string{"certs", "rotate", "-n", ns, "--dry-run", "-o", "xml"}, code: 2, contains: `"xml"`},
		{name: "rotate without confirmation", args: []string{"certs", "rotate", "-n", ns}, code: 2, contains: "--yes"},
		{name: "certs unknown verb", args: []string{"certs", "renew", "-n", ns}, code: 2, contains: "unknown command"},
		// certs: namespaces that are invalid, missing or hold no component; durations past
		// time.Duration's range; an empty --components.
		{name: "check invalid -n", args: []string{"certs", "check", "-n", "Bad_NS"}, code: 2, contains: `invalid -n "Bad_NS"`},
		{name: "check invalid --cdi-namespace", args: []string{"certs", "check", "-n", ns, "--cdi-namespace", "Bad_NS"}, code: 2, contains: `invalid --cdi-namespace "Bad_NS"`},
		{name: "rotate invalid -n", args: []string{"certs", "rotate", "-n", "Bad_NS", "--yes"}, code: 2, contains: `invalid -n "Bad_NS"`},
		{name: "rotate invalid --cdi-namespace", args: []string{"certs", "rotate", "-n", ns, "--cdi-namespace", "Bad_NS", "--yes"}, code: 2, contains: `invalid --cdi-namespace "Bad_NS"`},
		{name: "check missing -n", args: []string{"certs", "check", "-n", missingNS}, code: 2, contains: `namespace "` + missingNS + `" not found; the virtualization components are usually in openshift-cnv`},
		{name: "check missing --cdi-namespace", args: []string{"certs", "check", "-n", ns, "--cdi-namespace", missingNS}, code: 2, contains: `namespace "` + missingNS + `" not found`},
		{name: "rotate missing -n", args: []string{"certs", "rotate", "-n", missingNS, "--yes"}, code: 2, contains: `namespace "` + missingNS + `" not found; the virtualization components are usually in openshift-cnv`},
		{name: "rotate missing --cdi-namespace", args: []string{"certs", "rotate", "-n", ns, "--cdi-namespace", missingNS, "--yes"}, code: 2, contains: `namespace "` + missingNS + `" not found`},
		{name: "rotate -n without CNV", args: []string{"certs", "rotate", "-n", emptyNS, "--yes"}, code: 2, contains: `no virtualization component is installed in namespace "` + emptyNS + `"; pass -n`},
		{name: "rotate -n without CNV dry run", args: []string{"certs", "rotate", "-n", emptyNS, "--dry-run"}, code: 2, contains: "no virtualization component is installed"},
		{name: "check --warn-within wraps negative", args: []string{"certs", "check", "-n", ns, "--warn-within", "106752d"}, code: 2, contains: "--warn-within"},
		{name: "check --warn-within wraps small", args: []string{"certs", "check", "-n", ns, "--warn-within", "213504d"}, code: 2, contains: "--warn-within"},
		{name: "check --fail-within overflows", args: []string{"certs", "check", "-n", ns, "--fail-within", "99999999d"}, code: 2, contains: "--fail-within"},
		{name: "check --fail-within negative", args: []string{"certs", "check", "-n", ns, "--fail-within", "-2h"}, code: 2, contains: "--fail-within"},
		{name: "rotate empty --components", args: []string{"certs", "rotate", "-n", ns, "--components", "", "--yes"}, code: 2, contains: "--components is empty"},
		{name: "rotate empty component element", args: []string{"certs", "rotate", "-n", ns, "--components", "kubevirt,,cdi", "--yes"}, code: 2, contains: "empty element"},
		// Global flags and commands.
		{name: "version bad -o", args: []string{"version", "-o", "toml"}, code: 2, contains: "toml"},
		{name: "unknown command", args: []string{"nosuchcmd"}, code: 2, contains: "unknown command"},
		{name: "unknown global flag", args: []string{"--bogus"}, code: 2, contains: "unknown flag"},
		{name: "completion unknown shell", args: []string{"completion", "fish2"}, code: 2, contains: "fish2"},
		{name: "-v not a number", args: []string{"maintenance", "list", "-v=abc"}, code: 2, contains: "-v"},
		// The session: kubeconfig, server, credentials, permissions.
		{name: "missing kubeconfig file", args: []string{"maintenance", "list", "--kubeconfig", "/nonexistent/kubeconfig"}, code: 6, contains: "kubeconfig"},
		{name: "unparsable kubeconfig", args: []string{"certs", "check", "-n", ns, "--kubeconfig", garbage}, code: 6, contains: "kubeconfig"},
		{name: "unknown context", args: []string{"maintenance", "start", node, "--context", "nosuch"}, code: 6, contains: "nosuch"},
		{name: "unreachable server: list", args: []string{"maintenance", "list", "--server", unreachable}, code: 6, contains: "127.0.0.1:1"},
		{name: "unreachable server: start", args: []string{"maintenance", "start", node, "--yes", "--server", unreachable}, code: 6, contains: "127.0.0.1:1"},
		{name: "unreachable server: check", args: []string{"certs", "check", "-n", ns, "--server", unreachable}, code: 6, contains: "127.0.0.1:1"},
		{name: "unreachable server: rotate", args: []string{"certs", "rotate", "-n", ns, "--yes", "--server", unreachable}, code: 6, contains: "127.0.0.1:1"},
		{name: "rejected token: start", args: []string{"maintenance", "start", node, "--yes"}, kubeconfig: bogus, code: 5, contains: "Unauthorized"},
		{name: "rejected token: stop", args: []string{"maintenance", "stop", node}, kubeconfig: bogus, code: 5, contains: "Unauthorized"},
		{name: "rejected token: check", args: []string{"certs", "check", "-n", ns}, kubeconfig: bogus, code: 5, contains: "Unauthorized"},
		{name: "revoked token: start", args: []string{"maintenance", "start", node, "--yes"}, kubeconfig: revoked, code: 5, contains: "Unauthorized"},
		{name: "revoked token: rotate", args: []string{"certs", "rotate", "-n", ns, "--yes"}, kubeconfig: revoked, code: 5, contains: "Unauthorized"},
		{name: "no RBAC: list", args: []string{"maintenance", "list"}, kubeconfig: norbac, code: 5, contains: "forbidden"},
		{name: "no RBAC: start", args: []string{"maintenance", "start", node, "--yes"}, kubeconfig: norbac, code: 5, contains: "forbidden"},
		{name: "no RBAC: start --dry-run", args: []string{"maintenance", "start", node, "--dry-run=client"}, kubeconfig: norbac, code: 5, contains: "forbidden"},
		{name: "no RBAC: stop", args: []string{"maintenance", "stop", node}, kubeconfig: norbac, code: 5, contains: "forbidden"},
		{name: "no RBAC: describe", args: []string{"maintenance", "describe", node}, kubeconfig: norbac, code: 5, contains: "forbidden"},
		{name: "no RBAC: check", args: []string{"certs", "check", "-n", ns}, kubeconfig: norbac, code: 5, contains: "forbidden"},
		{name: "no RBAC: rotate", args: []string{"certs", "rotate", "-n", ns, "--yes"}, kubeconfig: norbac, code: 5, contains: "forbidden"},
		{name: "no RBAC: rotate --dry-run", args: []string{"certs", "rotate", "-n", ns, "--dry-run"}, kubeconfig: norbac, code: 5, contains: "forbidden"},
		// The cluster: no NodeMaintenance API served.
		{name: "absent NodeMaintenance API: start", args: []string{"maintenance", "start", node, "--yes"}, kubeconfig: noNMAPI, code: 6, contains: "no NodeMaintenance API"},
		{name: "absent NodeMaintenance API: dry run", args: []string{"maintenance", "start", node, "--dry-run=client"}, kubeconfig: noNMAPI, code: 6, contains: "no NodeMaintenance API"},
	}
	// Left out until the product handles them (each reported): KUBECONFIG naming a missing file
	// (client-go falls back to http://localhost:8080, so the answer depends on what listens
	// there).
	if len(cases) < 40 {
		t.Fatalf("the suite must hold at least 40 bad inputs, has %d", len(cases))
	}

	before := biSnapshot(t, env, ns, node)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := env.RunWith(t, framework.RunOptions{Kubeconfig: tc.kubeconfig, Timeout: time.Minute}, tc.args...)
			biOneErrorLine(t, res, tc.code, tc.contains)
			if after := biSnapshot(t, env, ns, node); !biSame(t, before, after) {
				t.Errorf("oc-cnv %s changed objects", strings.Join(tc.args, " "))
			}
		})
	}

	// The snapshot must notice a change, or the comparisons above prove nothing: touch one
	// Secret and the node the way a command would.
	ctx := context.Background()
	patch := []byte(`{"metadata":{"annotations":{"oc-cnv.io/e2e-touched":"true"}}}`)
	if _, err := env.Kube.CoreV1().Secrets(ns).Patch(ctx, "kubevirt-ca", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Kube.CoreV1().Nodes().Patch(ctx, node, types.MergePatchType, []byte(`{"spec":{"unschedulable":true}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	after := biSnapshot(t, env, ns, node)
	if after["secret/kubevirt-ca"] == before["secret/kubevirt-ca"] || after["node/"+node] == before["node/"+node] {
		t.Error("the snapshot did not notice a changed Secret and a cordoned node")
	}
}

// biOneErrorLine asserts the documented exit code and a single "error: " line naming the
// problem, with no Go panic or stack trace anywhere.
func biOneErrorLine(t *testing.T, res framework.Result, code int, contains string) {
	t.Helper()
	if res.ExitCode != code {
		t.Errorf("exit code %d, want %d", res.ExitCode, code)
	}
	lines := strings.Split(strings.TrimRight(res.Stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "error: ") {
		t.Errorf("want one line starting \"error: \" on stderr, got %d line(s):\n%s", len(lines), res.Stderr)
	} else if !strings.Contains(lines[0], contains) {
		t.Errorf("error line does not mention %q: %s", contains, lines[0])
	}
	for _, s := range []string{res.Stdout, res.Stderr} {
		if strings.Contains(s, "panic:") || strings.Contains(s, "goroutine ") {
			t.Errorf("output shows a crash:\n%s", s)
		}
	}
}

// biEstate makes a namespace where the simulator plays every CNV certificate owner, with
// lifetimes far from any renewal, and waits until it is issued and quiet: from then on only a
// command under test changes its objects.
func biEstate(t *testing.T, env *framework.Env) string {
	t.Helper()
	ns := newEstate(t, "kubevirt.cdi.kubemacpool.ssp", longLived)
	// Quiet: two snapshots a moment apart agree, so the owners and controllers are done.
	var last map[string]string
	framework.WaitFor(t, time.Minute, "the installation in "+ns+" to settle", func() (bool, error) {
		cur := biSnapshot(t, env, ns, "")
		same := last != nil && fmt.Sprint(cur) == fmt.Sprint(last)
		last = cur
		return same, nil
	})
	return ns
}

// biSnapshot records the resourceVersion of everything a command could change for this test:
// the objects of the estate namespace, its webhook configurations, the node and its
// NodeMaintenances. The node is recorded by its labels, annotations and spec, not its
// resourceVersion, because kwok may refresh its status on its own.
func biSnapshot(t *testing.T, env *framework.Env, ns, node string) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	add := func(kind string, items []metav1.Object) {
		for _, o := range items {
			out[kind+"/"+o.GetName()] = o.GetResourceVersion()
		}
	}
	n, err := env.Kube.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out["namespace/"+ns] = n.ResourceVersion
	secrets, err := env.Kube.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	add("secret", biMetas(secrets.Items))
	cms, err := env.Kube.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	add("configmap", biMetas(cms.Items))
	svcs, err := env.Kube.CoreV1().Services(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	add("service", biMetas(svcs.Items))
	deps, err := env.Kube.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	add("deployment", biMetas(deps.Items))
	dss, err := env.Kube.AppsV1().DaemonSets(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	add("daemonset", biMetas(dss.Items))
	sel := metav1.ListOptions{LabelSelector: webhookEstate + "=" + ns}
	vw, err := env.Kube.AdmissionregistrationV1().ValidatingWebhookConfigurations().List(ctx, sel)
	if err != nil {
		t.Fatal(err)
	}
	add("validatingwebhookconfiguration", biMetas(vw.Items))
	mw, err := env.Kube.AdmissionregistrationV1().MutatingWebhookConfigurations().List(ctx, sel)
	if err != nil {
		t.Fatal(err)
	}
	add("mutatingwebhookconfiguration", biMetas(mw.Items))
	if node == "" {
		return out
	}
	nd, err := env.Kube.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(nodeWritable(nd)))
	out["node/"+node] = hex.EncodeToString(sum[:8])
	for _, gvr := range framework.NodeMaintenanceGVRs {
		list, err := env.Dynamic.Resource(gvr).List(ctx, metav1.ListOptions{})
		if err != nil {
			continue // that API is not served here
		}
		for _, nm := range list.Items {
			if on, _, _ := unstructured.NestedString(nm.Object, "spec", "nodeName"); on == node {
				out[gvr.Group+"/"+nm.GetName()] = nm.GetResourceVersion()
			}
		}
	}
	return out
}

// nodeWritable is the part of a node that oc-cnv or the operator would change: labels,
// annotations and spec (cordon, taints). Its resourceVersion is no measure, because kwok's
// status heartbeats change it too.
func nodeWritable(n *corev1.Node) string {
	b, _ := json.Marshal([]any{n.Labels, n.Annotations, n.Spec})
	return string(b)
}

func biMetas[T any, PT interface {
	*T
	metav1.Object
}](items []T) []metav1.Object {
	out := make([]metav1.Object, len(items))
	for i := range items {
		out[i] = PT(&items[i])
	}
	return out
}

// biSame reports whether two snapshots agree, logging every difference.
func biSame(t *testing.T, before, after map[string]string) bool {
	t.Helper()
	same := true
	for k, v := range before {
		if a, ok := after[k]; !ok {
			t.Logf("%s was deleted", k)
			same = false
		} else if a != v {
			t.Logf("%s changed: resourceVersion %s -> %s", k, v, a)
			same = false
		}
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			t.Logf("%s was created", k)
			same = false
		}
	}
	return same
}

// biServiceAccountToken creates a service account without any role binding, in a namespace of
// its own, and returns a token for it.
func biServiceAccountToken(t *testing.T, env *framework.Env) (ns, name, token string) {
	t.Helper()
	ctx := context.Background()
	ns, name = env.Namespace(t), "nobody"
	if _, err := env.Kube.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	tok, err := env.Kube.CoreV1().ServiceAccounts(ns).CreateToken(ctx, name, &authv1.TokenRequest{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return ns, name, tok.Status.Token
}

// biUnprivilegedKubeconfig is the session of an authenticated user without any permission.
func biUnprivilegedKubeconfig(t *testing.T, env *framework.Env) string {
	t.Helper()
	_, _, token := biServiceAccountToken(t, env)
	return env.TokenKubeconfig(t, token)
}

// biRevokedKubeconfig holds a token that was valid and no longer is: its service account is
// gone, which is how the API server treats a bound token past its end as well (401).
func biRevokedKubeconfig(t *testing.T, env *framework.Env) string {
	t.Helper()
	ns, name, token := biServiceAccountToken(t, env)
	ctx := context.Background()
	if err := env.Kube.CoreV1().ServiceAccounts(ns).Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	kc := env.TokenKubeconfig(t, token)
	// The authenticator caches tokens briefly; wait until the API server rejects this one.
	framework.WaitFor(t, time.Minute, "the revoked token to be rejected", func() (bool, error) {
		res := env.RunWith(t, framework.RunOptions{Kubeconfig: kc}, "certs", "check", "-n", ns)
		return res.ExitCode == 5 && strings.Contains(res.Stderr, "Unauthorized"), nil
	})
	return kc
}

func biWriteFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
