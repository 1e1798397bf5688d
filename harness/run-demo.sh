#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-demo.sh: boot the x86_64 guest in demo mode and print the demo's
# output; fails if the demo did not run to its end.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$TOP/harness/boot.sh" x86_64 demo > /dev/null
LOG=$BUILD/logs/x86_64-demo.log
grep -q '^CKPT-DEMO-END' "$LOG" || die "the demo did not finish: see $LOG"
# The firmware's escape sequences may precede the first line on the console.
sed -n 's/^.*\(== checkpoint(2)\)/\1/; /^== checkpoint(2)/,/^CKPT-DEMO-END/p' "$LOG" |
	sed '/^CKPT-DEMO-END/d'
