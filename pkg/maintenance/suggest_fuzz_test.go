package maintenance

import (
	"slices"
	"strings"
	"testing"
)

// "Did you mean" for a typed node name: only real names, at most three, none twice, the exact
// name first when it exists, and the same answer whatever order the cluster listed them in.
func FuzzSuggest(f *testing.F) {
	f.Add("node-00001", "node-000001,node-000002,worker-1")
	f.Add("", "a,b")
	f.Add("x", "")
	f.Add("worker", "worker,worker,worker-2")
	f.Fuzz(func(t *testing.T, typed, list string) {
		names := strings.Split(list, ",")
		if len(names) > 64 || len(typed) > 256 || len(list) > 4096 {
			return // a cluster's node list, not a stress test of the edit distance
		}
		got := Suggest(typed, names)
		if len(got) > 3 {
			t.Fatalf("%d suggestions", len(got))
		}
		seen := map[string]bool{}
		for _, g := range got {
			if !slices.Contains(names, g) {
				t.Fatalf("suggested %q, which is not a node", g)
			}
			if seen[g] && !hasDuplicates(names) {
				t.Fatalf("suggested %q twice", g)
			}
			seen[g] = true
		}
		if slices.Contains(names, typed) && (len(got) == 0 || got[0] != typed) {
			t.Fatalf("the exact name %q is not the first suggestion: %v", typed, got)
		}
		rev := slices.Clone(names)
		slices.Reverse(rev)
		if again := Suggest(typed, rev); !slices.Equal(again, got) {
			t.Fatalf("order-dependent: %v, then %v for the reversed list", got, again)
		}
	})
}

func hasDuplicates(names []string) bool {
	s := slices.Clone(names)
	slices.Sort(s)
	return len(slices.Compact(s)) != len(names)
}
