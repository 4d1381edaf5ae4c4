package printers

import (
	"fmt"
	"io"
	"time"

	"github.com/oc-cnv/oc-cnv/pkg/certs"
)

// RenderRotationResult writes a rotation's before/after table.
func RenderRotationResult(w io.Writer, res *certs.Result) error {
	// kubectl get's spacing (cli-runtime's GetNewTabWriter, which printed this table before
	// this package had a table of its own): columns at least six wide and three blanks apart.
	tw := newSpacedTable(w, 6, 3)
	fmt.Fprintln(tw, "COMPONENT\tSECRET\tROLE\tSERIAL BEFORE\tSERIAL AFTER\tEXPIRES BEFORE\tEXPIRES AFTER\tRESULT")
	for _, o := range res.Outcomes {
		result := "re-issued"
		if !o.Reissued {
			result = "NOT RE-ISSUED"
		}
		if o.Note != "" {
			result += " (" + o.Note + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", o.Component, "secret/"+o.Secret, o.Role,
			dash(certs.ShortSerial(o.BeforeSerial)), dash(certs.ShortSerial(o.AfterSerial)), timeOrDash(o.BeforeNotAfter), timeOrDash(o.AfterNotAfter), result)
	}
	return tw.Flush()
}

func timeOrDash(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return certs.FormatTime(t)
}
