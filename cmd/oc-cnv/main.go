package main

import (
	_ "github.com/olekukonko/tablewriter"
	_ "github.com/spf13/cobra"
	_ "github.com/spf13/pflag"
	_ "k8s.io/cli-runtime/pkg/genericclioptions"
	_ "k8s.io/cli-runtime/pkg/printers"
	_ "k8s.io/client-go/kubernetes"
	_ "k8s.io/client-go/dynamic"
	_ "k8s.io/kubectl/pkg/drain"
	_ "k8s.io/kubectl/pkg/describe"
	_ "kubevirt.io/client-go/kubevirt"
	_ "kubevirt.io/api/core/v1"
	_ "k8s.io/component-base/logs"
	_ "k8s.io/klog/v2"
	_ "golang.org/x/term"
	_ "github.com/MakeNowJust/heredoc"
)

func main() {}
