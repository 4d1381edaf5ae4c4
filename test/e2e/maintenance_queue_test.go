//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	virtv1 "kubevirt.io/api/core/v1"

	"github.com/oc-cnv/oc-cnv/test/e2e/framework"
)

// Four LiveMigrate VMs leave a node whose parallelOutboundMigrationsPerNode is 2 (HCO's
// default): two migrate at a time. How the others wait depends on the KubeVirt release, and
// the progress and describe must read well either way. --method=drain: no operator needed.

var mqVMs = []string{"vm-1", "vm-2", "vm-3", "vm-4"}

// mqMoving matches describe's rows of migrations that move a VM (past Pending).
var mqMoving = regexp.MustCompile(`(?m)^  \S+/kubevirt-evacuation-\S+\s+vm-\d\s+(Scheduling|Scheduled|PreparingTarget|TargetReady|Running)\s`)

// mqDrain drains the node of the four VMs on KubeVirt version and returns the drain's result,
// the most migrations that existed unfinished at once, and the namespace. During the drain it
// waits for a describe, taken while two migrations move VMs, that satisfies want.
func mqDrain(t *testing.T, version, what string, want func(describe string) bool) (framework.Result, int, string) {
	t.Helper()
	env, ns, nodes := mtEstate(t, 2, func(n framework.TestNodes) string {
		var m string
		for _, name := range mqVMs {
			m += mtVM(name, n, "LiveMigrate", "8s", "")
		}
		return m
	}, mqVMs...)
	env.SetKubeVirtVersion(t, version)
	n0 := nodes.Names[0]
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	before := map[string]types.UID{}
	for _, name := range mqVMs {
		vmi, err := env.KubeVirt.KubevirtV1().VirtualMachineInstances(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		before[name] = vmi.UID
	}

	// Count the unfinished migrations from the watch's events, not by sampling.
	w, err := env.KubeVirt.KubevirtV1().VirtualMachineInstanceMigrations(ns).Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	most := 0
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		unfinished := map[string]bool{}
		for ev := range w.ResultChan() {
			m, ok := ev.Object.(*virtv1.VirtualMachineInstanceMigration)
			if !ok {
				continue
			}
			unfinished[m.Name] = ev.Type != watch.Deleted && !m.IsFinal()
			n := 0
			for _, u := range unfinished {
				if u {
					n++
				}
			}
			mu.Lock()
			most = max(most, n)
			mu.Unlock()
		}
	}()

	p := env.Start(t, framework.RunOptions{}, "maintenance", "start", n0, "--method=drain", "--yes", "--reason", "queue "+version, "--timeout", "3m")
	var last string
	if err := framework.Eventually(2*time.Minute, func() (bool, error) {
		last = env.Run(t, "maintenance", "describe", n0).Stdout
		return len(mqMoving.FindAllString(last, -1)) == 2 && want(last), nil
	}); err != nil {
		p.Kill()
		t.Fatalf("no describe during the drain showed two migrations moving VMs and %s: %v\nlast:\n%s", what, err, last)
	}
	res := p.Wait(t, 3*time.Minute)
	cancel()
	<-watched
	if res.ExitCode != 0 {
		t.Fatalf("start: exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	for _, name := range mqVMs {
		vmi := env.WaitVMIRunning(t, ns, name, func(v *virtv1.VirtualMachineInstance) bool { return v.Status.NodeName == nodes.Names[1] })
		if vmi.UID != before[name] {
			t.Errorf("VM %s was re-created instead of live-migrated", name)
		}
	}
	t.Cleanup(func() { env.Run(t, "maintenance", "stop", n0) })
	mu.Lock()
	defer mu.Unlock()
	return res, most, ns
}

// mqQueueLengths are the m of every "Queued (n of m)" the progress printed.
func mqQueueLengths(stdout string) []int {
	var out []int
	for _, m := range regexp.MustCompile(`Queued \(\d+ of (\d+)\)`).FindAllStringSubmatch(stdout, -1) {
		n, _ := strconv.Atoi(m[1])
		out = append(out, n)
	}
	return out
}

// From KubeVirt v1.9 every migration is created at once and those over the limits wait in
// Pending: progress shows each VM's place in the queue once, describe numbers them, and no VM
// reads "Migrating (Pending)".
func TestMaintenanceProgressQueuedMigrationsKubeVirt19(t *testing.T) {
	res, most, ns := mqDrain(t, "v1.9.0", "the two others queued", func(out string) bool {
		for _, pos := range []string{"1 of 2", "2 of 2"} {
			vm := regexp.MustCompile(`(?m)^  \S+/vm-\d\s+Running\s+LiveMigrate\s+True\s+queued \(` + pos + `\)\s+live-migrate$`)
			mig := regexp.MustCompile(`(?m)^  \S+/kubevirt-evacuation-\S+\s+vm-\d\s+queued \(` + pos + `\)\s+<none>\s`)
			if !vm.MatchString(out) || !mig.MatchString(out) {
				return false
			}
		}
		return true
	})
	if most != len(mqVMs) {
		t.Errorf("at most %d migrations existed at once; KubeVirt v1.9 creates all %d at once", most, len(mqVMs))
	}
	queued := 0
	for _, name := range mqVMs {
		if strings.Contains(res.Stdout, fmt.Sprintf(": VM %s/%s Queued (", ns, name)) {
			queued++
		}
	}
	if queued < 2 || strings.Contains(res.Stdout, "Migrating (Pending)") {
		t.Errorf("progress: %d VMs shown queued, want at least the 2 over the limit, and no \"Migrating (Pending)\":\n%s", queued, res.Stdout)
	}
	if n := strings.Count(res.Stdout, "Queued ("); n > len(mqVMs) {
		t.Errorf("a queued VM was printed again as it moved up the queue (%d queued lines):\n%s", n, res.Stdout)
	}
}

// Up to KubeVirt v1.8 the evacuation controller creates migrations only as slots free up: the
// VMs over the limit wait without one, and describe shows them so, without a queue.
func TestMaintenanceProgressMigrationsCreatedAsSlotsFreeKubeVirt16(t *testing.T) {
	waiting := regexp.MustCompile(`(?m)^  \S+/vm-\d\s+Running\s+LiveMigrate\s+True\s+<none>\s+live-migrate$`)
	res, most, _ := mqDrain(t, "v1.6.0", "the two others without a migration", func(out string) bool {
		return len(waiting.FindAllString(out, -1)) == 2 && !strings.Contains(out, "queued (")
	})
	if most > 2 {
		t.Errorf("%d migrations existed at once; before v1.9 KubeVirt creates no more than the limit (2)", most)
	}
	for _, m := range mqQueueLengths(res.Stdout) {
		if m > 2 {
			t.Errorf("progress shows a queue of %d; at most the 2 just created can be Pending:\n%s", m, res.Stdout)
		}
	}
	if strings.Contains(res.Stdout, "Migrating (Pending)") {
		t.Errorf("progress shows \"Migrating (Pending)\":\n%s", res.Stdout)
	}
}
