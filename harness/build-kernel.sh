#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-kernel.sh ARCH: configure (tinyconfig + fragments, only when a
# fragment changed) and build the kernel of ARCH under build/out/ARCH,
# build the checkpoint code again with W=1 -Werror, and install the uapi
# headers for the test programs.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
arch_setup "${1:?usage: build-kernel.sh ARCH}"

"$TOP/harness/prepare-tree.sh"
mkdir -p "$OUT"
start=$(date +%s)

frags="$TOP/harness/configs/common.config $TOP/harness/configs/$A${KVARIANT:+-$KVARIANT}.config
       $TOP/tools/testing/selftests/checkpoint/config"
want=$(cat $frags | sha1sum | cut -d' ' -f1)
if [ ! -f "$OUT/.config" ] || [ "$(cat "$OUT/.ckpt-config" 2>/dev/null)" != "$want" ]; then
	echo "  CONFIG  $A"
	kmake -s tinyconfig
	(cd "$SRC" && scripts/kconfig/merge_config.sh -m -O "$OUT" "$OUT/.config" $frags) >/dev/null
	kmake -s olddefconfig
	# Every option asked for must have survived its dependencies.
	missing=$(cat $frags | grep -E '^CONFIG_[A-Z0-9_]+=' | while read -r l; do
		grep -qxF "$l" "$OUT/.config" || echo "$l"; done)
	[ -z "$missing" ] || die "$A: options not set in .config: $missing"
	echo "$want" > "$OUT/.ckpt-config"
fi

echo "  MAKE    $A kernel"
kmake -s -j"$JOBS"
# The subsystem's own code must be clean at W=1.
objs="checkpoint/ arch/$( [ "$KARCH" = x86_64 ] && echo x86 || echo "$KARCH")/kernel/checkpoint.o"
kmake -s -j"$JOBS" W=1 KCFLAGS=-Werror $objs
kmake -s -j"$JOBS"
kmake -s headers
[ -f "$OUT/$KIMAGE" ] || die "$A: no $KIMAGE"
echo "  KERNEL  $A: $KIMAGE built in $(( $(date +%s) - start ))s"
