package check

import (
	"bytes"
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
	"github.com/oc-cnv/oc-cnv/test/certgen"
)

func selfSigned(t *testing.T, notAfter time.Time) []byte {
	t.Helper()
	return certgen.Issue(t, &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "kubevirt.io"},
		NotBefore: notAfter.Add(-365 * 24 * time.Hour), NotAfter: notAfter, IsCA: true, BasicConstraintsValid: true}, nil).CertPEM
}

func run(t *testing.T, notAfter time.Time, args ...string) (string, string, int) {
	t.Helper()
	c := fake.NewSimpleClientset(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "openshift-cnv"}}, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "openshift-cnv", Name: "kubevirt-ca"},
		Data: map[string]string{"ca-bundle": string(selfSigned(t, notAfter))}})
	var out, errOut bytes.Buffer
	f := &cmdutil.Factory{KubeClient: c, Program: cmdutil.DefaultProgram()}
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

// -n and --cdi-namespace must name a namespace: an invalid name is refused before any request,
// a missing one says where the components usually are, and an existing one without
// certificates is most likely the wrong -n: exit 2 in one line, unless --allow-empty.
func TestCheckNamespaces(t *testing.T) {
	notAfter := time.Now().Add(300 * 24 * time.Hour)
	for _, args := range [][]string{{"--cdi-namespace", "Bad_NS"}, {"--cdi-namespace", "no-such-ns"}, {"--cdi-namespace", "x-"}} {
		if out, _, code := run(t, notAfter, args...); code != cmdutil.ExitUsage || out != "" {
			t.Errorf("%v: exit %d, want %d; stdout %q", args, code, cmdutil.ExitUsage, out)
		}
	}
	o := &Options{Namespace: "Bad_NS"}
	if err := o.Validate(); cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), `invalid -n "Bad_NS"`) {
		t.Errorf("-n Bad_NS: %v", err)
	}
	o = &Options{Namespace: "no-such-ns", now: time.Now, client: fake.NewSimpleClientset()}
	o.IOStreams = genericiooptions.IOStreams{Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}
	if err := o.Run(context.Background()); cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), `namespace "no-such-ns" not found`) || !strings.Contains(err.Error(), "kubevirt-hyperconverged") {
		t.Errorf("-n no-such-ns: %v", err)
	}
	for _, allow := range []bool{false, true} {
		var out, errOut bytes.Buffer
		o = &Options{Namespace: "default", AllowEmpty: allow, now: time.Now, client: fake.NewSimpleClientset(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "default"}})}
		o.IOStreams = genericiooptions.IOStreams{Out: &out, ErrOut: &errOut}
		err := o.Run(context.Background())
		if allow {
			if err != nil || !strings.Contains(errOut.String(), "No certificates found in namespace(s) [default].") {
				t.Errorf("-n default --allow-empty: %v, stderr %q", err, errOut.String())
			}
			continue
		}
		if cmdutil.ExitCode(err) != cmdutil.ExitUsage || strings.Contains(err.Error(), "\n") || out.Len() != 0 ||
			!strings.HasPrefix(err.Error(), `no certificates found in namespace "default"; the virtualization components are usually in openshift-cnv`) ||
			!strings.Contains(err.Error(), "--allow-empty") {
			t.Errorf("-n default: exit %d (%v), stdout %q", cmdutil.ExitCode(err), err, out.String())
		}
	}
	// Without -n the default namespace is named as such.
	o = &Options{now: time.Now, client: fake.NewSimpleClientset(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "openshift-cnv"}})}
	o.IOStreams = genericiooptions.IOStreams{Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}
	if err := o.Run(context.Background()); cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), `namespace "openshift-cnv" (the default without -n)`) {
		t.Errorf("no -n, empty openshift-cnv: %v", err)
	}
}

func TestDayDurationRejectsWrapAround(t *testing.T) {
	for _, bad := range []string{"106752d", "213504d", "99999999d", "-0d5", "9223372036854775808d"} {
		var d DayDuration
		if err := d.Set(bad); err == nil {
			t.Errorf("%s accepted as %v", bad, time.Duration(d))
		}
	}
	for in, why := range map[string]string{"106752d": "at most 106751d", "99999999999999999999d": "at most 106751d", "-3d": "negative", "-2h": "negative"} {
		var d DayDuration
		if err := d.Set(in); err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("%s: %v, want it to say %q", in, err, why)
		}
	}
	var d DayDuration
	if err := d.Set("106751d"); err != nil || time.Duration(d) != 106751*24*time.Hour {
		t.Errorf("106751d: %v %v", time.Duration(d), err)
	}
}
