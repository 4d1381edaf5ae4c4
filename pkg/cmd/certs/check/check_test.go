package check

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
)

func selfSigned(t *testing.T, notAfter time.Time) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "kubevirt.io"}, NotBefore: notAfter.Add(-365 * 24 * time.Hour), NotAfter: notAfter, IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func run(t *testing.T, notAfter time.Time, args ...string) (string, string, int) {
	t.Helper()
	c := fake.NewSimpleClientset(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "openshift-cnv", Name: "kubevirt-ca"},
		Data: map[string]string{"ca-bundle": string(selfSigned(t, notAfter))}})
	var out, errOut bytes.Buffer
	f := &cmdutil.Factory{KubeClient: c, Program: cmdutil.DefaultProgram}
	cmd := NewCmdCheck(f, genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), cmdutil.ExitCode(err)
}

func TestCheckExitCodes(t *testing.T) {
	now := time.Now()
	if out, _, code := run(t, now.Add(300*24*time.Hour)); code != 0 || !strings.Contains(out, "1 certificate: 1 OK.") {
		t.Errorf("healthy: exit %d\n%s", code, out)
	}
	if out, _, code := run(t, now.Add(-time.Hour)); code != cmdutil.ExitCertProblems || !strings.Contains(out, "EXPIRED") {
		t.Errorf("expired: exit %d\n%s", code, out)
	}
	if _, _, code := run(t, now.Add(20*24*time.Hour), "--fail-within", "30d"); code != cmdutil.ExitCertProblems {
		t.Errorf("--fail-within: exit %d", code)
	}
	if _, _, code := run(t, now.Add(20*24*time.Hour), "--warn-within", "bogus"); code != cmdutil.ExitUsage {
		t.Errorf("bad duration: exit %d, want %d", code, cmdutil.ExitUsage)
	}
}

func TestDayDuration(t *testing.T) {
	var d DayDuration
	for in, want := range map[string]time.Duration{"30d": 30 * 24 * time.Hour, "12h": 12 * time.Hour, "0": 0} {
		if err := d.Set(in); err != nil || time.Duration(d) != want {
			t.Errorf("%s: %v %v", in, time.Duration(d), err)
		}
	}
	for _, bad := range []string{"-1d", "xd", "soon"} {
		if err := d.Set(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestDayDurationRejectsOverflow(t *testing.T) {
	var d DayDuration
	if err := d.Set("999999999999d"); err == nil {
		t.Errorf("accepted an overflowing day count as %v", time.Duration(d))
	}
}
