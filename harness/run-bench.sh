#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-bench.sh: boot the x86_64 guest in benchmark mode (the kernel of
# KVARIANT=bench) and print the figures of /bin/ckpt-bench; fails if the
# benchmark did not finish, or did not end with CKPT-BENCH-OK (a restored
# tree was wrong, or a step failed).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# All its parts, CRIU's included, take 10 to 15 minutes under TCG.
export GUEST_TIMEOUT=${GUEST_TIMEOUT:-1800}
out=$(guest_program bench "== checkpoint\/restart benchmark" CKPT-BENCH-END)
printf '%s\n' "$out" | grep -v '^CKPT-BENCH-OK$' || true
grep -q '^CKPT-BENCH-OK$' <<< "$out" ||
	die "the benchmark failed: see $BUILD/logs/x86_64-bench.log"
