package printers

import (
	"strings"
	"testing"
	"time"

	"github.com/oc-cnv/oc-cnv/pkg/certs"
	goldenfile "github.com/oc-cnv/oc-cnv/test/golden"
)

// golden compares got with testdata/name, exactly; -update rewrites the file.
func golden(t *testing.T, name, got string) { t.Helper(); goldenfile.Check(t, name, got) }

var tableNow = time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)

// tableEstate is a small estate with every kind of row, as a scan judges it at tableNow with
// --warn-within 30d and --fail-within 2d: a CA with its current and superseded bundle entries
// in several bundles, leaves with long names, and certificates that fail the check. It is
// pkg/certs' estate of TestAdvice once its scan marked it.
func tableEstate() []certs.Certificate {
	day := 24 * time.Hour
	at := func(d time.Duration) time.Time { return tableNow.Add(d) }
	type verdict struct {
		status certs.Status
		within string
		fails  bool
	}
	ok, expired := verdict{status: certs.StatusOK}, verdict{status: certs.StatusExpired, fails: true}
	expiring := func(within string, fails bool) verdict { return verdict{certs.StatusExpiring, within, fails} }
	kv := func(kind, name, key string, index int, serial, subject string, role certs.Role, entry string, nb, na time.Time, v verdict) certs.Certificate {
		return certs.Certificate{Component: certs.CompKubeVirt, Namespace: "openshift-cnv", Kind: kind, Name: name, Key: key, Index: index, Subject: subject, Issuer: subject,
			Role: role, Serial: serial, NotBefore: nb, NotAfter: na, Status: v.status, Within: v.within, Fails: v.fails, BundleEntry: entry}
	}
	newCA, oldCA, olderCA := "kubevirt.io@1764676800", "kubevirt.io@1733140800", "kubevirt.io@1731000000"
	cs := []certs.Certificate{
		kv(certs.KindSecret, "kubevirt-ca", "tls.crt", 0, "0a01", newCA, certs.RoleCA, "", at(-day), at(7*day), ok),
		kv(certs.KindConfigMap, "kubevirt-ca", "ca-bundle", 0, "0a01", newCA, certs.RoleBundle, certs.BundleCurrent, at(-day), at(7*day), ok),
		// The old CA expired a day ago but is still in two bundles: one EXPIRED row each in -o wide.
		kv(certs.KindConfigMap, "kubevirt-ca", "ca-bundle", 1, "0a00", oldCA, certs.RoleBundle, certs.BundleSuperseded, at(-8*day), at(-day+time.Hour), expired),
		kv(certs.KindValidating, "virt-api-validator", "caBundle", 0, "0a01", newCA, certs.RoleBundle, certs.BundleCurrent, at(-day), at(7*day), ok),
		kv(certs.KindValidating, "virt-api-validator", "caBundle", 1, "0a00", oldCA, certs.RoleBundle, certs.BundleSuperseded, at(-8*day), at(-day+time.Hour), expired),
		kv(certs.KindMutating, "virt-api-mutator", "caBundle", 0, "0a01", newCA, certs.RoleBundle, certs.BundleCurrent, at(-day), at(7*day), ok),
		// Forced out early, still valid for days: kept, EXPIRING but not failing, and only in -o wide.
		kv(certs.KindMutating, "virt-api-mutator", "caBundle", 1, "09ff", olderCA, certs.RoleBundle, certs.BundleSuperseded, at(-20*day), at(5*day), expiring("30d", false)),
		kv(certs.KindAPIService, "v1.subresources.kubevirt.io", "caBundle", 0, "0a01", newCA, certs.RoleBundle, certs.BundleCurrent, at(-day), at(7*day), ok),
		kv(certs.KindSecret, "kubevirt-synchronization-controller-server-certs", "tls.crt", 0, "0b07", "virt-synchronization-controller.openshift-cnv.svc", certs.RoleServing, "",
			at(-12*time.Hour), at(36*time.Hour), expiring("2d", true)),
		kv(certs.KindSecret, "kubevirt-virt-handler-certs", "tls.crt", 0, "0b08", "kubevirt.io:system:client:virt-handler", certs.RoleClient, "",
			at(-12*time.Hour), at(12*time.Hour), expiring("2d", true)),
		{Component: "-", Namespace: "openshift-cnv", Kind: certs.KindSecret, Name: "web-expired", Key: "tls.crt", Subject: "web-expired", Issuer: "test-ca-1",
			Role: certs.RoleServing, Serial: "0c01", NotBefore: at(-30 * day), NotAfter: at(-3*day - 12*time.Hour), Status: certs.StatusExpired, Fails: true},
		{Component: certs.CompSSP, Namespace: "openshift-cnv", Kind: certs.KindConfigMap, Name: "openshift-service-ca.crt", Key: "service-ca.crt",
			Subject: "openshift-service-serving-signer@1700000000", Issuer: "openshift-service-serving-signer@1700000000", Role: certs.RoleBundle, Serial: "0d01",
			NotBefore: at(-700 * day), NotAfter: at(day), Status: certs.StatusExpiring, Within: "2d", Fails: true, BundleEntry: certs.BundleCurrent},
		{Component: "-", Namespace: "openshift-cnv", Kind: certs.KindSecret, Name: "web-cert", Key: "tls.crt", Subject: "web.example.com", Issuer: "letsencrypt",
			Role: certs.RoleServing, Serial: "0c02", NotBefore: at(-80 * day), NotAfter: at(20 * day), Status: certs.StatusExpiring, Within: "30d"},
	}
	certs.SortCertificates(cs)
	return cs
}

