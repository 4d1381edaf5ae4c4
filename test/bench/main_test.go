//go:build bench

// Package bench measures oc-cnv against what it replaces, on a local cluster of its own
// (`make bench`): certs rotate against rotate-certs.sh's sequence of kubectl calls, maintenance
// list against kubectl, request counts against the size of the cluster, the end of a wait,
// start-up time and peak memory. It prints one table whose ratios come from a single run.
// It builds only with -tags bench; without OC_CNV_BENCH_KUBECONFIG it fails, so it never
// reads as passed having run nothing.
package bench

import (
	"fmt"
	"os"
	"testing"

	"github.com/go-logr/logr"
	"k8s.io/klog/v2"
)

func TestMain(m *testing.M) {
	if os.Getenv("OC_CNV_BENCH_KUBECONFIG") == "" {
		fmt.Fprintln(os.Stderr, "bench: OC_CNV_BENCH_KUBECONFIG is not set, so no benchmark ran; run `make bench` (or `make e2e-restart`), which brings a cluster up and sets it")
		os.Exit(1)
	}
	// client-go's port forwarder logs an "Unhandled Error" for every forwarded connection that
	// is closed; the handshake benchmark closes hundreds on purpose, and that noise would bury
	// the results table. The benchmarks report their own failures.
	klog.SetLogger(logr.Discard())
	os.Exit(m.Run())
}
