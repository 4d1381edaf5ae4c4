//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// At -v=9 client-go logs every request and response body, so a command that reads Secrets can
// print the private keys it only meant to compare, and a careless transport the bearer token.
// Users paste such logs into bug reports; this test runs every command at -v=9 and searches
// stdout and stderr for key and token material in every form it can take there: PEM text,
// the base64 of a Secret's data (JSON bodies) and the hexdump client-go makes of protobuf
// bodies, whose right-hand column spells out the raw bytes 16 at a time.

// The certs commands read Secrets, so oc-cnv lowers -v to 7 for them (client-go logs response
// bodies from 8 on) and says so; the search still runs on everything they print.
const secLoweredVerbosity = "Warning: -v=9 lowered to -v=7"

func TestVerboseOutputHasNoKeysOrTokens(t *testing.T) {
	env := framework.Get(t)
	node := env.Nodes(t, 1).Names[0]
	ns := biEstate(t, env)
	token := secAdminToken(t, env)
	tokenKC := env.TokenKubeconfig(t, token)

	cases := []struct {
		name  string
		args  []string
		admin bool // use the admin kubeconfig (a client certificate and key) instead of the token
		// readsSecrets: a certs command, logged at -v=7 at most.
		readsSecrets bool
	}{
		{name: "version", args: []string{"version"}},
		{name: "start dry-run client", args: []string{"maintenance", "start", node, "--dry-run=client", "-o", "yaml"}},
		{name: "start dry-run server", args: []string{"maintenance", "start", node, "--dry-run=server", "-o", "json"}},
		{name: "start", args: []string{"maintenance", "start", node, "--yes", "--reason", "security test", "--timeout", "2m"}},
		{name: "list", args: []string{"maintenance", "list", "-o", "wide"}},
		{name: "list yaml", args: []string{"maintenance", "list", "-o", "yaml"}},
		{name: "describe", args: []string{"maintenance", "describe", node}},
		{name: "stop", args: []string{"maintenance", "stop", node, "--timeout", "2m"}},
		{name: "list with client certificate", args: []string{"maintenance", "list"}, admin: true},
		{name: "check", args: []string{"certs", "check", "-n", ns}, readsSecrets: true},
		{name: "check json", args: []string{"certs", "check", "-n", ns, "-o", "json"}, readsSecrets: true},
		{name: "rotate dry-run", args: []string{"certs", "rotate", "-n", ns, "--dry-run"}, readsSecrets: true},
		{name: "rotate", args: []string{"certs", "rotate", "-n", ns, "--yes", "--timeout", "2m"}, readsSecrets: true},
		{name: "check with client certificate", args: []string{"certs", "check", "-n", ns}, admin: true, readsSecrets: true},
	}
	keysBefore := secSecretKeys(t, env, ns)
	outputs := make([]string, len(cases))
	for i, tc := range cases {
		kc := tokenKC
		if tc.admin {
			kc = env.Kubeconfig
		}
		stdout, stderr := secRun(t, env, kc, append(tc.args, "-v=9")...)
		outputs[i] = stdout + "\n" + stderr
		switch {
		case tc.readsSecrets:
			if !strings.Contains(stderr, secLoweredVerbosity) || strings.Contains(stderr, "Response Body") {
				t.Fatalf("oc-cnv %s -v=9 must lower the log level and log no response body", strings.Join(tc.args, " "))
			}
		case tc.name != "version" && !strings.Contains(stderr, "Response Body"):
			t.Fatalf("oc-cnv %s -v=9 logged no response bodies; the search below would prove nothing", strings.Join(tc.args, " "))
		}
	}
	// Rotation made new keys; search for the old and the new ones.
	secrets := append(keysBefore, secSecretKeys(t, env, ns)...)
	if env.Config.KeyData != nil {
		secrets = append(secrets, env.Config.KeyData)
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			found := secFindings(outputs[i], secrets, token)
			if len(found) > 0 {
				t.Errorf("oc-cnv %s -v=9 shows %s", strings.Join(tc.args, " "), strings.Join(found, "; "))
			}
		})
	}
}

// secAdminToken is the bearer token of a service account with cluster-admin, so every command
// runs with a token that -v=9 could expose.
func secAdminToken(t *testing.T, env *framework.Env) string {
	t.Helper()
	ctx := context.Background()
	ns, name, token := biServiceAccountToken(t, env)
	binding := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "sec-" + ns},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "cluster-admin"},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: name, Namespace: ns}}}
	if _, err := env.Kube.RbacV1().ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = env.Kube.RbacV1().ClusterRoleBindings().Delete(context.Background(), binding.Name, metav1.DeleteOptions{})
	})
	kc := env.TokenKubeconfig(t, token)
	// RBAC reaches the authorizer's cache within moments; wait until the token may list nodes.
	framework.WaitFor(t, time.Minute, "the cluster-admin binding to apply", func() (bool, error) {
		return env.RunWith(t, framework.RunOptions{Kubeconfig: kc}, "maintenance", "list").ExitCode == 0, nil
	})
	return token
}

