#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# guest-debs.sh [ARCH...]: fetch from Debian the real programs that the
# guests run under checkpoint/restart (realprog_test): the static busybox
# and the python3.11 interpreter with its standard library and the
# libraries it links (but libc,
# which comes from the cross toolchains), for every ARCH (default: all
# four), and unpack them into build/guest-debs/DEBARCH/root.  A no-op for
# an ARCH already unpacked.  For amd64 also CRIU (criu, the libraries
# /usr/sbin/criu links), which the benchmark compares with: the only
# architecture of ours that `make bench` runs on (and armhf has no criu
# package in bookworm).
#
# apt runs with a state of its own under build/guest-debs/apt (its lists,
# its cache, an empty dpkg status, the foreign architectures): the host's
# apt configuration and dpkg database are not changed, and no root is
# needed.  GUEST_DEB_MIRROR: another Debian mirror.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PKGS="busybox-static python3.11-minimal libpython3.11-minimal libpython3.11-stdlib libexpat1 zlib1g"
# /usr/sbin/criu and its shared libraries but libc (the closure of its
# DT_NEEDED: gnutls, nftables, libnl, libnet, protobuf-c and theirs).
CRIU_PKGS="criu libbsd0 libmd0 libgnutls30 libp11-kit0 libidn2-0 libunistring2 libtasn1-6
	   libnettle8 libhogweed6 libgmp10 libffi8 libnftables1 libnftnl11 libmnl0 libxtables12
	   libjansson4 libnl-3-200 libnet1 libprotobuf-c1"
MIRROR=${GUEST_DEB_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
D=$BUILD/guest-debs

# The packages of Debian architecture $1.
pkgs() {
	if [ "$1" = amd64 ]; then echo $PKGS $CRIU_PKGS; else echo $PKGS; fi
}

debarch() {
	case $1 in
	x86_64) echo amd64 ;;
	s390x) echo s390x ;;
	ppc64le) echo ppc64el ;;
	arm) echo armhf ;;
	*) die "unknown ARCH '$1' (one of: $ARCHES)" ;;
	esac
}

todo=
for a in ${*:-$ARCHES}; do
	d=$(debarch "$a")
	[ "$(cat "$D/$d/root/.pkgs" 2>/dev/null)" = "$(pkgs "$d")" ] || todo="$todo $d"
done
[ -n "$todo" ] || exit 0

[ -r "$KEYRING" ] || die "no $KEYRING (package debian-archive-keyring)"
mkdir -p "$D/apt/lists/partial" "$D/apt/cache/archives/partial" "$D/apt/parts"
# One fetch at a time (two builds of user space at once).
exec 9> "$D/.lock"
flock 9
: > "$D/apt/status"
echo "deb [signed-by=$KEYRING] $MIRROR $SUITE main" > "$D/apt/sources.list"
# Only the Packages indexes of main: no translations, no contents.
APT=(apt-get -q -o "Dir::State=$D/apt" -o "Dir::State::Lists=$D/apt/lists"
     -o "Dir::State::status=$D/apt/status" -o "Dir::Cache=$D/apt/cache"
     -o "Dir::Etc::SourceList=$D/apt/sources.list" -o "Dir::Etc::SourceParts=$D/apt/parts"
     -o "Dir::Etc::Preferences=$D/apt/parts/none" -o "Dir::Etc::PreferencesParts=$D/apt/parts"
     -o "APT::Architecture=amd64" -o "APT::Architectures=amd64,armhf,s390x,ppc64el"
     -o "Acquire::Languages=none" -o "APT::Sandbox::User=$(id -un)"
     -o "Debug::NoLocking=true")

updated=false
update() {
	echo "  APT     update ($MIRROR $SUITE, main)"
	"${APT[@]}" update > "$D/apt/update.log" 2>&1 ||
		{ cat "$D/apt/update.log" >&2; die "apt-get update of the guest packages failed"; }
	updated=true
}

# The lists are fetched once; again only if a package they name is gone
# from the mirror (a point release replaced it).
ls "$D/apt/lists/"*_Packages* > /dev/null 2>&1 || update
for d in $todo; do
	[ "$(cat "$D/$d/root/.pkgs" 2>/dev/null)" != "$(pkgs "$d")" ] || continue
	echo "  DEB     $d: $(pkgs "$d")"
	rm -rf "$D/$d"
	mkdir -p "$D/$d/debs" "$D/$d/root"
	until (cd "$D/$d/debs" && "${APT[@]}" download $(printf "%s:$d " $(pkgs "$d"))) \
		> "$D/$d/download.log" 2>&1; do
		if $updated; then
			cat "$D/$d/download.log" >&2
			die "apt-get download for $d failed"
		fi
		update
	done
	for f in "$D/$d/debs"/*.deb; do
		dpkg-deb -x "$f" "$D/$d/root"
	done
	pkgs "$d" > "$D/$d/root/.pkgs"
done
