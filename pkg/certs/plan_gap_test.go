package certs

import (
	"slices"
	"testing"
)

// The plan announces the one gap the default strategy cannot avoid, the restart of a component
// that does not reload its certificate, and no other.
func TestPlanAnnouncesTheRestartGap(t *testing.T) {
	p := &Plan{Components: []ComponentPlan{
		{Name: CompSSP, Owner: "OpenShift service-ca", Version: "v0.24.1", Namespace: "cnv", Strategy: StrategyReissue, Steps: []Step{
			{Action: ActDeleteSecret, Kind: KindSecret, Namespace: "cnv", Name: "virt-template-validator-certs"},
			{Action: ActRestart, Kind: "Deployment", Namespace: "cnv", Name: "virt-template-validator", AfterReissue: true},
		}},
		{Name: CompKubeVirt, Owner: "virt-operator", Version: "v1.6.0", Namespace: "cnv", Strategy: StrategyReissue, Steps: []Step{
			{Action: ActAnnotateDuration, Kind: KindSecret, Namespace: "cnv", Name: "kubevirt-ca"},
			{Action: ActRestart, Kind: "Deployment", Namespace: "cnv", Name: "virt-operator"},
		}},
	}}
	for i := range p.Components {
		p.Components[i].announceGaps()
	}
	// pkg/printers' TestRenderRotationPlanGaps prints it under the steps.
	want := []string{"a client connecting to deployment/virt-template-validator just as one of its old pods stops may be refused once (under a second)"}
	if got := p.Components[0].Gaps; !slices.Equal(got, want) {
		t.Errorf("gaps %q, want %q", got, want)
	}
	if got := p.Components[1].Gaps; len(got) != 0 {
		t.Errorf("gaps %q, want none: a restart that is not for a new certificate announces none", got)
	}
}

// Deleting webhook configurations (the recreate strategy) leaves the API server without those
// webhooks until the owner re-creates them: one gap line says so.
func TestPlanAnnouncesTheDeletedWebhooksGap(t *testing.T) {
	cp := ComponentPlan{Name: CompCDI, Namespace: "cnv", Strategy: StrategyRecreate, comp: Component{Owner: "cdi-operator (openshift/library-go certrotation)"}, Steps: []Step{
		{Action: ActDeleteWebhook, Kind: KindValidating, Name: "cdi-api-validate"},
		{Action: ActDeleteWebhook, Kind: KindMutating, Name: "cdi-api-datavolume-mutate"},
		{Action: ActDeleteSecret, Kind: KindSecret, Namespace: "cnv", Name: "cdi-apiserver-signer"},
	}}
	cp.announceGaps()
	want := "until cdi-operator re-creates the 2 deleted webhook configuration(s), the API server does not call those webhooks (seconds)"
	if len(cp.Gaps) != 1 || cp.Gaps[0] != want {
		t.Errorf("gaps %q, want [%q]", cp.Gaps, want)
	}
	cp.Steps = cp.Steps[2:]
	if cp.announceGaps(); len(cp.Gaps) != 0 {
		t.Errorf("a plan that deletes no webhook configuration announces %q", cp.Gaps)
	}
}
