//go:build bench

package bench

import (
	"fmt"
	"testing"
)

// benchCheckMemory: certs check -A reads every Secret of the cluster; its peak resident memory
// with secrets Secrets must stay bounded (it pages through them).
func benchCheckMemory(t *testing.T, e *benchEnv, rep *report, secrets int) {
	seedSecrets(t, e, "bench-secrets", secrets)
	r := run(t, e.kubeconfig, e.bin, "certs", "check", "-A")
	if r.code != 0 && r.code != 7 {
		t.Fatalf("certs check -A: exit %d\n%s", r.code, lastLines(r.stderr, 3))
	}
	mb := float64(r.maxRSSKB) / 1024
	rep.add(fmt.Sprintf("`certs check -A` on %d extra TLS Secrets: peak RSS (wall %s)", secrets, secs(r.wall)),
		fmt.Sprintf("%.0f MB", mb), "—", "—", "< 100 MB", mb < 100)
}
