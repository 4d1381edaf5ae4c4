package printers

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/oc-cnv/oc-cnv/pkg/certs"
)

// CertTableOptions shape the certificate table.
type CertTableOptions struct {
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

// certRow is one line of the table: a certificate, or in the default table one CA certificate
// and every other bundle that holds it.
type certRow struct {
	c    *certs.Certificate
	more int
}

// certRows returns the rows the table shows. The default table leaves out superseded bundle
// entries that do not fail the check and shows each current CA once for all the bundles of a
// namespace that hold it; -o wide shows every certificate. hidden counts what was left out.
func certRows(cs []certs.Certificate, wide bool) (rows []certRow, hidden int) {
	type caKey struct{ ns, comp, id, subject string }
	grouped := map[caKey]int{}
	for i := range cs {
		c := &cs[i]
		if wide || c.Role != certs.RoleBundle {
			rows = append(rows, certRow{c: c})
			continue
		}
		if c.BundleEntry == certs.BundleSuperseded && !c.Fails {
			hidden++
			continue
		}
		k := caKey{c.Namespace, c.Component, c.Identity(), c.Subject}
		if at, ok := grouped[k]; ok && rows[at].c.Status == c.Status {
			rows[at].more++
			// The CA's own ConfigMap names the group best: it is named for the signer.
			if c.Kind == certs.KindConfigMap && rows[at].c.Kind != certs.KindConfigMap {
				rows[at].c = c
			}
			continue
		}
		grouped[k] = len(rows)
		rows = append(rows, certRow{c: c})
	}
	return rows, hidden
}

// RenderCertTable writes certificates as an aligned table, soonest expiry first as given.
// STATUS is the last column so that colour codes cannot upset the alignment.
func RenderCertTable(w io.Writer, cs []certs.Certificate, o CertTableOptions) error {
	tw := newTable(w)
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
	rows, _ := certRows(cs, o.Wide)
	for _, r := range rows {
		c := r.c
		var cells []string
		if o.ShowNamespace {
			cells = append(cells, dash(c.Namespace))
		}
		obj, expires := c.ShortObject(), c.NotAfter.UTC().Format(time.DateOnly)
		if o.Wide {
			obj, expires = c.Object(), certs.FormatTime(c.NotAfter)
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
		if !o.Wide && c.BundleEntry == certs.BundleSuperseded {
			role = certs.BundleSuperseded
		}
		cells = append(cells, role)
		if o.Wide {
			cells = append(cells, c.Issuer)
		}
		cells = append(cells, expires, residual(o.Now, c.NotAfter))
		if o.Wide {
			cells = append(cells, certs.FormatTime(c.NotBefore), c.Serial, dash(strings.Join(c.SANs, ",")), dash(c.BundleEntry))
		}
		status := c.StatusText()
		if c.Reason != "" && o.Wide {
			status += " (" + c.Reason + ")"
		}
		if o.Color {
			switch {
			case c.Status.IsProblem():
				status = ansiRed + status + ansiReset
			case c.Status == certs.StatusExpiring:
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

// CountCertRows counts the rows the table shows for cs, by STATUS, in the order of severity:
// "20 OK", "2 EXPIRING (<30d)", "1 EXPIRED".
func CountCertRows(cs []certs.Certificate, wide bool) (rows int, byStatus []string) {
	shown, _ := certRows(cs, wide)
	order := []certs.Status{certs.StatusOK, certs.StatusExpiring, certs.StatusExpired, certs.StatusNotYetValid, certs.StatusUntrusted,
		certs.StatusKeyMismatch, certs.StatusServingStale, certs.StatusServingUntrusted}
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

// CertSummary counts the rows the table shows by their STATUS: "23 certificates: 20 OK,
// 2 EXPIRING (<30d), 1 EXPIRED.", followed, in the default table, by a line saying how many
// superseded bundle entries it left out.
func CertSummary(cs []certs.Certificate, wide bool) string {
	n, parts := CountCertRows(cs, wide)
	_, hidden := certRows(cs, wide)
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

// residual is the RESIDUAL column: the time left until t as a short age, or how long ago it
// passed: "11d", "5h", "42m", "3d ago" (STATUS says EXPIRED, so the word is left out to keep the
// table narrow).
func residual(now, t time.Time) string {
	d := t.Sub(now)
	if d < 0 {
		return shortDuration(-d) + " ago"
	}
	return shortDuration(d)
}

func shortDuration(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
	case d >= 2*time.Hour:
		return fmt.Sprintf("%dh", int(d/time.Hour))
	case d >= 2*time.Minute:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	default:
		return fmt.Sprintf("%ds", int(d/time.Second))
	}
}
