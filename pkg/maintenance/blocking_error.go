package maintenance

import (
	"fmt"
	"strings"
)

// BlockingError is returned when the plan has VMs that would block the drain and the user did
// not pass --force. Its text says why and how to fix it.
type BlockingError struct {
	Node     string
	Blocking []VMIImpact
}

func (e *BlockingError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "refusing to start maintenance on node %s: %d VM(s) would block the drain", e.Node, len(e.Blocking))
	for _, v := range e.Blocking {
		why := v.MigratableText()
		if v.NoPlace != "" {
			why = v.NoPlace
		}
		fmt.Fprintf(&b, "\n  %s: evictionStrategy %s but %s", v.Key(), v.StrategyText(), why)
	}
	return b.String()
}

// Hint says how to get the VMs out of the way.
func (e *BlockingError) Hint() string {
	for _, v := range e.Blocking {
		if v.NoPlace != "" {
			return "give the VMs a node to go to (relax the nodeSelector, node affinity or tolerations that pin them, or make a matching node schedulable), " +
				"make the others live-migratable, stop them, or set their evictionStrategy to None; " +
				"or pass --force to start anyway (the drain then waits until they are gone)"
		}
	}
	return "make them live-migratable (e.g. ReadWriteMany storage), stop them, or set their evictionStrategy to LiveMigrateIfPossible or None; " +
		"or pass --force to start anyway (the drain then waits until they are gone)"
}
