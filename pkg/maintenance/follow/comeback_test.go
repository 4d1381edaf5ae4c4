package follow

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kvv1 "kubevirt.io/api/core/v1"
	kvfake "kubevirt.io/client-go/kubevirt/fake"
)

func TestSummarySaysWhereShutDownVMsCameBack(t *testing.T) {
	back := testVMI("back", nil, corev1.ConditionTrue, "", "")
	back.Status.NodeName = "node-2"
	stillOld := testVMI("stuck", nil, corev1.ConditionTrue, "", "")
	stillOld.Status.NodeName = "node-1"
	manual := kvv1.RunStrategyManual
	manualVM := &kvv1.VirtualMachine{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "manual"},
		Spec: kvv1.VirtualMachineSpec{RunStrategy: &manual}}
	kv := kvfake.NewSimpleClientset(back, stillOld, manualVM)
	vms := []VMProgress{
		{Namespace: "default", Name: "back", State: VMShutDown, OwnedByVM: true},
		{Namespace: "default", Name: "stuck", State: VMShutDown, OwnedByVM: true},
		{Namespace: "default", Name: "bare", State: VMShutDown},
		{Namespace: "default", Name: "manual", State: VMShutDown, OwnedByVM: true},
		{Namespace: "default", Name: "moved", State: VMMigrated, OwnedByVM: true},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	cbs := WaitComebacks(ctx, kv, "node-1", vms)
	var lines []string
	for _, cb := range cbs {
		lines = append(lines, ComebackText(cb, 2*time.Minute))
	}
	want := `  VM default/back was shut down and runs again on node-2.
  VM default/stuck was shut down and did not run again within 2m00s; its VirtualMachine starts it per its run strategy.
  VM default/bare was shut down; no VirtualMachine owns it, so nothing starts it again.
  VM default/manual was shut down and is not running again: its runStrategy Manual does not start it after a shutdown.`
	if got := strings.Join(lines, "\n"); got != want {
		t.Fatalf("summary lines:\n%s\nwant:\n%s", got, want)
	}
}
