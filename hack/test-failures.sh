#!/usr/bin/env bash
# Prints, from go test logs, each failing test with the first and last lines of what it
# logged: CI shows only the start and the end of a long run, and a cluster's logs come last, so
# without this the assertion that failed can fall in the part left out.
set -euo pipefail
head_lines=${HEAD_LINES:-4}
tail_lines=${TAIL_LINES:-40}
for log in "$@"; do
	[[ -f $log ]] || continue
	awk -v h="$head_lines" -v t="$tail_lines" '
		function flush(   i, from) {
			if (name == "") return
			print "=== failed: " name
			for (i = 1; i <= n && i <= h; i++) print buf[i]
			from = n - t + 1
			if (from <= h) from = h + 1
			if (from > h + 1) print "    [... " (from - h - 1) " lines ...]"
			for (i = from; i <= n; i++) print buf[i]
			name = ""; n = 0
		}
		/^[[:space:]]*--- FAIL: / { flush(); name = $3; next }
		name != "" && /^([[:space:]]|$)/ && !/^[[:space:]]*--- (PASS|SKIP|FAIL)/ { buf[++n] = $0; next }
		{ flush() }
		END { flush() }
	' "$log"
done
