//go:build bench

package bench

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// benchStartup: a command that makes no request is as fast as the process can start; this
// is what a shell completion or a script calling oc-cnv in a loop feels. `version` alone also
// asks the cluster for its version, so that round trip is left out with --client.
func benchStartup(t *testing.T, e *benchEnv, rep *report) {
	const runs = 21
	for _, args := range [][]string{{"version", "--client"}, {"--help"}} {
		var ds []time.Duration
		mustRun(t, e.kubeconfig, e.bin, args...) // page the binary in
		for i := 0; i < runs; i++ {
			ds = append(ds, mustRun(t, e.kubeconfig, e.bin, args...).wall)
		}
		m := median(ds)
		rep.add(fmt.Sprintf("`oc-cnv %s`, median of %d", strings.Join(args, " "), runs), ms(m), "—", "—", "< 25 ms", m < 25*time.Millisecond)
	}
}
