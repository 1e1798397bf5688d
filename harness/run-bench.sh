#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-bench.sh: boot the x86_64 guest in benchmark mode (the kernel of
# KVARIANT=bench) and print the figures of /bin/ckpt-bench; fails if the
# benchmark did not finish.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

guest_program bench "== checkpoint\/restart benchmark" CKPT-BENCH-END
