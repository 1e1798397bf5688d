#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# boot.sh ARCH MODE [VARIANT]: boot the kernel and initramfs of ARCH under
# QEMU with /init in MODE ("test" or "demo"), the console going to stdout
# and to build/logs/ARCH-MODE.log, on the machine of VARIANT if given.  A guest that does not power off within
# GUEST_TIMEOUT seconds is killed, and boot.sh fails.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
arch_setup "${1:?usage: boot.sh ARCH MODE [VARIANT]}"
MODE=${2:-test}
# VARIANT: one of the arch's TEST_VARIANTS, another machine.
VARIANT=${3:-}
if [ -n "$VARIANT" ]; then
	v="QEMU_ARGS_$VARIANT"
	[ -n "${!v:-}" ] || die "no test variant '$VARIANT' for $A"
	QEMU_ARGS=${!v}
fi
GUEST_TIMEOUT=${GUEST_TIMEOUT:-900}

mkdir -p "$BUILD/logs"
LOG=${BOOT_LOG:-$BUILD/logs/$A-$MODE.log}
[ -f "$OUT/$KIMAGE" ] || die "no kernel $OUT/$KIMAGE"
INITRD=${INITRD:-$USR/initramfs.cpio.gz}
[ -f "$INITRD" ] || die "no $INITRD"

# The demo's output should not be interleaved with kernel messages.
extra= mem=
[ "$MODE" = demo ] && extra=quiet
# The benchmark's images and processes need room: its CRIU part holds a
# process of 1 GiB and its image in a tmpfs, then the image and the
# restored process, with criu and the page cache besides.
[ "$MODE" = bench ] && extra="quiet${BENCH_PARTS:+ ckpt.bench=$BENCH_PARTS}" mem="-m 3072"
# The benchmark's clock: under TCG the guest's TSC runs at the host's
# rate, but the kernel (without ACPI: no HPET or PM timer reference) can
# fail to calibrate it against the PIT on a busy host, or take it for
# unstable later, and fall back to refined-jiffies: every time measured
# would be a multiple of 4 ms.  Give it the host's TSC rate, and no
# watchdog.  (The benchmark prints the clock it got.)
if [ "$MODE" = bench ] && [ "$A" = x86_64 ]; then
	khz=$( { dmesg 2>/dev/null | sed -n 's/.*tsc: Detected \([0-9]*\)\.\([0-9]*\) MHz.*/\1\2/p'
		 grep -m1 '^cpu MHz' /proc/cpuinfo | sed 's/.*: *\([0-9]*\)\.\([0-9]*\).*/\1\2/'; } |
	       grep -m1 -x '[0-9][0-9]*' || true)
	# MHz with 3 decimals is kHz.
	[ -n "$khz" ] && extra="$extra tsc_early_khz=$khz tsc=reliable"
fi
# The fuzzer's round: ckpt.fuzz_count=N and friends (run-fuzz.sh).
[ "$MODE" = fuzz ] && extra=${FUZZ_CMDLINE:-}

set +e
timeout -k 10 "$GUEST_TIMEOUT" $QEMU $QEMU_ARGS $mem -nographic -no-reboot \
	-kernel "$OUT/$KIMAGE" -initrd "$INITRD" \
	-append "console=$KCONSOLE panic=-1 ckpt.mode=$MODE $extra" </dev/null 2>&1 |
	stdbuf -oL tr -d '\r' | tee "$LOG"
rc=${PIPESTATUS[0]}
set -e
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	echo "boot.sh: $A guest killed after ${GUEST_TIMEOUT}s" | tee -a "$LOG"
	exit 1
fi
exit 0
