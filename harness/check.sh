#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh [ARCH...]: build and test every arch (default: all four), print
# each arch's results and times, and end with "N passed, N failed".
set -uo pipefail
. "$(dirname "$0")/lib.sh"

arches=${*:-$ARCHES}
total_pass=0 total_fail=0 total_skip=0
table=
t0=$(date +%s)
for a in $arches; do
	echo "== $a"
	s=$(date +%s)
	if "$TOP/harness/build-kernel.sh" "$a" && "$TOP/harness/build-userspace.sh" "$a"; then
		b=$(( $(date +%s) - s ))
		"$TOP/harness/run-tests.sh" "$a"
		read -r p f k < "$BUILD/logs/$a.result"
	else
		b=$(( $(date +%s) - s ))
		echo "  $a: FAIL: build failed"
		p=0 f=1 k=0
	fi
	t=$(( $(date +%s) - s - b ))
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	total_skip=$((total_skip + k))
	table="$table$(printf '%-8s pass %3d  fail %3d  skip %3d  build %4ds  tests %4ds' "$a" "$p" "$f" "$k" "$b" "$t")\n"
done

echo
echo "== summary (wall time $(( $(date +%s) - t0 ))s)"
printf "%b" "$table"
line="$total_pass passed, $total_fail failed"
[ "$total_skip" = 0 ] || line="$line, $total_skip skipped"
echo "$line"
[ "$total_fail" = 0 ]
