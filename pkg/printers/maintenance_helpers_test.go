package printers

import (
	"time"

	"github.com/oc-cnv/oc-cnv/pkg/maintenance/maintenancetest"
)

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// The shared fixtures (maintenancetest), under the short names the tests use.
var (
	strategy = maintenancetest.Strategy
	testVMI  = maintenancetest.VMI
)
