// Command gen-docs writes the generated parts of the repository from the command tree: the
// markdown reference (docs/reference), man pages (docs/man) and shell completion scripts
// (completions/). `make generate` runs it; CI fails when the committed files differ.
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/oc-cnv/oc-cnv/pkg/cmd/root"
	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
)

var docsDate = time.Date(2026, time.November, 25, 0, 0, 0, 0, time.UTC)

func main() {
	out := "."
	if len(os.Args) > 1 {
		out = os.Args[1]
	}
	if err := generate(out); err != nil {
		fmt.Fprintf(os.Stderr, "gen-docs: %v\n", err)
		os.Exit(1)
	}
}

func newRoot() *cobra.Command {
	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	cmd := root.NewCmdRoot(cmdutil.NewFactory(cmdutil.DefaultProgram()), streams)
	cmd.DisableAutoGenTag = true
	return cmd
}

func generate(out string) error {
	ref := filepath.Join(out, "docs", "reference")
	man := filepath.Join(out, "docs", "man")
	comp := filepath.Join(out, "completions")
	for _, d := range []string{ref, man, comp} {
		if err := os.RemoveAll(d); err != nil {
			return err
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}

	// File names use the binary name (oc-cnv_maintenance_start.md); the text says "oc cnv".
	link := func(name string) string { return strings.ToLower(name) }
	if err := doc.GenMarkdownTreeCustom(newRoot(), ref, func(string) string { return "" }, link); err != nil {
		return err
	}
	// A fixed date keeps the generated pages byte-identical between runs (CI compares them with
	// the committed ones); bump it when a release changes the command tree.
	date := docsDate
	header := &doc.GenManHeader{Title: "OC-CNV", Section: "1", Source: "oc-cnv", Manual: "oc-cnv manual", Date: &date}
	if err := doc.GenManTree(newRoot(), header, man); err != nil {
		return err
	}

	gens := map[string]func(*cobra.Command, *bytes.Buffer) error{
		"oc-cnv.bash": func(c *cobra.Command, b *bytes.Buffer) error { return c.GenBashCompletionV2(b, true) },
		"oc-cnv.zsh":  func(c *cobra.Command, b *bytes.Buffer) error { return c.GenZshCompletion(b) },
		"oc-cnv.fish": func(c *cobra.Command, b *bytes.Buffer) error { return c.GenFishCompletion(b, true) },
		"oc-cnv.ps1":  func(c *cobra.Command, b *bytes.Buffer) error { return c.GenPowerShellCompletionWithDesc(b) },
	}
	for name, gen := range gens {
		var b bytes.Buffer
		if err := gen(newRoot(), &b); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(comp, name), b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	// kubectl (1.26+) completes "kubectl cnv ..." by running kubectl_complete-cnv from PATH; oc
	// inherits the same plugin-completion mechanism as oc_complete-cnv.
	for parent, bin := range map[string]string{"kubectl": "kubectl-cnv", "oc": "oc-cnv"} {
		script := fmt.Sprintf(`#!/bin/sh
# Completion of "%[1]s cnv ..." inside %[1]s's own shell completion: %[1]s runs this helper
# (found on PATH as %[1]s_complete-cnv) with the words typed after "%[1]s cnv".
exec %[2]s __complete "$@"
`, parent, bin)
		if err := os.WriteFile(filepath.Join(comp, parent+"_complete-cnv"), []byte(script), 0o755); err != nil {
			return err
		}
	}
	return nil
}
