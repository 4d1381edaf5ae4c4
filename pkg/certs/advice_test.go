package certs

import (
	"strings"
	"testing"
	"time"

	goldenfile "github.com/oc-cnv/oc-cnv/test/golden"
)

// golden compares got with testdata/name, exactly; -update rewrites the file.
func golden(t *testing.T, name, got string) { t.Helper(); goldenfile.Check(t, name, got) }

var tableNow = time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)

// tableEstate is a small estate with every kind of row of the check's table: a CA with its
// current and superseded bundle entries in several bundles, leaves with long names, and
// certificates that fail the check, owned by a component, by cert-manager and by nobody.
// pkg/printers' table tests show this estate as the scan below leaves it.
func tableEstate() []Certificate {
	day := 24 * time.Hour
	at := func(d time.Duration) time.Time { return tableNow.Add(d) }
	kv := func(kind, name, key string, serial, subject string, role Role, nb, na time.Time) Certificate {
		return Certificate{Component: CompKubeVirt, Namespace: "openshift-cnv", Kind: kind, Name: name, Key: key, Subject: subject, Issuer: subject,
			Role: role, Serial: serial, NotBefore: nb, NotAfter: na, Status: StatusOK, owner: ownerInfo{catalogued: kind == KindSecret, component: true}}
	}
	newCA, oldCA, olderCA := "kubevirt.io@1764676800", "kubevirt.io@1733140800", "kubevirt.io@1731000000"
	cs := []Certificate{
		kv(KindSecret, "kubevirt-ca", "tls.crt", "0a01", newCA, RoleCA, at(-day), at(7*day)),
		kv(KindConfigMap, "kubevirt-ca", "ca-bundle", "0a01", newCA, RoleBundle, at(-day), at(7*day)),
		kv(KindConfigMap, "kubevirt-ca", "ca-bundle", "0a00", oldCA, RoleBundle, at(-8*day), at(-day+time.Hour)),
		kv(KindValidating, "virt-api-validator", "caBundle", "0a01", newCA, RoleBundle, at(-day), at(7*day)),
		kv(KindValidating, "virt-api-validator", "caBundle", "0a00", oldCA, RoleBundle, at(-8*day), at(-day+time.Hour)),
		kv(KindMutating, "virt-api-mutator", "caBundle", "0a01", newCA, RoleBundle, at(-day), at(7*day)),
		// Forced out early, still valid for days: kept, OK, and only in -o wide.
		kv(KindMutating, "virt-api-mutator", "caBundle", "09ff", olderCA, RoleBundle, at(-20*day), at(5*day)),
		kv(KindAPIService, "v1.subresources.kubevirt.io", "caBundle", "0a01", newCA, RoleBundle, at(-day), at(7*day)),
		kv(KindSecret, "kubevirt-synchronization-controller-server-certs", "tls.crt", "0b07", "virt-synchronization-controller.openshift-cnv.svc", RoleServing, at(-12*time.Hour), at(36*time.Hour)),
		kv(KindSecret, "kubevirt-virt-handler-certs", "tls.crt", "0b08", "kubevirt.io:system:client:virt-handler", RoleClient, at(-12*time.Hour), at(12*time.Hour)),
		{Component: "-", Namespace: "openshift-cnv", Kind: KindSecret, Name: "web-expired", Key: "tls.crt", Subject: "web-expired", Issuer: "test-ca-1",
			Role: RoleServing, Serial: "0c01", NotBefore: at(-30 * day), NotAfter: at(-3*day - 12*time.Hour), Status: StatusExpired},
		{Component: CompSSP, Namespace: "openshift-cnv", Kind: KindConfigMap, Name: serviceCABundle, Key: "service-ca.crt", Subject: "openshift-service-serving-signer@1700000000",
			Issuer: "openshift-service-serving-signer@1700000000", Role: RoleBundle, Serial: "0d01", NotBefore: at(-700 * day), NotAfter: at(day), Status: StatusOK, owner: ownerInfo{injected: true}},
		{Component: "-", Namespace: "openshift-cnv", Kind: KindSecret, Name: "web-cert", Key: "tls.crt", Subject: "web.example.com", Issuer: "letsencrypt",
			Role: RoleServing, Serial: "0c02", NotBefore: at(-80 * day), NotAfter: at(20 * day), Status: StatusOK, owner: ownerInfo{certManager: "web"}},
	}
	// The old CA expired a day ago but is still in two bundles: one EXPIRED row each in -o wide.
	for i := range cs {
		if cs[i].Serial == "0a00" {
			cs[i].Status = StatusExpired
		}
	}
	s := &Scanner{WarnWithin: 30 * day, FailWithin: 2 * day}
	for i := range cs {
		if cs[i].Status == StatusOK && cs[i].NotAfter.Sub(tableNow) < s.WarnWithin && cs[i].NotAfter.Sub(tableNow) < cs[i].NotAfter.Sub(cs[i].NotBefore)/2 {
			cs[i].Status = StatusExpiring
		}
		s.markWithin(&cs[i], tableNow)
	}
	// Positions within each bundle value, as a scan numbers them.
	pos := map[string]int{}
	for i := range cs {
		if cs[i].Role == RoleBundle {
			k := cs[i].Object() + "/" + cs[i].Key
			cs[i].Index = pos[k]
			pos[k]++
		}
	}
	markBundleEntries(cs)
	SortCertificates(cs)
	return cs
}

// What fixes the failing rows: rotate for a component's Secrets, named when few; the issuer
// for what no component owns.
func TestAdvice(t *testing.T) {
	golden(t, "advice.golden", strings.Join(Advice(tableEstate()), "\n")+"\n")
}
