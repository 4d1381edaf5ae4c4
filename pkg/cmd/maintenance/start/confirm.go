package start

import (
	"bufio"
	"fmt"
	"strings"

	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// confirm asks on the terminal; only an explicit yes proceeds.
func confirm(streams genericiooptions.IOStreams, nodes []string) (bool, error) {
	fmt.Fprintf(streams.ErrOut, "Start maintenance on %s? [y/N]: ", strings.Join(nodes, ", "))
	line, err := bufio.NewReader(streams.In).ReadString('\n')
	if err != nil && line == "" {
		fmt.Fprintln(streams.ErrOut)
		return false, nil
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}
