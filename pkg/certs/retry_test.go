package certs

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// A change the API server could not take while restarting is made once it is back; one it
// refuses for good is not repeated.
func TestApplyRetriesOnlyTransientErrors(t *testing.T) {
	cases := []struct {
		name      string
		failures  []error
		wantErr   string
		wantTries int
	}{
		{"connection refused, then reset, then taken", []error{syscall.ECONNREFUSED, syscall.ECONNRESET}, "", 3},
		{"unavailable, then taken", []error{apierrors.NewServiceUnavailable("starting")}, "", 2},
		{"forbidden is final", []error{apierrors.NewForbidden(schema.GroupResource{Resource: "secrets"}, "kubevirt-ca", errors.New("no"))}, "forbidden", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := fake.NewClientset(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "kubevirt-ca", Namespace: "cnv"}})
			tries := 0
			c.PrependReactor("patch", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
				tries++
				if tries <= len(tc.failures) {
					return true, nil, tc.failures[tries-1]
				}
				return false, nil, nil
			})
			var said []string
			r := &Rotator{Client: c, Progress: func(p Progress) { said = append(said, p.Line) }}
			err := r.apply(context.Background(), Step{Action: ActAnnotateDuration, Kind: "Secret", Namespace: "cnv", Name: "kubevirt-ca"})
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("error %v, want %q", err, tc.wantErr)
			}
			if tries != tc.wantTries {
				t.Errorf("%d tries, want %d", tries, tc.wantTries)
			}
			if len(said) != tc.wantTries-1 {
				t.Errorf("said %q", said)
			}
			if tc.wantErr == "" {
				s, _ := c.CoreV1().Secrets("cnv").Get(context.Background(), "kubevirt-ca", metav1.GetOptions{})
				if s.Annotations["kubevirt.io/duration"] != "0s" {
					t.Errorf("the change was not made: %v", s.Annotations)
				}
			}
		})
	}
}
