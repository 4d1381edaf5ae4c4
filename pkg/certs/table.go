package certs

import (
	"fmt"
	"io"
	"strings"
	"time"

	"k8s.io/cli-runtime/pkg/printers"
)

// TableOptions shape the certificate table.
type TableOptions struct {
	Wide bool
	// ShowNamespace adds a NAMESPACE column (several namespaces scanned).
	ShowNamespace bool
	// Color marks problem statuses red and EXPIRING yellow (terminals only).
	Color bool
	Now   time.Time
	// NoHeaders leaves out the header line, as kubectl's --no-headers does.
	NoHeaders bool
}

const (
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiReset  = "\x1b[0m"
)

// WriteCertTable writes certificates as an aligned table, soonest expiry first as given.
// STATUS is the last column so that colour codes cannot upset the alignment.
func WriteCertTable(w io.Writer, cs []Certificate, o TableOptions) error {
	tw := printers.GetNewTabWriter(w)
	var head []string
	if o.ShowNamespace {
		head = append(head, "NAMESPACE")
	}
	head = append(head, "COMPONENT", "OBJECT", "CERTIFICATE", "ROLE", "ISSUER", "EXPIRES", "RESIDUAL")
	if o.Wide {
		head = append(head, "NOT BEFORE", "SERIAL", "SANS")
	}
	head = append(head, "STATUS")
	if !o.NoHeaders {
		fmt.Fprintln(tw, strings.Join(head, "\t"))
	}
	// A bundle entry gets its position only when its value holds several certificates.
	perValue := map[string]int{}
	for _, c := range cs {
		perValue[c.Namespace+"/"+c.Object()+"/"+c.Key]++
	}
	for _, c := range cs {
		var row []string
		if o.ShowNamespace {
			row = append(row, dash(c.Namespace))
		}
		obj := c.Object()
		if perValue[c.Namespace+"/"+c.Object()+"/"+c.Key] > 1 {
			obj = fmt.Sprintf("%s[%d]", obj, c.Index)
		}
		row = append(row, c.Component, obj, c.Subject, string(c.Role), c.Issuer, FormatTime(c.NotAfter), Residual(o.Now, c.NotAfter))
		if o.Wide {
			row = append(row, FormatTime(c.NotBefore), c.Serial, dash(strings.Join(c.SANs, ",")))
		}
		status := string(c.Status)
		if c.Reason != "" && o.Wide {
			status += " (" + c.Reason + ")"
		}
		if o.Color {
			switch {
			case c.Status.IsProblem():
				status = ansiRed + status + ansiReset
			case c.Status == StatusExpiring:
				status = ansiYellow + status + ansiReset
			}
		}
		row = append(row, status)
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Summary counts certificates by status: "23 certificates: 20 OK, 2 EXPIRING, 1 EXPIRED".
func Summary(cs []Certificate) string {
	order := []Status{StatusOK, StatusExpiring, StatusExpired, StatusNotYetValid, StatusUntrusted, StatusKeyMismatch}
	counts := map[Status]int{}
	for _, c := range cs {
		counts[c.Status]++
	}
	var parts []string
	for _, s := range order {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	noun := "certificates"
	if len(cs) == 1 {
		noun = "certificate"
	}
	if len(parts) == 0 {
		return fmt.Sprintf("%d %s", len(cs), noun)
	}
	return fmt.Sprintf("%d %s: %s", len(cs), noun, strings.Join(parts, ", "))
}

// WriteResult prints a rotation's before/after table.
func WriteResult(w io.Writer, res *Result) error {
	tw := printers.GetNewTabWriter(w)
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
			dash(shortSerial(o.BeforeSerial)), dash(shortSerial(o.AfterSerial)), timeOrDash(o.BeforeNotAfter), timeOrDash(o.AfterNotAfter), result)
	}
	return tw.Flush()
}

func timeOrDash(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return FormatTime(t)
}
