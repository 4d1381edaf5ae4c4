//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// These tests run on the KubeVirt certificate estate that virt-operator's own code writes:
// hack/cluster.sh starts hack/tools/kubevirt's kubevirt-certs, which calls kubevirt.io/kubevirt's
// components.NewCACertSecrets, NewCertSecrets, PopulateSecretWithCertificate, MergeCABundle and
// NextRotationDeadline (docs/simulator.md). So a wrong belief of the catalogue about KubeVirt
// shows up here instead of being repeated by a double.

// upstreamKubeVirtSecrets are the certificate Secrets virt-operator v1.6.0 keeps
// (pkg/virt-operator/resource/generate/components/secrets.go NewCACertSecrets, NewCertSecrets).
var upstreamKubeVirtSecrets = []string{
	"kubevirt-ca", "kubevirt-export-ca", "kubevirt-operator-certs", "kubevirt-virt-api-certs", "kubevirt-controller-certs",
	"kubevirt-virt-handler-server-certs", "kubevirt-virt-handler-certs", "kubevirt-exportproxy-certs",
	"kubevirt-synchronization-controller-certs", "kubevirt-synchronization-controller-server-certs",
}

type checkJSON struct {
	Certificates []struct {
		Component string `json:"component"`
		Kind      string `json:"kind"`
		Name      string `json:"name"`
		Key       string `json:"key"`
		Status    string `json:"status"`
		Reason    string `json:"reason"`
	} `json:"certificates"`
}

func checkReport(t *testing.T, args ...string) (checkJSON, framework.Result) {
	t.Helper()
	env := framework.Get(t)
	res := env.Run(t, append([]string{"certs", "check", "-o", "json"}, args...)...)
	var rep checkJSON
	if err := json.Unmarshal([]byte(res.Stdout), &rep); err != nil {
		t.Fatalf("certs check -o json: %v", err)
	}
	return rep, res
}

// Every Secret of the upstream-made estate is listed under kubevirt and trusted: the export
// proxy's certificate chains to kubevirt-ca, as virt-operator signs it (apply/core.go).
func TestCertsCheckUpstreamKubeVirtEstate(t *testing.T) {
	env := framework.Get(t)
	ns := newEstate(t, "kubevirt", longLived)
	ctx := context.Background()
	framework.WaitFor(t, estateReadyWait, "virt-operator's code to write every KubeVirt Secret", func() (bool, error) {
		for _, s := range upstreamKubeVirtSecrets {
			if _, err := env.Kube.CoreV1().Secrets(ns).Get(ctx, s, metav1.GetOptions{}); err != nil {
				return false, err
			}
		}
		return true, nil
	})
	// An unknown Secret that virt-operator labels as its own is still KubeVirt's.
	extra := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "kubevirt-future-certs", Namespace: ns,
		Labels: map[string]string{"app.kubernetes.io/managed-by": "virt-operator"}}, Type: corev1.SecretTypeTLS}
	proxy, err := env.Kube.CoreV1().Secrets(ns).Get(ctx, "kubevirt-exportproxy-certs", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	extra.Data = proxy.Data
	if _, err := env.Kube.CoreV1().Secrets(ns).Create(ctx, extra, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	rep, res := checkReport(t, "-n", ns)
	if res.ExitCode != 0 {
		t.Errorf("certs check exits %d on the estate virt-operator's code wrote, want 0", res.ExitCode)
	}
	rows := map[string]string{}
	for _, c := range rep.Certificates {
		if c.Kind != "Secret" {
			continue
		}
		rows[c.Name] = c.Component + " " + c.Status + " " + c.Reason
		if c.Status != "OK" {
			t.Errorf("secret/%s: %s %s (%s), want OK", c.Name, c.Status, c.Reason, c.Component)
		}
	}
	for _, s := range append(upstreamKubeVirtSecrets, "kubevirt-future-certs") {
		row, ok := rows[s]
		if !ok {
			t.Errorf("secret/%s is not listed", s)
			continue
		}
		if !strings.HasPrefix(row, "kubevirt ") {
			t.Errorf("secret/%s is listed as %q, want component kubevirt", s, row)
		}
	}
	noKeyMaterial(t, res.Stdout, res.Stderr)
}

// A rotation of KubeVirt on the upstream-made estate ends: virt-operator's code re-issues
// every Secret on the changed kubevirt.io/duration, and the trust check accepts the new export
// proxy certificate signed by kubevirt-ca.
func TestCertsRotateUpstreamKubeVirtEstate(t *testing.T) {
	env := framework.Get(t)
	ns := newEstate(t, "kubevirt", longLived)
	ctx := context.Background()
	framework.WaitFor(t, estateReadyWait, "virt-operator's code to write every KubeVirt Secret", func() (bool, error) {
		for _, s := range upstreamKubeVirtSecrets {
			if _, err := env.Kube.CoreV1().Secrets(ns).Get(ctx, s, metav1.GetOptions{}); err != nil {
				return false, err
			}
		}
		return true, nil
	})
	before := serials(t, ns)
	res := env.RunWith(t, framework.RunOptions{Timeout: rotateTimeout}, "certs", "rotate", "-n", ns, "--components", "kubevirt", "--yes", "--timeout", "2m")
	if res.ExitCode != 0 {
		t.Fatalf("certs rotate --components kubevirt exits %d, want 0", res.ExitCode)
	}
	after := serials(t, ns)
	for _, s := range upstreamKubeVirtSecrets {
		if strings.HasSuffix(s, "-ca") {
			continue
		}
		if after[s] == "" || after[s] == before[s] {
			t.Errorf("secret/%s was not re-issued (serial %s -> %s)", s, before[s], after[s])
		}
	}
	rep, chk := checkReport(t, "-n", ns)
	if chk.ExitCode != 0 {
		t.Errorf("certs check exits %d after the rotation, want 0", chk.ExitCode)
	}
	for _, c := range rep.Certificates {
		if c.Status != "OK" {
			t.Errorf("%s/%s %s: %s %s after the rotation", c.Kind, c.Name, c.Key, c.Status, c.Reason)
		}
	}
}
