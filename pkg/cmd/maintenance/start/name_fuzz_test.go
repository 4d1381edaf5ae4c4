package start

import (
	"regexp"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// dns1123Subdomain is the rule for node and object names, restated here independently of the
// library the command uses, so the fuzzer compares two implementations.
var dns1123Subdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

func validName(s string) bool { return len(s) <= 253 && dns1123Subdomain.MatchString(s) }

// Every name start accepts is a valid object name, and every valid one is accepted: a bad
// name must be refused before any request (exit 2), a good one never refused as malformed.
func FuzzStartValidatesNames(f *testing.F) {
	for _, s := range []string{"node-000001", "worker.rack-12.example.com", "Bad_Name", "", "-lead", "trail-", "a..b",
		"x", "ünïcode", "node\n01", "a.b-c.d", string(make([]byte, 254)), "0"} {
		f.Add(s, "nm-"+s)
	}
	f.Fuzz(func(t *testing.T, node, name string) {
		o := NewOptions(nil, genericiooptions.NewTestIOStreamsDiscard())
		o.Nodes = []string{node}
		o.Name = name
		err := o.Validate()
		want := validName(node) && (name == "" || validName(name))
		if want && err != nil {
			t.Fatalf("valid node %q and name %q refused: %v", node, name, err)
		}
		if !want && err == nil {
			t.Fatalf("invalid node %q or name %q accepted", node, name)
		}
	})
}
