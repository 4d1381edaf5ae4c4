package printers

import (
	"strings"
	"testing"
	"time"

	"github.com/oc-cnv/oc-cnv/pkg/certs"
)

// A CA named on the command line takes the leaves it signs with it, and the plan says why it
// waits for them (pkg/certs' TestPlanSelectedSecrets plans this).
func TestRenderRotationPlanSelectedSecrets(t *testing.T) {
	expires := time.Date(2026, 12, 5, 18, 36, 0, 0, time.UTC)
	p := &certs.Plan{Namespace: "cnv", Strategy: certs.StrategyReissue, Components: []certs.ComponentPlan{{
		Name: certs.CompKubeVirt, Owner: "virt-operator", Namespace: "cnv", Version: "unknown", Strategy: certs.StrategyReissue,
		Steps: []certs.Step{
			{Action: certs.ActAnnotateDuration, Kind: certs.KindSecret, Namespace: "cnv", Name: "kubevirt-ca"},
			{Action: certs.ActAnnotateDuration, Kind: certs.KindSecret, Namespace: "cnv", Name: "kubevirt-virt-api-certs"},
			{Action: certs.ActAnnotateDuration, Kind: certs.KindSecret, Namespace: "cnv", Name: "kubevirt-virt-handler-certs"},
		},
		Targets: []certs.Target{
			{Secret: "kubevirt-ca", Key: "tls.crt", Role: certs.RoleCA, Serial: "7bc6a1543f9ddf14", NotAfter: expires},
			{Secret: "kubevirt-virt-api-certs", Key: "tls.crt", Role: certs.RoleServing, Serial: "3fc7875a30e8e2b8", NotAfter: expires},
			{Secret: "kubevirt-virt-handler-certs", Key: "tls.crt", Role: certs.RoleClient, Serial: "71b7b82f48d2b6f6", NotAfter: expires},
		},
		Fallback:     string(certs.MechDeleteSecret),
		Selected:     []string{"kubevirt-ca"},
		AlsoReissued: []string{"kubevirt-virt-api-certs", "kubevirt-virt-handler-certs"},
	}}, Interruptions: certs.Interruptions{RunningMigrations: -1, ConsolesClose: true}}
	var b strings.Builder
	RenderRotationPlan(&b, p)
	if !strings.Contains(b.String(), "  - only secret/kubevirt-ca, and the 2 certificate(s) virt-operator re-issues with it (marked below)\n") ||
		!strings.Contains(b.String(), "wait for secret/kubevirt-virt-handler-certs (client, ") || !strings.Contains(b.String(), ") to be re-issued with it\n") {
		t.Errorf("plan does not say why the leaves are re-issued:\n%s", b.String())
	}
}

// The one gap the default strategy cannot avoid is printed under the steps (pkg/certs'
// TestPlanAnnouncesTheRestartGap announces it), and a component without one prints none.
func TestRenderRotationPlanGaps(t *testing.T) {
	p := &certs.Plan{Components: []certs.ComponentPlan{
		{Name: certs.CompSSP, Owner: "OpenShift service-ca", Version: "v0.24.1", Namespace: "cnv", Strategy: certs.StrategyReissue, Steps: []certs.Step{
			{Action: certs.ActDeleteSecret, Kind: certs.KindSecret, Namespace: "cnv", Name: "virt-template-validator-certs"},
			{Action: certs.ActRestart, Kind: "Deployment", Namespace: "cnv", Name: "virt-template-validator", AfterReissue: true},
		}, Gaps: []string{"a client connecting to deployment/virt-template-validator just as one of its old pods stops may be refused once (under a second)"}},
		{Name: certs.CompKubeVirt, Owner: "virt-operator", Version: "v1.6.0", Namespace: "cnv", Strategy: certs.StrategyReissue, Steps: []certs.Step{
			{Action: certs.ActAnnotateDuration, Kind: certs.KindSecret, Namespace: "cnv", Name: "kubevirt-ca"},
			{Action: certs.ActRestart, Kind: "Deployment", Namespace: "cnv", Name: "virt-operator"},
		}},
	}}
	var b strings.Builder
	RenderRotationPlan(&b, p)
	want := "  - restart deployment/virt-template-validator once its new certificate exists (it does not reload it)\n" +
		"  ! gap: a client connecting to deployment/virt-template-validator just as one of its old pods stops may be refused once (under a second)\n"
	if !strings.Contains(b.String(), want) {
		t.Errorf("plan:\n%s\nwant it to hold:\n%s", b.String(), want)
	}
	if n := strings.Count(b.String(), "! gap:"); n != 1 {
		t.Errorf("%d gap lines, want 1:\n%s", n, b.String())
	}
}
