#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Assemble the kernel tree under build/linux: extract the Debian
# linux-source-6.12 tarball once, apply patches/ (re-applied only when the
# series changes) and symlink every overlay file to its kernel path, so
# that editing a file of the repo is seen by an incremental make.
# With --links, only the symlinks are updated (the tree must exist).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

TARBALL=$(ls /usr/src/linux-source-6.12.tar.* 2>/dev/null | head -n1)
[ -n "$TARBALL" ] || die "no /usr/src/linux-source-6.12.tar.*: run 'make deps'"
mkdir -p "$BUILD"

if [ ! -f "$SRC/.ckpt-extracted" ]; then
	echo "  EXTRACT $TARBALL"
	rm -rf "$SRC" "$BUILD/linux-source-6.12" "$BUILD/applied"
	tar -C "$BUILD" -xf "$TARBALL"
	mv "$BUILD/linux-source-6.12" "$SRC"
	touch "$SRC/.ckpt-extracted"
fi

links_only=false
[ "${1:-}" = --links ] && links_only=true

# The patch series: undo the applied copy if the series changed.
if $links_only; then
	want=$(cat "$BUILD/applied/.sha" 2>/dev/null) || die "no patched tree: run 'make tree'"
else
	want=$(cat "$TOP"/patches/*.patch | sha1sum | cut -d' ' -f1)
fi
have=$(cat "$BUILD/applied/.sha" 2>/dev/null || true)
if [ "$want" != "$have" ]; then
	# Files whose content comes out the same keep their time stamps, so
	# that rewording a patch does not rebuild the kernels.
	save=$BUILD/patch-save
	rm -rf "$save"
	mkdir -p "$save"
	old_series=
	if [ -d "$BUILD/applied" ]; then
		old_series=$(ls "$BUILD"/applied/*.patch 2>/dev/null || true)
	fi
	touched=$(cat $old_series "$TOP"/patches/*.patch | sed -n 's|^+++ b/||p' | sort -u)
	for f in $touched; do
		[ -f "$SRC/$f" ] && mkdir -p "$save/$(dirname "$f")" && cp -p "$SRC/$f" "$save/$f"
	done
	if [ -d "$BUILD/applied" ]; then
		for p in $(ls "$BUILD"/applied/*.patch 2>/dev/null | sort -r); do
			echo "  UNPATCH $(basename "$p")"
			patch -d "$SRC" -p1 -R -s -E --no-backup-if-mismatch < "$p"
		done
	fi
	rm -rf "$BUILD/applied"
	mkdir -p "$BUILD/applied"
	for p in "$TOP"/patches/*.patch; do
		echo "  PATCH   $(basename "$p")"
		patch -d "$SRC" -p1 -s -N --no-backup-if-mismatch < "$p" ||
			die "$(basename "$p") does not apply"
		cp "$p" "$BUILD/applied/"
	done
	for f in $touched; do
		if [ -f "$save/$f" ] && cmp -s "$save/$f" "$SRC/$f"; then
			touch -r "$save/$f" "$SRC/$f"
		fi
	done
	rm -rf "$save"
	echo "$want" > "$BUILD/applied/.sha"
fi

# The overlay: a symlink per file; stale links of removed files go away.
new=$BUILD/overlay.list.new
(cd "$TOP" && for d in $OVERLAY_DIRS; do [ -d "$d" ] && find "$d" -type f; done) |
	sort > "$new"
if [ -f "$BUILD/overlay.list" ]; then
	comm -23 "$BUILD/overlay.list" "$new" | while read -r f; do
		[ -L "$SRC/$f" ] && rm -f "$SRC/$f"
	done
fi
while read -r f; do
	dst=$SRC/$f
	if [ -L "$dst" ]; then
		[ "$(readlink "$dst")" = "$TOP/$f" ] && continue
	elif [ -e "$dst" ]; then
		die "overlay file $f would replace an upstream file: change it with a patch"
	fi
	mkdir -p "$(dirname "$dst")"
	ln -sfn "$TOP/$f" "$dst"
done < "$new"
mv "$new" "$BUILD/overlay.list"
