package certs

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"k8s.io/cli-runtime/pkg/printers"
)

// TableOptions shape the certificate table.
type TableOptions struct {
	// Wide adds the issuer, NotBefore, serial and SANs, and lists every bundle entry (the
	// superseded CAs too) on a row of its own.
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

// shortKinds are the OBJECT prefixes of the default table: kubectl's short names where it has
// them, so that a row stays within 120 columns.
var shortKinds = map[string]string{
	KindSecret: "secret", KindConfigMap: "cm", KindValidating: "vwc", KindMutating: "mwc",
	KindAPIService: "apiservice", KindRoute: "route", KindPod: "pod",
}

// ShortObject is kind/name with the kind abbreviated as in the default table.
func (c *Certificate) ShortObject() string {
	if k, ok := shortKinds[c.Kind]; ok {
		return k + "/" + c.Name
	}
	return c.Object()
}

// StatusText is the STATUS column: EXPIRING says the window it expires in.
func (c *Certificate) StatusText() string {
	if c.Status == StatusExpiring && c.Within != "" {
		return fmt.Sprintf("%s (<%s)", c.Status, c.Within)
	}
	return string(c.Status)
}

// row is one line of the table: a certificate, or in the default table one CA certificate and
// every other bundle that holds it.
type row struct {
	c    *Certificate
	more int
}

// TableRows returns the rows the table shows. The default table leaves out superseded bundle
// entries that do not fail the check and shows each current CA once for all the bundles of a
// namespace that hold it; -o wide shows every certificate. hidden counts what was left out.
func tableRows(cs []Certificate, wide bool) (rows []row, hidden int) {
	type caKey struct{ ns, comp, id, subject string }
	grouped := map[caKey]int{}
	for i := range cs {
		c := &cs[i]
		if wide || c.Role != RoleBundle {
			rows = append(rows, row{c: c})
			continue
		}
		if c.BundleEntry == BundleSuperseded && !c.Fails {
			hidden++
			continue
		}
		k := caKey{c.Namespace, c.Component, c.identity(), c.Subject}
		if at, ok := grouped[k]; ok && rows[at].c.Status == c.Status {
			rows[at].more++
			// The CA's own ConfigMap names the group best: it is named for the signer.
			if c.Kind == KindConfigMap && rows[at].c.Kind != KindConfigMap {
				rows[at].c = c
			}
			continue
		}
		grouped[k] = len(rows)
		rows = append(rows, row{c: c})
	}
	return rows, hidden
}

// WriteCertTable writes certificates as an aligned table, soonest expiry first as given.
// STATUS is the last column so that colour codes cannot upset the alignment.
func WriteCertTable(w io.Writer, cs []Certificate, o TableOptions) error {
	// Two spaces between columns and no minimum width, where kubectl's writer has three and
	// ten: with them the longest Secret names alone push a row past 120 columns.
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	var head []string
	if o.ShowNamespace {
		head = append(head, "NAMESPACE")
	}
	head = append(head, "COMPONENT", "OBJECT")
	if o.Wide {
		head = append(head, "CERTIFICATE")
	}
	head = append(head, "ROLE")
	if o.Wide {
		head = append(head, "ISSUER")
	}
	head = append(head, "EXPIRES", "RESIDUAL")
	if o.Wide {
		head = append(head, "NOT BEFORE", "SERIAL", "SANS", "ENTRY")
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
	rows, _ := tableRows(cs, o.Wide)
	for _, r := range rows {
		c := r.c
		var cells []string
		if o.ShowNamespace {
			cells = append(cells, dash(c.Namespace))
		}
		obj, expires := c.ShortObject(), c.NotAfter.UTC().Format(time.DateOnly)
		if o.Wide {
			obj, expires = c.Object(), FormatTime(c.NotAfter)
			if perValue[c.Namespace+"/"+c.Object()+"/"+c.Key] > 1 {
				obj = fmt.Sprintf("%s[%d]", obj, c.Index)
			}
		}
		if r.more > 0 {
			obj = fmt.Sprintf("%s +%d", obj, r.more)
		}
		cells = append(cells, c.Component, obj)
		if o.Wide {
			cells = append(cells, c.Subject)
		}
		role := string(c.Role)
		// The default table shows a superseded CA only when it fails, and must say it is one.
		if !o.Wide && c.BundleEntry == BundleSuperseded {
			role = BundleSuperseded
		}
		cells = append(cells, role)
		if o.Wide {
			cells = append(cells, c.Issuer)
		}
		cells = append(cells, expires, Residual(o.Now, c.NotAfter))
		if o.Wide {
			cells = append(cells, FormatTime(c.NotBefore), c.Serial, dash(strings.Join(c.SANs, ",")), dash(c.BundleEntry))
		}
		status := c.StatusText()
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
		cells = append(cells, status)
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// CountRows counts the rows the table shows for cs, by STATUS, in the order of severity:
// "20 OK", "2 EXPIRING (<30d)", "1 EXPIRED".
func CountRows(cs []Certificate, wide bool) (rows int, byStatus []string) {
	shown, _ := tableRows(cs, wide)
	order := []Status{StatusOK, StatusExpiring, StatusExpired, StatusNotYetValid, StatusUntrusted, StatusKeyMismatch, StatusServingStale, StatusServingUntrusted}
	counts := map[string]int{}
	var texts []string
	for _, s := range order {
		for _, r := range shown {
			if r.c.Status != s {
				continue
			}
			t := r.c.StatusText()
			if counts[t] == 0 {
				texts = append(texts, t)
			}
			counts[t]++
		}
	}
	for _, t := range texts {
		byStatus = append(byStatus, fmt.Sprintf("%d %s", counts[t], t))
	}
	return len(shown), byStatus
}

// Summary counts the rows the table shows by their STATUS: "23 certificates: 20 OK,
// 2 EXPIRING (<30d), 1 EXPIRED.", followed, in the default table, by a line saying how many
// superseded bundle entries it left out.
func Summary(cs []Certificate, wide bool) string {
	n, parts := CountRows(cs, wide)
	_, hidden := tableRows(cs, wide)
	noun := "certificates"
	if n == 1 {
		noun = "certificate"
	}
	out := fmt.Sprintf("%d %s", n, noun)
	if len(parts) > 0 {
		out += ": " + strings.Join(parts, ", ")
	}
	out += "."
	if hidden > 0 {
		out += fmt.Sprintf("\nNot shown: %d superseded CA(s) that bundles keep for an overlap (-o wide shows them).", hidden)
	}
	return out
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
