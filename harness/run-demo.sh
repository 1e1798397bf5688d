#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-demo.sh: boot the x86_64 guest in demo mode and print the demo's
# output; fails if the demo did not run to its end.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

guest_program demo "== checkpoint(2)" CKPT-DEMO-END