func renderTable(t *testing.T, cs []certs.Certificate, wide bool) string {
	t.Helper()
	var b strings.Builder
	if err := RenderCertTable(&b, cs, CertTableOptions{Wide: wide, Now: tableNow}); err != nil {
		t.Fatal(err)
	}
	b.WriteString("\n" + CertSummary(cs, wide) + "\n")
	return b.String()
}

// The default table: issuer, serial and SANs left to -o wide, short OBJECT kinds, each current
// CA once for all its bundles, superseded ones left out unless they fail; rows that trip
// --fail-within marked with the window; the summary counting the rows as shown.
func TestCertTableDefault(t *testing.T) {
	got := renderTable(t, tableEstate(), false)
	golden(t, "certs-table-default.golden", got)
	for _, l := range strings.Split(got, "\n") {
		if n := len([]rune(l)); n > 120 {
			t.Errorf("a line of %d columns: %s", n, l)
		}
	}
}

// -o wide: every bundle entry on a row of its own, marked current or superseded, next to its CA.
func TestCertTableWide(t *testing.T) {
	golden(t, "certs-table-wide.golden", renderTable(t, tableEstate(), true))
}

func TestResidual(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{11*24*time.Hour + time.Hour, "11d"}, {5*time.Hour + 10*time.Minute, "5h"}, {42 * time.Minute, "42m"},
		{-3*24*time.Hour - time.Minute, "3d ago"}, {30 * time.Second, "30s"},
	} {
		if got := residual(now, now.Add(tc.d)); got != tc.want {
			t.Errorf("residual(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

// The RESIDUAL column never shows an empty or negative age, and says "ago" exactly for the past.
func FuzzResidual(f *testing.F) {
	f.Add(int64(0))
	f.Add(int64(-1))
	f.Add(int64(48 * time.Hour))
	f.Add(int64(-1 << 62))
	f.Fuzz(func(t *testing.T, ns int64) {
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		d := time.Duration(ns)
		got := residual(now, now.Add(d))
		if got == "" || strings.Contains(got, "-") {
			t.Fatalf("residual(%v) = %q", d, got)
		}
		if expired := strings.HasSuffix(got, " ago"); expired != (d < 0) {
			t.Fatalf("residual(%v) = %q", d, got)
		}
	})
}
