#!/usr/bin/env bash
# setup.sh installs what the end-to-end suite needs and caches it:
#   - runc and debootstrap from Debian's packages;
#   - buildkitd and buildctl built from the BuildKit version in go.mod,
#     in $CACHE/buildkit/VERSION/bin;
#   - a minimal Debian bookworm root filesystem (debootstrap minbase) with
#     the machine's apt sources and trusted CA certificates, in
#     $CACHE/rootfs/bookworm.
# Base image layouts are made from it by bases.sh, once buildkitd runs.
# Safe to run again: each step is skipped when its result is cached.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || die "must run as root (buildkitd and debootstrap need it)"
command -v go >/dev/null || die "go not found in PATH"

# --- Debian packages ------------------------------------------------------
missing=()
for p in runc debootstrap; do
	command -v "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- buildkitd and buildctl ----------------------------------------------
version=$(buildkit_version)
bindir=$CACHE/buildkit/$version/bin
if [ -x "$bindir/buildkitd" ] && [ -x "$bindir/buildctl" ]; then
	log "buildkit $version: cached in $bindir"
else
	t0=$(now)
	log "buildkit $version: building buildkitd and buildctl (takes a few minutes)"
	dir=$(go mod download -json "github.com/moby/buildkit@$version" |
		sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
	[ -n "$dir" ] && [ -d "$dir" ] || die "go mod download gave no folder for buildkit $version"
	# The module cache is read-only and BuildKit's go.mod has exclude
	# directives (go install PKG@VERSION refuses it): build in a copy.
	src=$CACHE/buildkit/$version/src
	rm -rf "$src" "$bindir.tmp"
	mkdir -p "$(dirname "$src")" "$bindir.tmp"
	cp -r "$dir" "$src"
	chmod -R u+w "$src"
	(cd "$src" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath \
		-ldflags "-s -w -X github.com/moby/buildkit/version.Version=$version" \
		-o "$bindir.tmp/" ./cmd/buildkitd ./cmd/buildctl)
	rm -rf "$bindir" && mv "$bindir.tmp" "$bindir"
	rm -rf "$src"
	log "buildkit $version: built in $(since "$t0") s"
fi

# --- base root filesystem -------------------------------------------------
rootfs=$CACHE/rootfs/bookworm
if [ -f "$rootfs.done" ]; then
	log "rootfs: cached in $rootfs"
else
	t0=$(now)
	# The Debian mirror the machine's apt sources use.
	mirror=$( { cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null || true; } |
		sed -n -e 's/^URIs:[[:space:]]*\([^[:space:]]*\/debian\/\{0,1\}\)$/\1/p' \
			-e 's/^deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]\{1,\}\)\{0,1\}\([^[:space:]]*\/debian\/\{0,1\}\)[[:space:]].*/\2/p' |
		head -n 1)
	mirror=${mirror:-http://deb.debian.org/debian}
	log "rootfs: debootstrap --variant=minbase bookworm from $mirror"
	rm -rf "$rootfs" "$rootfs.done"
	mkdir -p "$(dirname "$rootfs")"
	debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$CACHE/rootfs/debootstrap.log" 2>&1 ||
		{ tail -n 30 "$CACHE/rootfs/debootstrap.log" >&2; die "debootstrap failed (log: $CACHE/rootfs/debootstrap.log)"; }
	# apt inside builds uses the machine's Debian sources (only those of
	# Debian's own archive: the keyring for any other is not in the base).
	rm -f "$rootfs/etc/apt/sources.list"
	mkdir -p "$rootfs/etc/apt/sources.list.d"
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		grep -q 'debian' "$f" || continue
		grep -Eq 'nodesource|google|docker\.com' "$f" && continue
		cp "$f" "$rootfs/$f"
	done
	# Outbound HTTPS is only trusted with the machine's CA certificates.
	mkdir -p "$rootfs/usr/local/share/ca-certificates" "$rootfs/etc/ssl/certs"
	cp -r /usr/local/share/ca-certificates/. "$rootfs/usr/local/share/ca-certificates/" 2>/dev/null || true
	cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
	# Like the official images: no package lists, caches or device nodes.
	chroot "$rootfs" apt-get clean
	rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/dev/* \
		"$rootfs"/var/log/*.log "$rootfs"/var/log/apt/* "$rootfs"/tmp/* "$rootfs"/var/tmp/*
	touch "$rootfs.done"
	log "rootfs: made in $(since "$t0") s"
fi

echo "BUILDKIT_VERSION=$version"
echo "BUILDKIT_BIN=$bindir"
echo "ROOTFS=$rootfs"
