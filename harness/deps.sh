#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install with apt-get everything the build and the tests need; a no-op
# when it is all there already (golang-go, Go 1.19 with its test suite in
# golang-1.19-src, builds the Go program of realprog_test).  Then fetch
# the Debian programs that the guests run (guest-debs.sh: into build/,
# without installing them).
set -euo pipefail

PKGS="make gcc libc6-dev linux-source-6.12 xz-utils
      gcc-s390x-linux-gnu libc6-dev-s390x-cross
      gcc-powerpc64le-linux-gnu libc6-dev-ppc64el-cross
      gcc-arm-linux-gnueabihf libc6-dev-armhf-cross
      qemu-system-x86 qemu-system-misc qemu-system-ppc qemu-system-arm
      flex bison bc libelf-dev libssl-dev cpio gzip ccache perl python3 patch
      binutils debian-archive-keyring golang-go"

missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "  APT    $missing"
	SUDO=
	[ "$(id -u)" = 0 ] || SUDO=sudo
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

"$(dirname "$0")/guest-debs.sh"
