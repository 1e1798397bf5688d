#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-tests.sh ARCH: boot ARCH's test guest, print its TAP results and
# write build/logs/ARCH.result ("pass fail skip").  A boot failure, a
# timeout, a missing summary or a kernel oops/BUG/WARNING/KASAN/lockdep
# report in the console log each count as a failure.  The tests run once
# more on each machine of the arch's TEST_VARIANTS (lib.sh), their
# results added.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
arch_setup "${1:?usage: run-tests.sh ARCH}"

RES=$BUILD/logs/$A.result
mkdir -p "$BUILD/logs"
echo "0 1 0" > "$RES"
total_pass=0 total_fail=0 total_skip=0

# run_guest NAME [VARIANT]: one boot; adds to the totals.
run_guest() {
	local name=$1 variant=${2:-} log start secs summary pass fail skip
	log=$BUILD/logs/$A-test${variant:+-$variant}.log
	start=$(date +%s)
	BOOT_LOG=$log "$TOP/harness/boot.sh" "$A" test $variant > /dev/null || true
	secs=$(( $(date +%s) - start ))

	# The TAP lines of the tests, and their per-program summaries.
	grep -E '^(not ok |ok |CKPT-RESULT |init: )' "$log" | sed "s|^|  $name: |" || true

	summary=$(grep -E '^CKPT-SUMMARY ' "$log" | tail -n1 || true)
	if [ -z "$summary" ]; then
		echo "  $name: FAIL: no test summary in the console log ($log)"
		tail -n 20 "$log" | sed "s/^/  $name| /"
		pass=0 skip=0 fail=1
	else
		pass=$(sed -n 's/.*pass=\([0-9]*\).*/\1/p' <<< "$summary")
		fail=$(sed -n 's/.*fail=\([0-9]*\).*/\1/p' <<< "$summary")
		skip=$(sed -n 's/.*skip=\([0-9]*\).*/\1/p' <<< "$summary")
	fi

	# Kernel problems anywhere in the console log fail the run.
	# (Not the kernel's note of a user-space fault, "traps: prog[pid]
	# general protection fault ip:...", nor the base64 of a fuzz image.)
	if kernel_reports "$log" | grep -q .; then
		echo "  $name: FAIL: kernel report in the console log ($log):"
		kernel_reports "$log" | head -n 10 | sed "s/^/  $name| /"
		fail=$((fail + 1))
	fi
	echo "  $name: pass=$pass fail=$fail skip=$skip, guest ran ${secs}s"
	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
	total_skip=$((total_skip + skip))
}

run_guest "$A"
for v in $TEST_VARIANTS; do
	run_guest "$A/$v" "$v"
done

echo "$total_pass $total_fail $total_skip" > "$RES"
[ "$total_fail" = 0 ]
