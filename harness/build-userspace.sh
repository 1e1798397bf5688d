#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-userspace.sh ARCH: build, static and against the kernel's uapi
# headers, the checkpoint selftests, the /init runner and the tools of
# ARCH, and pack them into build/usr/ARCH/initramfs.cpio.gz with the real
# programs of realprog_test (Debian's, and a Go program built here).
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

# The real programs of realprog_test, from Debian (guest-debs.sh):
# busybox, static, in /opt/busybox/bin with the links of the applets the
# test's script runs; python3.11 at its own paths, with its dynamic
# loader, the libraries it links (libc and libm from the cross
# toolchain's glibc, or the host's for x86_64) and only the stdlib
# modules that the probe below loads, which does what the test's programs
# do (import subprocess, a child python with pipes; threading; a web
# server and its client).  The probe runs
# the amd64 python on the host; the modules are compiled there, into
# pycs that the guest does not check against their sources.
"$TOP/harness/guest-debs.sh" "$A" x86_64
case $A in
x86_64) DEBARCH=amd64 TRIPLE=x86_64-linux-gnu ;;
s390x) DEBARCH=s390x TRIPLE=s390x-linux-gnu ;;
ppc64le) DEBARCH=ppc64el TRIPLE=powerpc64le-linux-gnu ;;
arm) DEBARCH=armhf TRIPLE=arm-linux-gnueabihf ;;
esac
LIBC=/usr/$TRIPLE/lib
[ -n "$CROSS" ] || LIBC=/lib/$TRIPLE
DROOT=$BUILD/guest-debs/$DEBARCH/root
HROOT=$BUILD/guest-debs/amd64/root
BB_APPLETS="sh sed tr expr sleep cat echo test ["
PY_PROBE='
import http.client, http.server, socketserver, subprocess, sys, threading, time
child = "import sys\nfor l in iter(sys.stdin.readline, \"\"):\n print(int(l) + 1, flush=True)\n"
p = subprocess.Popen([sys.executable, "-c", child], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
p.stdin.write(b"1\n")
p.stdin.flush()
assert p.stdout.readline() == b"2\n"
time.sleep(0.001)
p.stdin.close()
p.wait()
lib = sys.prefix + "/lib/python3.11/"
for m in list(sys.modules.values()):
    f = getattr(m, "__file__", None) or ""
    if f.startswith(lib):
        print(f[len(lib):])
'
G=$USR/guest
rm -rf "$G"
mkdir -p "$G/opt/busybox/bin" "$G/usr/bin" "$G/lib/$TRIPLE" "$G/usr/lib/python3.11/lib-dynload"
cp "$DROOT/bin/busybox" "$G/opt/busybox/bin/"
for a in $BB_APPLETS; do ln -s busybox "$G/opt/busybox/bin/$a"; done
cp "$DROOT/usr/bin/python3.11" "$G/usr/bin/"
ln -s python3.11 "$G/usr/bin/python3"
interp=$(readelf -l "$G/usr/bin/python3.11" | sed -n 's/.*interpreter: \(.*\)]$/\1/p')
[ -n "$interp" ] || die "no interpreter in $DROOT/usr/bin/python3.11"
mkdir -p "$G$(dirname "$interp")"
cp -L "$LIBC/$(basename "$interp")" "$G$interp"
# copy_libs PROG: the libraries that PROG (staged in $G) links, and
# theirs, into $G/lib/$TRIPLE.
copy_libs() {
	local todo=("$G$1") files f n d src
	while [ ${#todo[@]} -gt 0 ]; do
		files=("${todo[@]}")
		todo=()
		for f in "${files[@]}"; do
			for n in $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'); do
				[ "$n" != "$(basename "$interp")" ] && [ ! -e "$G/lib/$TRIPLE/$n" ] || continue
				src=
				for d in "$DROOT/lib/$TRIPLE" "$DROOT/usr/lib/$TRIPLE" "$LIBC"; do
					[ -e "$d/$n" ] && src=$d/$n && break
				done
				[ -n "$src" ] || die "$1 of $A: no library $n"
				cp -L "$src" "$G/lib/$TRIPLE/$n"
				todo+=("$G/lib/$TRIPLE/$n")
			done
		done
	done
}
copy_libs /usr/bin/python3.11
# CRIU, which the benchmark compares with (its initramfs only, x86_64),
# with the same dynamic loader (its PT_INTERP is python's).
if [ "${KVARIANT:-}" = bench ] && [ -e "$DROOT/usr/sbin/criu" ]; then
	mkdir -p "$G/usr/sbin"
	cp "$DROOT/usr/sbin/criu" "$G/usr/sbin/"
	[ "$(readelf -l "$G/usr/sbin/criu" | sed -n 's/.*interpreter: \(.*\)]$/\1/p')" = "$interp" ] ||
		die "criu of $A: another dynamic loader than $interp"
	copy_libs /usr/sbin/criu
fi
# Only the modules in python: an optional extension (_ssl, _bz2) the
# guest lacks is an ImportError its importer expects.
mods=$(LD_LIBRARY_PATH="$HROOT/lib/x86_64-linux-gnu" "$HROOT/usr/bin/python3.11" -I -c "$PY_PROBE" |
       grep '\.py$' | sort -u)
grep -qx os.py <<< "$mods" || die "the python probe found no stdlib module"
for m in $mods; do
	mkdir -p "$(dirname "$G/usr/lib/python3.11/$m")"
	cp -L "$DROOT/usr/lib/python3.11/$m" "$G/usr/lib/python3.11/$m"
done
(cd "$G/usr/lib/python3.11" &&
 LD_LIBRARY_PATH="$HROOT/lib/x86_64-linux-gnu" "$HROOT/usr/bin/python3.11" -I -c '
import py_compile, sys
for m in sys.argv[1:]:
    py_compile.compile(m, dfile="/usr/lib/python3.11/" + m, doraise=True,
                       invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
' $mods)

# The Go program of realprog_test: powser1.go of the Go distribution's
# own test suite (golang-1.19-src, copied unchanged), McIlroy's power
# series as goroutines that pass rationals through channels, whose
# output (with an argument) is its series.  Static (CGO_ENABLED=0), for
# GOARCH, into /opt/go/bin.  Go's build cache and GOPATH are under
# build/, and neither $HOME nor its go/env counts (GOENV=off); nothing is
# fetched (GOPROXY=off: it imports only the standard library).  The
# binary is kept in $USR/go and built again only when missing or when its
# source, the Go release or the target changed (the stamp beside it).
export GOENV=off GOCACHE=$BUILD/gocache GOPATH=$BUILD/gopath GOPROXY=off \
	GOFLAGS=-trimpath CGO_ENABLED=0 GOOS=linux GOARM=7
case $A in
x86_64) export GOARCH=amd64 ;;
s390x) export GOARCH=s390x ;;
ppc64le) export GOARCH=ppc64le ;;
arm) export GOARCH=arm ;;
esac
GO_SRC=$(go env GOROOT)/test/chan/powser1.go
[ -f "$GO_SRC" ] || die "no $GO_SRC: install golang-go (harness/deps.sh)"
GO_BIN=$USR/go/powser1
gsum=$( (go version; echo "$GOARCH $GOARM"; cat "$GO_SRC") | sha1sum | cut -d' ' -f1)
if [ ! -x "$GO_BIN" ] || [ "$(cat "$GO_BIN.stamp" 2>/dev/null)" != "$gsum" ]; then
	echo "  GO      $A $(basename "$GO_SRC")"
	rm -f "$GO_BIN.stamp"
	mkdir -p "$USR/go/src"
	cp "$GO_SRC" "$USR/go/src/"
	(cd "$USR/go/src" && go build -o "$GO_BIN" powser1.go)
	echo "$gsum" > "$GO_BIN.stamp"
fi
mkdir -p "$G/opt/go/bin"
cp "$GO_BIN" "$G/opt/go/bin/"

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
	# The real programs, as staged in $G.
	(cd "$G" && find . -mindepth 1 | LC_ALL=C sort) | while read -r p; do
		if [ -L "$G/$p" ]; then
			echo "slink ${p#.} $(readlink "$G/$p") 0777 0 0"
		elif [ -d "$G/$p" ]; then
			echo "dir ${p#.} 0755 0 0"
		else
			echo "file ${p#.} $G/${p#./} $(stat -c %a "$G/$p") 0 0"
		fi
	done
} > "$USR/initramfs.list"
"$OUT/usr/gen_init_cpio" "$USR/initramfs.list" | gzip -1 > "$USR/initramfs.cpio.gz"
