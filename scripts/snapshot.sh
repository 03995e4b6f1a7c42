#!/usr/bin/env bash
# snapshot.sh OUT — record what dfopt does to every golden input and every
# corpus file (../shared/corpus when present), safe and --unsafe, so that a
# change can be compared with `diff -r OLD NEW`. Each corpus file is read
# from standard input (no build context); goldens run with their flags and
# context, as the golden test does not — this is a record of the CLI only.
set -uo pipefail
out=${1:?usage: snapshot.sh OUT}
repo=$(cd "$(dirname "$0")/.." && pwd)
corpus=${DFOPT_CORPUS:-$repo/../shared/corpus}
bin=$out/dfopt
mkdir -p "$out/corpus" "$out/corpus-unsafe" "$out/golden"
(cd "$repo" && go build -o "$bin" ./cmd/dfopt) || exit 2
if [ -d "$corpus" ]; then
	for f in "$corpus"/*; do
		n=$(basename "$f")
		[ "$n" = MANIFEST.tsv ] && continue
		"$bin" diff --no-config -q - <"$f" >"$out/corpus/$n" 2>&1
		echo "exit $?" >>"$out/corpus/$n"
		"$bin" diff --no-config -q --unsafe - <"$f" >"$out/corpus-unsafe/$n" 2>&1
		echo "exit $?" >>"$out/corpus-unsafe/$n"
	done
fi
for d in "$repo"/golden/*/; do
	n=$(basename "$d")
	[ -f "$d/Dockerfile" ] || continue
	flags=()
	[ -f "$d/flags" ] && read -r -a flags < <(tr '\n' ' ' <"$d/flags")
	ctx=()
	[ -d "$d/context" ] && ctx=(--context "$d/context")
	{
		"$bin" check --no-config "${flags[@]}" "${ctx[@]}" - <"$d/Dockerfile" 2>&1
		echo "exit $?"
		"$bin" diff --no-config -q "${flags[@]}" "${ctx[@]}" - <"$d/Dockerfile" 2>&1
		echo "exit $?"
	} >"$out/golden/$n"
done
rm -f "$bin"
echo "snapshot in $out" >&2
