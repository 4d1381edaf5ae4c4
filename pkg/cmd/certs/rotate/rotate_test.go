package rotate

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
)

func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	out, errOut, err := runWith(t, fake.NewSimpleClientset(), args...)
	return out, errOut, cmdutil.ExitCode(err)
}

func runWith(t *testing.T, c *fake.Clientset, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	f := &cmdutil.Factory{KubeClient: c, Program: cmdutil.DefaultProgram()}
	// -n is the root command's flag; here it goes straight into the config flags.
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "-n" {
			f.ConfigFlags = genericclioptions.NewConfigFlags(false)
			f.ConfigFlags.Namespace = &args[i+1]
			args = append(append([]string{}, args[:i]...), args[i+2:]...)
			break
		}
	}
	cmd := NewCmdRotate(f, genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := cmd.ExecuteContext(ctx)
	return out.String(), errOut.String(), err
}

func TestRotateValidatesFlags(t *testing.T) {
	for _, args := range [][]string{{"--components", "webui"}, {"--strategy", "delete-everything"}, {"--timeout", "0s"},
		{"--components", ""}, {"--components", "kubevirt,,cdi"}, {"--components", "kubevirt,"}, {"-n", "Bad_NS"}, {"--cdi-namespace", "Bad_NS"}, {"--cdi-namespace", "-cdi"},
		{"kubevirt-ca"}, {"configmap/kubevirt-ca"}, {"secret/"}, {"secret/Bad_Name"},
		{"secret/kubevirt-ca", "--components", "kubevirt"}, {"secret/cdi-apiserver-signer", "--strategy", "recreate"}, {"-o", "xml"}, {"-o", "wide"}} {
		if _, _, code := run(t, args...); code != cmdutil.ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, cmdutil.ExitUsage)
		}
	}
}

// A namespace that does not exist, or one where no component is installed, is the wrong -n:
// exit 2 with one message saying where the components usually are, before anything is printed
// or changed.
func TestRotateWrongNamespace(t *testing.T) {
	ns := func(name string) *corev1.Namespace {
		return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	}
	for _, tc := range []struct {
		args     []string
		contains string
	}{
		{[]string{"-n", "no-such-ns", "--yes"}, `namespace "no-such-ns" not found; the virtualization components are usually in openshift-cnv`},
		{[]string{"-n", "default", "--cdi-namespace", "no-such-cdi", "--yes"}, `namespace "no-such-cdi" not found`},
		{[]string{"--yes"}, `namespace "openshift-cnv" not found`},
		{[]string{"-n", "default", "--yes"}, `no virtualization component is installed in namespace "default"; pass -n`},
		{[]string{"-n", "default", "--dry-run"}, `no virtualization component is installed in namespace "default"`},
		{[]string{"-n", "default", "--components", "cdi", "--yes"}, `none of the components cdi is installed in namespace "default"`},
	} {
		out, _, err := runWith(t, fake.NewSimpleClientset(ns("default")), tc.args...)
		if code := cmdutil.ExitCode(err); code != cmdutil.ExitUsage || !strings.Contains(err.Error(), tc.contains) || strings.Contains(err.Error(), "\n") || out != "" {
			t.Errorf("%v: exit %d (%v), want %d with %q; stdout %q", tc.args, code, err, cmdutil.ExitUsage, tc.contains, out)
		}
	}
}
