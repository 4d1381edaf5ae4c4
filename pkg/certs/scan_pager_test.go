package certs

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
)

// A listing that outlives its continue token (410 Gone on a busy cluster) falls back to one full
// list, as kubectl's does, instead of failing the scan or dropping the pages it had not read.
func TestScanSurvivesAnExpiredContinueToken(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	ca := mkCert(t, "kubevirt.io", true, nil, now.Add(-time.Hour), now.Add(365*24*time.Hour))
	var objs []runtime.Object
	for i := 0; i < 5; i++ {
		leaf := mkCert(t, fmt.Sprintf("leaf-%d", i), false, ca, now.Add(-time.Hour), now.Add(100*24*time.Hour))
		objs = append(objs, tlsSecret("cnv", fmt.Sprintf("kubevirt-leaf-%d-certs", i), leaf.certPEM, leaf.keyPEM))
	}
	client := fake.NewSimpleClientset(objs...)
	var full, expired int
	// The fake ignores Limit; play a server whose first page is two Secrets and whose token
	// has expired by the time the next page is asked for.
	client.PrependReactor("list", "secrets", func(a clienttesting.Action) (bool, runtime.Object, error) {
		opts := a.(clienttesting.ListActionImpl).GetListOptions()
		switch {
		case opts.Continue != "":
			expired++
			return true, nil, apierrors.NewResourceExpired("the provided continue parameter is too old")
		case opts.Limit > 0:
			page := &corev1.SecretList{ListMeta: metav1.ListMeta{Continue: "page-2"}}
			for _, o := range objs[:2] {
				page.Items = append(page.Items, *o.(*corev1.Secret))
			}
			return true, page, nil
		}
		full++
		return false, nil, nil
	})
	s := &Scanner{Client: client, Now: func() time.Time { return now }, WarnWithin: 30 * 24 * time.Hour, PageSize: 2}
	rep, err := s.Scan(context.Background(), []string{"cnv"})
	if err != nil {
		t.Fatal(err)
	}
	if expired != 1 || full != 1 {
		t.Errorf("%d expired continuations and %d full lists, want 1 and 1", expired, full)
	}
	seen := map[string]int{}
	for _, c := range rep.Certificates {
		seen[c.Name]++
	}
	for i := 0; i < 5; i++ {
		if name := fmt.Sprintf("kubevirt-leaf-%d-certs", i); seen[name] != 1 {
			t.Errorf("%s listed %d times, want once", name, seen[name])
		}
	}
}
