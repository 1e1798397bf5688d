#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-userspace.sh ARCH: build, static and against the kernel's uapi
# headers, the checkpoint selftests, the /init runner and the tools of
# ARCH, and pack them into build/usr/ARCH/initramfs.cpio.gz.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
arch_setup "${1:?usage: build-userspace.sh ARCH}"

[ -d "$OUT/usr/include/linux" ] || die "no uapi headers in $OUT: run 'make kernel ARCH=$A'"
"$TOP/harness/prepare-tree.sh" --links
mkdir -p "$USR/tests" "$USR/bin"
HDR="-isystem $OUT/usr/include"

# The tests' make does not know the uapi headers: a change of them
# rebuilds every test.
hsum=$(cat "$OUT"/usr/include/linux/checkpoint*.h "$OUT"/usr/include/asm/checkpoint*.h \
	2>/dev/null | sha1sum | cut -d' ' -f1)
if [ "$(cat "$USR/tests/.uapi" 2>/dev/null)" != "$hsum" ]; then
	rm -f "$USR"/tests/*_test
	echo "$hsum" > "$USR/tests/.uapi"
fi

echo "  CC      $A selftests"
LDFLAGS=-static make -s -C "$SRC/tools/testing/selftests/checkpoint" \
	ARCH="$KARCH" CROSS_COMPILE="$CROSS" CC="$UCC" OUTPUT="$USR/tests" \
	KHDR_INCLUDES="$HDR"
echo "  CC      $A init and tools"
$UCC -static -O2 -Wall -Wextra -Werror -o "$USR/init" "$TOP/harness/init.c"
for t in "$TOP"/tools/checkpoint/*.c; do
	[ -e "$t" ] || continue
	$UCC -static -O2 -Wall -Wextra -Werror $HDR -o "$USR/bin/$(basename "$t" .c)" "$t"
done
for p in demo bench; do
	$UCC -static -O2 -Wall -Wextra -Werror $HDR -o "$USR/bin/ckpt-$p" "$TOP/harness/$p.c"
done

# The order tests run in: the selftests' Makefile order.
tests=$(sed -n 's/^TEST_GEN_PROGS *:= *//p' "$TOP/tools/testing/selftests/checkpoint/Makefile")
printf '%s\n' $tests > "$USR/tests/list"

{
	echo "dir /dev 0755 0 0"
	echo "nod /dev/console 0600 0 0 c 5 1"
	echo "dir /proc 0755 0 0"
	echo "dir /sys 0755 0 0"
	echo "dir /tmp 1777 0 0"
	echo "dir /bin 0755 0 0"
	echo "dir /tests 0755 0 0"
	echo "file /init $USR/init 0755 0 0"
	echo "file /tests/list $USR/tests/list 0644 0 0"
	for t in $tests; do echo "file /tests/$t $USR/tests/$t 0755 0 0"; done
	# The fuzzer's corpus: images that once broke a rule (fuzz_test).
	echo "dir /tests/fuzz-corpus 0755 0 0"
	for i in "$TOP/tools/testing/selftests/checkpoint/fuzz-corpus/$A"/*.img; do
		[ -e "$i" ] || continue
		echo "file /tests/fuzz-corpus/$(basename "$i") $i 0644 0 0"
	done
	for b in "$USR"/bin/*; do echo "file /bin/$(basename "$b") $b 0755 0 0"; done
} > "$USR/initramfs.list"
"$OUT/usr/gen_init_cpio" "$USR/initramfs.list" | gzip -1 > "$USR/initramfs.cpio.gz"
