//go:build bench

package bench

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/oc-cnv/oc-cnv/test/apiproxy"
)

// benchList: maintenance list (with its extra columns) against kubectl get nodemaintenances,
// run alternately so both see the same load, on nodes nodes with nms maintenances.
func benchList(t *testing.T, e *benchEnv, rep *report, nodes, nms int) {
	seedNodes(t, e, nodes)
	seedNodeMaintenances(t, e, nms)
	cacheDir := t.TempDir()
	occnv := []string{"maintenance", "list", "--cache-dir", cacheDir}
	kubectl := []string{"get", "nodemaintenances", "--cache-dir", cacheDir}
	r := mustRun(t, e.kubeconfig, e.bin, occnv...)
	if got := strings.Count(r.stdout, "bench-node-"); got < nms {
		t.Fatalf("maintenance list shows %d seeded maintenances, want %d", got, nms)
	}
	mustRun(t, e.kubeconfig, e.kubectl, kubectl...)
	const runs = 9
	var a, b []time.Duration
	for i := 0; i < runs; i++ {
		a = append(a, mustRun(t, e.kubeconfig, e.bin, occnv...).wall)
		b = append(b, mustRun(t, e.kubeconfig, e.kubectl, kubectl...).wall)
	}
	ma, mb := median(a), median(b)
	ratio := float64(ma) / float64(mb)

	proxy := apiproxy.New(t, e.cfg)
	kc := proxy.Kubeconfig(t)
	mustRun(t, kc, e.bin, occnv...)
	ro, _, _ := proxy.Reset()
	mustRun(t, kc, e.kubectl, kubectl...)
	rk, _, _ := proxy.Reset()
	rep.add(fmt.Sprintf("`maintenance list` vs `kubectl get nodemaintenances`, %d nodes, %d maintenances, median of %d (requests)", nodes, nms, runs),
		fmt.Sprintf("%s (%d)", ms(ma), ro), fmt.Sprintf("%s (%d)", ms(mb), rk), fmt.Sprintf("%.2fx kubectl's time", ratio), "<= 1.2x", ratio <= 1.2)
}
