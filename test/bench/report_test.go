//go:build bench

package bench

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// row is one line of the results table.
type row struct {
	metric   string
	ocCNV    string
	baseline string
	ratio    string
	goal     string
	met      string
}

type report struct{ rows []row }

func (r *report) add(metric, ocCNV, baseline, ratio, goal string, met bool) {
	v := "yes"
	if !met {
		v = "**no**"
	}
	r.rows = append(r.rows, row{metric, ocCNV, baseline, ratio, goal, v})
}

// markdown renders the table as docs/performance.md shows it, aligned so that it also reads
// well as plain text in the bench's output.
func (r *report) markdown() string {
	var b strings.Builder
	table := tablewriter.NewTable(&b,
		tablewriter.WithRenderer(renderer.NewMarkdown()),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithAlignment(tw.Alignment{tw.AlignLeft, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignLeft, tw.AlignLeft}),
	)
	table.Header("measurement", "oc-cnv", "baseline", "ratio", "goal", "met")
	for _, x := range r.rows {
		_ = table.Append(x.metric, x.ocCNV, x.baseline, x.ratio, x.goal, x.met)
	}
	_ = table.Render()
	return b.String()
}

// write prints the table and, with OC_CNV_BENCH_OUT set, saves it there. A goal missed fails
// the run (make bench exits non-zero), naming each one: a table with a "no" in it must not
// read as a passing benchmark.
func (r *report) write(t *testing.T) {
	md := r.markdown()
	fmt.Printf("\nResults (%s, %s):\n\n%s\n", time.Now().UTC().Format("2006-01-02 15:04Z"), machine(), md)
	if out := os.Getenv("OC_CNV_BENCH_OUT"); out != "" {
		if err := os.WriteFile(out, []byte(md), 0o644); err != nil {
			t.Error(err)
		}
	}
	for _, x := range r.rows {
		if x.met != "yes" {
			t.Errorf("goal missed: %s: oc-cnv %s, baseline %s, ratio %s; goal %s", x.metric, x.ocCNV, x.baseline, x.ratio, x.goal)
		}
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

// machine describes where the numbers come from: CPU count and model, from /proc.
func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	load := ""
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		load = ", load average " + strings.Join(strings.Fields(string(b))[:3], " ")
	}
	return fmt.Sprintf("%d CPUs, %s%s", runtime.NumCPU(), model, load)
}
