package rotate

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
)

func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	f := &cmdutil.Factory{KubeClient: fake.NewSimpleClientset(), Program: cmdutil.DefaultProgram}
	cmd := NewCmdRotate(f, genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code := cmdutil.ExitCode(cmd.ExecuteContext(ctx))
	return out.String(), errOut.String(), code
}

func TestRotateValidatesFlags(t *testing.T) {
	for _, args := range [][]string{{"--components", "webui"}, {"--strategy", "delete-everything"}, {"--timeout", "0s"}} {
		if _, _, code := run(t, args...); code != cmdutil.ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, cmdutil.ExitUsage)
		}
	}
}

// With nothing installed every component is skipped and nothing is asked or changed.
func TestRotateNothingInstalled(t *testing.T) {
	out, _, code := run(t, "--yes")
	if code != 0 || !strings.Contains(out, "skipped kubevirt: not installed in openshift-cnv") || !strings.Contains(out, "Nothing to rotate.") {
		t.Errorf("exit %d\n%s", code, out)
	}
}
