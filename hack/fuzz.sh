#!/usr/bin/env bash
# Runs every `func FuzzXxx` of the module for DURATION each (default 5s; `make fuzz` uses 60s).
# The seed corpus always runs as part of `go test`; this explores beyond it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
duration=${1:-5s}
found=0
for pkg in $(go list ./... | grep -v /test/e2e); do
	for fn in $(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
		found=$((found + 1))
		echo "fuzz: $pkg $fn ($duration)"
		go test -run '^$' -fuzz "^${fn}\$" -fuzztime "$duration" "$pkg" >/tmp/oc-cnv-fuzz.log 2>&1 || { cat /tmp/oc-cnv-fuzz.log; exit 1; }
	done
done
echo "fuzz: $found target(s) ran for $duration each"
