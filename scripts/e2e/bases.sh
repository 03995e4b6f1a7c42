#!/usr/bin/env bash
# bases.sh makes the base images the fixtures build on, as OCI image
# layouts, with the running buildkitd ($BUILDKIT_HOST) and buildctl
# ($BUILDCTL). No image registry is reachable: every base is built here
# from the debootstrap'd root filesystem ($ROOTFS) and Debian's packages.
#
# Output: $CACHE/bases/KEY/NAME/ (one OCI layout per base) and
# $CACHE/bases/KEY/bases.txt, one line per image name:
#   IMAGE-NAME oci-layout://LAYOUT-DIR@sha256:DIGEST
# KEY hashes everything the bases are made of; a finished set is reused.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

: "${BUILDKIT_HOST:?}" "${BUILDCTL:?}" "${ROOTFS:?}"
recipes=$REPO/scripts/e2e/bases
goversion=$(go env GOVERSION)          # go1.26.8
gominor=$(echo "$goversion" | sed -n 's/^go\([0-9]*\.[0-9]*\).*/\1/p')
goroot=$(go env GOROOT)
goproxy=$(go env GOPROXY)

key=$( { cat "$recipes"/* "$0"; stat -c %Y "$ROOTFS.done"; echo "$goversion $goproxy $(buildkit_version)"; } | sha256sum | cut -c1-16)
out=$CACHE/bases/$key
if [ -f "$out/bases.txt" ]; then
	log "bases: cached in $out"
	echo "$out/bases.txt"
	exit 0
fi
rm -rf "$CACHE/bases"   # older sets
mkdir -p "$out"
list=$out/bases.txt.tmp
: >"$list"

# build NAME RECIPE CONTEXT [buildctl args...] exports RECIPE as the OCI
# layout $out/NAME and prints its manifest digest.
build() {
	local name=$1 recipe=$2 ctx=$3
	shift 3
	local t0
	t0=$(now)
	rm -rf "$out/$name"
	if ! "$BUILDCTL" build --progress=plain \
		--frontend dockerfile.v0 \
		--local context="$ctx" --local dockerfile="$recipes" \
		--opt filename="$recipe" \
		--output "type=oci,dest=$out/$name,tar=false,compression=uncompressed" \
		"$@" >"$out/$name.log" 2>&1; then
		tail -n 40 "$out/$name.log" >&2
		die "bases: building $name failed (log: $out/$name.log)"
	fi
	local digest
	digest=$(grep -o '"digest":"sha256:[0-9a-f]*"' "$out/$name/index.json" | head -n 1 | cut -d'"' -f4)
	[ -n "$digest" ] || die "bases: no manifest in $out/$name/index.json"
	log "bases: $name built in $(since "$t0") s"
	echo "$digest"
}

# ctxopts NAME... prints the buildctl options that map the given bases'
# image names to their layouts.
ctxopts() {
	local n
	for n in "$@"; do
		local img=${n%%=*} id=${n#*=}
		echo "--oci-layout"
		echo "$id=$out/$id"
		echo "--opt"
		echo "context:$img=oci-layout://$id@$(cat "$out/$id.digest")"
	done
}

t0=$(now)
build debian debian.Dockerfile "$ROOTFS" >"$out/debian.digest"
build debian-slim debian-slim.Dockerfile "$ROOTFS" >"$out/debian-slim.digest"

mapfile -t full < <(ctxopts debian:bookworm=debian)
mapfile -t slim < <(ctxopts debian:bookworm-slim=debian-slim)
# The derived bases are independent: build them side by side (most of
# their time is spent downloading packages).
build node node.Dockerfile "$recipes" "${full[@]}" >"$out/node.digest" &
p1=$!
build node-slim node.Dockerfile "$recipes" "${slim[@]}" --opt build-arg:BASE=debian:bookworm-slim >"$out/node-slim.digest" &
p2=$!
build python python.Dockerfile "$recipes" "${full[@]}" >"$out/python.digest" &
p3=$!
build golang golang.Dockerfile "$recipes" "${full[@]}" \
	--local goroot="$goroot" --opt context:goroot=local:goroot \
	--opt build-arg:GOPROXY="$goproxy" >"$out/golang.digest" &
p4=$!
fail=0
for p in $p1 $p2 $p3 $p4; do wait "$p" || fail=1; done
[ $fail = 0 ] || die "bases: a base failed to build"

# Image names the fixtures (and the multi-stage rewrites of them) use.
line() { echo "$1 oci-layout://$out/$2@$(cat "$out/$2.digest")" >>"$list"; }
line debian:bookworm debian
line debian:12 debian
line debian:bookworm-slim debian-slim
line debian:12-slim debian-slim
for tag in 18 18-bookworm; do line "node:$tag" node; done
for tag in 18-slim 18-bookworm-slim; do line "node:$tag" node-slim; done
for tag in 3.11 3.11-bookworm; do line "python:$tag" python; done
for tag in "$gominor" "$gominor-bookworm" 1 1-bookworm; do line "golang:$tag" golang; done
mv "$list" "$out/bases.txt"
log "bases: made in $(since "$t0") s"
echo "$out/bases.txt"
