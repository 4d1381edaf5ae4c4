package rotate

import (
	"io"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/printers"

	"github.com/oc-cnv/oc-cnv/pkg/certs"
)

// rotationObject is what -o json|yaml prints: the plan (and what the user may not do) on a dry
// run; after a rotation, also the outcome per certificate and what is still pending.
type rotationObject struct {
	metav1.TypeMeta    `json:",inline"`
	DryRun             bool               `json:"dryRun"`
	Plan               *certs.Plan        `json:"plan"`
	MissingPermissions []certs.Permission `json:"missingPermissions,omitempty"`
	// Complete: every certificate was re-issued and verified and the pods are Ready.
	Complete bool            `json:"complete"`
	Outcomes []certs.Outcome `json:"outcomes,omitempty"`
	Pending  []string        `json:"pending,omitempty"`
}

func (r *rotationObject) DeepCopyObject() runtime.Object { c := *r; return &c }

// textOut is where the plan and closing sentences for people go.
func (o *Options) textOut() io.Writer {
	if o.Output != "" {
		return o.ErrOut
	}
	return o.Out
}

func (o *Options) print(doc *rotationObject) error {
	doc.TypeMeta = metav1.TypeMeta{APIVersion: "certs.oc-cnv.io/v1alpha1", Kind: "CertificateRotation"}
	var p printers.ResourcePrinter = &printers.JSONPrinter{}
	if o.Output == "yaml" {
		p = &printers.YAMLPrinter{}
	}
	return p.PrintObj(doc, o.Out)
}

// printResult prints the outcome of a rotation with -o; nothing without it.
func (o *Options) printResult(plan *certs.Plan, res *certs.Result, err error) error {
	if o.Output == "" {
		return nil
	}
	doc := &rotationObject{Plan: plan, Complete: err == nil && res != nil && len(res.Pending) == 0}
	if res != nil {
		doc.Outcomes, doc.Pending = res.Outcomes, res.Pending
	}
	return o.print(doc)
}
