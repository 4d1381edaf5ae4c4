// Command kubevirt-sim is a test double for KubeVirt and the CNV certificate owners.
//
// It runs beside the real control plane of the local test cluster (hack/cluster.sh) and plays
// the parts of KubeVirt that cannot run without real nodes and libvirt: VirtualMachines and their
// VirtualMachineInstances, virt-launcher pods, evacuations and live migrations, and the operators
// that issue and re-issue the components' TLS certificates, and the TLS endpoints of those
// components' pods. virt-api is KubeVirt's own process.
// It is never part of the oc-cnv binary. docs/simulator.md says what it does and does not model.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/pflag"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"

	"github.com/oc-cnv/oc-cnv/test/kubevirt-sim/certowners"
	"github.com/oc-cnv/oc-cnv/test/kubevirt-sim/served"
	"github.com/oc-cnv/oc-cnv/test/kubevirt-sim/vms"
)

func main() {
	fs := pflag.NewFlagSet("kubevirt-sim", pflag.ExitOnError)
	kubeconfig := fs.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the cluster to simulate KubeVirt on")
	vmOpts := vms.AddFlags(fs)
	certOpts := certowners.AddFlags(fs)
	servedOpts := served.AddFlags(fs)
	_ = fs.Parse(os.Args[1:])

	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		fmt.Fprintf(os.Stderr, "kubevirt-sim: %v\n", err)
		os.Exit(1)
	}
	cfg.QPS, cfg.Burst = 200, 400

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()

	// The served endpoints belong to the pods of the certificate owners' estates.
	servedOpts.Namespace = certOpts.Namespace

	errs := make(chan error, 3)
	go func() { errs <- fmt.Errorf("vms: %w", vms.Run(ctx, cfg, vmOpts)) }()
	go func() { errs <- fmt.Errorf("certowners: %w", certowners.Run(ctx, cfg, certOpts)) }()
	go func() { errs <- fmt.Errorf("served: %w", served.Run(ctx, cfg, servedOpts)) }()
	err = <-errs
	if ctx.Err() != nil {
		klog.Info("kubevirt-sim: stopped")
		return
	}
	fmt.Fprintf(os.Stderr, "kubevirt-sim: %v\n", err)
	os.Exit(1)
}
