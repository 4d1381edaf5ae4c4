package root

import (
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
)

// maxSecretSafeVerbosity is the highest -v at which client-go logs no response bodies: from 8
// on it prints them (as a hexdump for protobuf), and the Secret lists of `certs` would put
// private keys on stderr.
const maxSecretSafeVerbosity = 7

// limitVerbosity lowers -v for commands that read Secrets, and says so in a kubectl-style
// warning, so that no level of logging ever prints key material.
func limitVerbosity(c *cobra.Command, errOut io.Writer) {
	if !readsSecrets(c) {
		return
	}
	fl := c.Flags().Lookup("v")
	if fl == nil {
		return
	}
	v, err := strconv.Atoi(fl.Value.String())
	if err != nil || v <= maxSecretSafeVerbosity {
		return
	}
	if err := fl.Value.Set(strconv.Itoa(maxSecretSafeVerbosity)); err == nil {
		fmt.Fprintf(errOut, "Warning: -v=%d lowered to -v=%d: %s reads Secrets, and higher levels log response bodies, which hold private keys\n",
			v, maxSecretSafeVerbosity, c.CommandPath())
	}
}

func readsSecrets(c *cobra.Command) bool {
	for ; c != nil; c = c.Parent() {
		if c.Annotations[cmdutil.AnnotationReadsSecrets] == "true" {
			return true
		}
	}
	return false
}
