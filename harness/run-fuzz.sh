#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-fuzz.sh: boot the x86_64 test guest (KASAN, lockdep, kmemleak) in
# fuzz mode and print what /tests/fuzz_test reports.  The round is set by
#   FUZZ_COUNT    images to try (default 100000), or
#   FUZZ_SECONDS  seconds to run instead (with FUZZ_COUNT too: whichever
#                 ends first),
#   FUZZ_SEED     the random seed (default: from the clock),
#   FUZZ_SWEEP    1 (default): start with the sweep of every field,
#   FUZZ_WORKERS  parallel workers in the guest (default: its CPUs).
# Every image that broke a rule is written to build/fuzz/NAME.img, to be
# kept in tools/testing/selftests/checkpoint/fuzz-corpus/x86_64/.  Fails
# if an image broke a rule, if the kernel reported anything (kmemleak
# included) or if the round did not finish.
# With FUZZ_KVM=1 and a usable /dev/kvm the guest runs under KVM,
# else under TCG as the tests do.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
if [ "${FUZZ_KVM:-0}" = 1 ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	export CKPT_ACCEL="-accel kvm"
fi
arch_setup x86_64

count=${FUZZ_COUNT:-100000}
cmd="ckpt.fuzz_sweep=${FUZZ_SWEEP:-1}"
if [ -n "${FUZZ_SECONDS:-}" ]; then
	cmd="$cmd ckpt.fuzz_seconds=$FUZZ_SECONDS"
	[ -z "${FUZZ_COUNT:-}" ] || cmd="$cmd ckpt.fuzz_count=$FUZZ_COUNT"
else
	cmd="$cmd ckpt.fuzz_count=$count"
fi
[ -z "${FUZZ_SEED:-}" ] || cmd="$cmd ckpt.fuzz_seed=$FUZZ_SEED"
[ -z "${FUZZ_WORKERS:-}" ] || cmd="$cmd ckpt.fuzz_workers=$FUZZ_WORKERS"

log=$BUILD/logs/x86_64-fuzz.log
mkdir -p "$BUILD/fuzz"
start=$(date +%s)
FUZZ_CMDLINE=$cmd GUEST_TIMEOUT=${GUEST_TIMEOUT:-86400} \
	"$TOP/harness/boot.sh" x86_64 fuzz > /dev/null || true
secs=$(( $(date +%s) - start ))

grep -E '^(# fuzz|not ok |ok |kmemleak:|init: |#  RUN|# +[a-z_]+\.c:[0-9]+:)' "$log" |
	grep -v '^# fuzz: image' | sed 's/^/  /' || true

# The images, from their base64 lines.
for name in $(sed -n 's/^CKPT-FUZZ-IMAGE \([^ ]*\) begin .*/\1/p' "$log" | sort -u); do
	awk -v n="$name" '$1 == "CKPT-FUZZ-IMAGE" && $2 == n && NF == 3 && $3 != "end" { print $3 }' \
		"$log" | base64 -d > "$BUILD/fuzz/$name.img"
	echo "  image $name: build/fuzz/$name.img ($(stat -c %s "$BUILD/fuzz/$name.img") bytes):"
	grep -F "# fuzz: image $name " "$log" | head -n 1 | sed 's/^/    /'
done

ok=1
summary=$(grep -E '^CKPT-SUMMARY ' "$log" | tail -n1 || true)
if [ -z "$summary" ]; then
	echo "  FAIL: the round did not finish ($log)"
	ok=0
elif ! grep -q 'fail=0 ' <<< "$summary"; then
	echo "  FAIL: $summary"
	ok=0
fi
if kernel_reports "$log" | grep -q .; then
	echo "  FAIL: kernel report in the console log ($log):"
	kernel_reports "$log" | head -n 10 | sed 's/^/  | /'
	ok=0
fi
echo "  fuzz: guest ran ${secs}s under ${CKPT_ACCEL:-TCG}; $summary"
[ "$ok" = 1 ]
