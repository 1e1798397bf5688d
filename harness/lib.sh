# SPDX-License-Identifier: GPL-2.0
# Shared settings of the build and test scripts; sourced, not run.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$TOP/build
SRC=$BUILD/linux
ARCHES="x86_64 s390x ppc64le arm"
JOBS=$(( $(nproc) + 1 ))
# Directories of the repo that are new files at their kernel paths.
OVERLAY_DIRS="checkpoint include arch tools Documentation"

export CCACHE_DIR=${CCACHE_DIR:-${HOME:-/root}/.cache/ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
# Paths below the checkout are hashed relative to it, so that another
# clone (CI's) hits the cache of this one.
export CCACHE_BASEDIR=$TOP CCACHE_NOHASHDIR=true

die() { echo "error: $*" >&2; exit 1; }

# arch_setup ARCH: sets KARCH, CROSS, KIMAGE, QEMU, QEMU_ARGS and KCONSOLE
# for ARCH, and the output directories OUT (kernel) and USR (user space).
# TEST_VARIANTS names the other machines the tests run on once more, each
# NAME with its QEMU_ARGS_NAME.
arch_setup() {
	A=$1
	TEST_VARIANTS=
	# Every guest has two CPUs, emulated by one host thread each
	# (CKPT_ACCEL: another accelerator, e.g. "-accel kvm" for make fuzz).
	SMP="-smp 2 ${CKPT_ACCEL:--accel tcg,thread=multi}"
	case $A in
	x86_64)
		KARCH=x86_64 CROSS= KIMAGE=arch/x86/boot/bzImage
		QEMU=qemu-system-x86_64
		QEMU_ARGS="-M pc -cpu max -m 512 $SMP" KCONSOLE=ttyS0
		;;
	s390x)
		KARCH=s390 CROSS=s390x-linux-gnu- KIMAGE=arch/s390/boot/bzImage
		QEMU=qemu-system-s390x
		QEMU_ARGS="-M s390-ccw-virtio -cpu max -m 512 $SMP" KCONSOLE=ttysclp0
		# The tests once more on a machine without the vector facility.
		TEST_VARIANTS=novx
		QEMU_ARGS_novx="-M s390-ccw-virtio -cpu max,vx=off,vxeh=off,vxeh2=off -m 512 $SMP"
		;;
	ppc64le)
		KARCH=powerpc CROSS=powerpc64le-linux-gnu- KIMAGE=vmlinux
		QEMU=qemu-system-ppc64
		QEMU_ARGS="-M pseries -cpu power9 -m 1G $SMP" KCONSOLE=hvc0
		;;
	arm)
		KARCH=arm CROSS=arm-linux-gnueabihf- KIMAGE=arch/arm/boot/zImage
		QEMU=qemu-system-arm
		QEMU_ARGS="-M virt -cpu cortex-a15 -m 512 $SMP" KCONSOLE=ttyAMA0
		;;
	*)
		die "unknown ARCH '$A' (one of: $ARCHES)"
		;;
	esac
	# KVARIANT=bench: the kernel of `make bench`, without the debug checks.
	OUT=$BUILD/out/$A${KVARIANT:+-$KVARIANT}
	# CKPT_USR_DIR: another place for the user space (a second worker).
	USR=${CKPT_USR_DIR:-$BUILD/usr}/$A
	UCC=${CROSS}gcc
	[ -n "$CROSS" ] || UCC=gcc
}

kmake() {
	make -C "$SRC" O="$OUT" ARCH="$KARCH" CROSS_COMPILE="$CROSS" \
		CC="ccache ${CROSS}gcc" KBUILD_BUILD_TIMESTAMP="2026-01-01" \
		KBUILD_BUILD_USER=ckpt KBUILD_BUILD_HOST=ckpt "$@"
}

# kernel_reports LOG: the lines of a console log that report a kernel
# problem (oops, BUG, WARNING, KASAN, lockdep, hung task, kmemleak), with
# their line numbers.  Left out: the kernel's note of a user-space fault
# ("traps: prog[pid] general protection fault ip:..."), and the base64
# lines of fuzz images.
kernel_reports() {
	local bad='cut here|WARNING:|BUG:|Oops|Kernel panic|kernel BUG|UBSAN:|KASAN:|possible recursive locking|possible circular locking|inconsistent lock state|INFO: possible|INFO: task|Call Trace:|Unable to handle kernel|general protection fault|unreferenced object'
	grep -nE "$bad" "$1" | grep -vE '^[0-9]+:(.*traps: .*general protection fault ip:|CKPT-FUZZ-IMAGE )' || true
}

# In the scripts that stop at the first error, say where.
case $- in
*e*) trap 'echo "$(basename "$0"): failed at line $LINENO: $BASH_COMMAND" >&2' ERR ;;
esac

# guest_program MODE FIRST END: boot x86_64 in MODE and print its console
# from the line starting with FIRST to the line END (excluded); fails if
# END is missing.  The firmware's escape sequences may precede FIRST.
guest_program() {
	local log=$BUILD/logs/x86_64-$1.log
	"$TOP/harness/boot.sh" x86_64 "$1" > /dev/null
	grep -q "^$3" "$log" || die "the $1 did not finish: see $log"
	sed -n "s/^.*\($2\)/\1/; /^$2/,/^$3/p" "$log" | sed "/^$3/d"
}
