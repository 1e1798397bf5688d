#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-tests.sh ARCH: boot ARCH's test guest, print its TAP results and
# write build/logs/ARCH.result ("pass fail skip").  A boot failure, a
# timeout, a missing summary or a kernel oops/BUG/WARNING/KASAN/lockdep
# report in the console log each count as a failure.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
arch_setup "${1:?usage: run-tests.sh ARCH}"

LOG=$BUILD/logs/$A-test.log
RES=$BUILD/logs/$A.result
mkdir -p "$BUILD/logs"
echo "0 1 0" > "$RES"
start=$(date +%s)
"$TOP/harness/boot.sh" "$A" test > /dev/null || true
secs=$(( $(date +%s) - start ))

# The TAP lines of the tests, and their per-program summaries.
grep -E '^(not ok |ok |CKPT-RESULT |init: )' "$LOG" | sed "s/^/  $A: /" || true

fail=0
summary=$(grep -E '^CKPT-SUMMARY ' "$LOG" | tail -n1 || true)
if [ -z "$summary" ]; then
	echo "  $A: FAIL: no test summary in the console log ($LOG)"
	tail -n 20 "$LOG" | sed "s/^/  $A| /"
	pass=0 skip=0 fail=1
else
	pass=$(sed -n 's/.*pass=\([0-9]*\).*/\1/p' <<< "$summary")
	fail=$(sed -n 's/.*fail=\([0-9]*\).*/\1/p' <<< "$summary")
	skip=$(sed -n 's/.*skip=\([0-9]*\).*/\1/p' <<< "$summary")
fi

# Kernel problems anywhere in the console log fail the run.
bad='cut here|WARNING:|BUG:|Oops|Kernel panic|kernel BUG|UBSAN:|KASAN:|possible recursive locking|possible circular locking|inconsistent lock state|INFO: possible|INFO: task|Call Trace:|Unable to handle kernel|general protection fault'
if grep -qE "$bad" "$LOG"; then
	echo "  $A: FAIL: kernel report in the console log ($LOG):"
	grep -nE "$bad" "$LOG" | head -n 10 | sed "s/^/  $A| /"
	fail=$((fail + 1))
fi

echo "$pass $fail $skip" > "$RES"
echo "  $A: pass=$pass fail=$fail skip=$skip, guest ran ${secs}s"
[ "$fail" = 0 ]