// secSecretKeys returns every Secret value of ns that is private-key material: PEM private key
// blocks and the upload-token signing key.
func secSecretKeys(t *testing.T, env *framework.Env, ns string) [][]byte {
	t.Helper()
	list, err := env.Kube.CoreV1().Secrets(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, s := range list.Items {
		if s.Type == corev1.SecretTypeServiceAccountToken {
			continue
		}
		for _, v := range s.Data {
			if bytes.Contains(v, []byte("PRIVATE KEY")) {
				out = append(out, v)
			}
		}
	}
	if len(out) < 10 {
		t.Fatalf("only %d private keys in the estate %s; the search would prove little", len(out), ns)
	}
	return out
}

// hexdumpLine is one line of the hexdump client-go logs for binary bodies; group 1 is its
// right-hand column, the bytes as text with '.' for the unprintable ones.
var hexdumpLine = regexp.MustCompile(`(?m)^\s*[0-9a-f]{8}  (?:[0-9a-f ]{2} ){8} (?:[0-9a-f ]{2} ){8} \|(.{1,16})\|$`)

// secFindings lists the key and token material found in out.
func secFindings(out string, keys [][]byte, token string) []string {
	// The raw bytes of hexdumped bodies, joined, with line breaks shown as '.': PEM text
	// inside them loses its newlines, so it is searched for without them.
	var raw strings.Builder
	for _, m := range hexdumpLine.FindAllStringSubmatch(out, -1) {
		raw.WriteString(m[1])
	}
	flat := strings.NewReplacer("\n", "", ".", "", `\n`, "").Replace(out + raw.String())
	var found []string
	if strings.Contains(out, "PRIVATE KEY") || strings.Contains(raw.String(), "PRIVATE KEY") {
		found = append(found, "a PEM private key block")
	}
	for _, k := range keys {
		b64 := base64.StdEncoding.EncodeToString(k)
		if strings.Contains(out, b64[:48]) {
			found = append(found, "the base64 of a Secret's private key")
			break
		}
		if blk, _ := pem.Decode(k); blk != nil {
			body := base64.StdEncoding.EncodeToString(blk.Bytes)
			if strings.Contains(flat, body[8:56]) {
				found = append(found, "the body of a Secret's private key")
				break
			}
		}
	}
	if token != "" && strings.Contains(out+raw.String(), token[len(token)-32:]) {
		found = append(found, "the bearer token")
	}
	return found
}

// The search itself must find what it looks for, in each form client-go prints: a JSON body
// (base64 data), a hexdumped protobuf body (raw PEM split over lines) and a bearer token.
func TestVerboseOutputSearchFindsLeaks(t *testing.T) {
	key := issue(t, "leak", nil, time.Now(), time.Now().Add(time.Hour)).KeyPEM
	json := `"Response Body" body="{\"data\":{\"tls.key\":\"` + base64.StdEncoding.EncodeToString(key) + `\"}}"`
	var dump strings.Builder
	for off := 0; off < len(key); off += 16 {
		chunk := key[off:min(off+16, len(key))]
		var hexes, text strings.Builder
		for i := 0; i < 16; i++ {
			if i == 8 {
				hexes.WriteString(" ")
			}
			if i < len(chunk) {
				fmt.Fprintf(&hexes, "%02x ", chunk[i])
				if chunk[i] >= 0x20 && chunk[i] < 0x7f {
					text.WriteByte(chunk[i])
				} else {
					text.WriteByte('.')
				}
			} else {
				hexes.WriteString("   ")
			}
		}
		fmt.Fprintf(&dump, "\t%08x  %s |%s|\n", off, hexes.String(), text.String())
	}
	for name, out := range map[string]string{"json": json, "hexdump": dump.String()} {
		if f := secFindings(out, [][]byte{key}, ""); len(f) == 0 {
			t.Errorf("%s: the key was not found in\n%s", name, out)
		}
	}
	if f := secFindings("Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123456789ABCDEF", nil, "abcdefghijklmnopqrstuvwxyz0123456789ABCDEF"); len(f) == 0 {
		t.Error("the token was not found")
	}
	if f := secFindings("Authorization: Bearer <masked>", [][]byte{key}, "abcdefghijklmnopqrstuvwxyz0123456789ABCDEF"); len(f) != 0 {
		t.Errorf("false finding: %v", f)
	}
}

// secRun runs oc-cnv to completion without logging what it printed: that output may hold the
// very key material this test looks for, and test logs end up in CI artefacts.
func secRun(t *testing.T, env *framework.Env, kubeconfig string, args ...string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, env.Bin, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	t.Logf("$ oc-cnv %s  (%v; %d bytes on stdout, %d on stderr, not shown)", strings.Join(args, " "), err, o.Len(), e.Len())
	if err != nil {
		// Only the final error line: the rest is the -v=9 log.
		lines := strings.Split(strings.TrimRight(e.String(), "\n"), "\n")
		t.Fatalf("oc-cnv %s failed: %v: %s", strings.Join(args, " "), err, lines[len(lines)-1])
	}
	return o.String(), e.String()
}
