//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// rotationDoc is the part of `certs rotate -o json|yaml` the tests read.
type rotationDoc struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	DryRun     bool   `json:"dryRun"`
	Complete   bool   `json:"complete"`
	Plan       struct {
		Components []struct {
			Component string   `json:"component"`
			Gaps      []string `json:"gaps"`
			Targets   []struct {
				Secret string `json:"secret"`
				Serial string `json:"serial"`
			} `json:"targets"`
		} `json:"components"`
	} `json:"plan"`
	Outcomes []struct {
		Secret       string `json:"secret"`
		BeforeSerial string `json:"beforeSerial"`
		AfterSerial  string `json:"afterSerial"`
		Reissued     bool   `json:"reissued"`
	} `json:"outcomes"`
}

// `certs rotate -o json|yaml`: stdout is one document, the plan on a dry run and the outcome per
// certificate after a rotation; the plan's text and the progress go to stderr.
func TestCertsRotateMachineOutput(t *testing.T) {
	env := framework.Get(t)
	ns := newEstate(t, "ssp", nil)
	const secret = "virt-template-validator-certs"
	before := rotationState(t, ns)
	oldSerial := serials(t, ns)[secret]

	for _, format := range []string{"json", "yaml"} {
		res := env.Run(t, "certs", "rotate", "-n", ns, "--dry-run", "-o", format)
		var doc rotationDoc
		unmarshal := json.Unmarshal
		if format == "yaml" {
			unmarshal = func(b []byte, v any) error { return yaml.Unmarshal(b, v) }
		}
		if err := unmarshal([]byte(res.Stdout), &doc); err != nil {
			t.Fatalf("-o %s: stdout is not one document: %v\n%s", format, err, res.Stdout)
		}
		if res.ExitCode != 0 || doc.Kind != "CertificateRotation" || doc.APIVersion != "certs.oc-cnv.io/v1alpha1" || !doc.DryRun ||
			len(doc.Plan.Components) != 1 || doc.Plan.Components[0].Component != "ssp" ||
			len(doc.Plan.Components[0].Targets) != 1 || doc.Plan.Components[0].Targets[0].Secret != secret {
			t.Errorf("--dry-run -o %s: exit %d, document %+v", format, res.ExitCode, doc)
		}
		// The simulated validator reports no version, so it is restarted: the plan's one gap,
		// in the document and in the text.
		if c := doc.Plan.Components; len(c) != 1 || len(c[0].Gaps) != 1 || !strings.Contains(c[0].Gaps[0], "deployment/virt-template-validator") ||
			!strings.Contains(res.Stderr, "  ! gap: a client connecting to deployment/virt-template-validator") {
			t.Errorf("--dry-run -o %s: the restart's gap is not announced: %+v\n%s", format, c, res.Stderr)
		}
		if !strings.Contains(res.Stderr, "Dry run: nothing will be changed.") || strings.Contains(res.Stdout, "Dry run") {
			t.Errorf("--dry-run -o %s: the plan's text is not on stderr alone\n--- stdout\n%s--- stderr\n%s", format, res.Stdout, res.Stderr)
		}
	}
	for k, v := range rotationState(t, ns) {
		if before[k] != v {
			t.Errorf("%s changed on a dry run", k)
		}
	}

	res := env.RunWith(t, framework.RunOptions{Timeout: rotateTimeout}, "certs", "rotate", "-n", ns, "--yes", "--timeout", "2m", "-o", "json")
	var doc rotationDoc
	if err := json.Unmarshal([]byte(res.Stdout), &doc); err != nil {
		t.Fatalf("-o json: stdout is not one JSON document: %v\n%s", err, res.Stdout)
	}
	newSerial := serials(t, ns)[secret]
	// serials() gives decimal serials (then "/" and a digest), the document hexadecimal ones.
	hexOf := func(id string) string {
		dec, _, _ := strings.Cut(id, "/")
		n, _ := new(big.Int).SetString(dec, 10)
		return fmt.Sprintf("%x", n)
	}
	trim := func(h string) string { return strings.TrimLeft(h, "0") }
	if res.ExitCode != 0 || doc.DryRun || !doc.Complete || len(doc.Outcomes) != 1 || doc.Outcomes[0].Secret != secret || !doc.Outcomes[0].Reissued ||
		trim(doc.Outcomes[0].BeforeSerial) != hexOf(oldSerial) || trim(doc.Outcomes[0].AfterSerial) != hexOf(newSerial) || newSerial == oldSerial {
		t.Errorf("rotation -o json: exit %d, document %+v; serial %s -> %s", res.ExitCode, doc, hexOf(oldSerial), hexOf(newSerial))
	}
	if !strings.Contains(res.Stderr, "re-issued and trusted, served; pods Ready.") || !strings.Contains(res.Stderr, "ssp: ") {
		t.Errorf("progress and the closing sentence are not on stderr:\n%s", res.Stderr)
	}
}
