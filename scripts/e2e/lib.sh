# Common settings of the end-to-end scripts; sourced, not run.
#
# DFOPT_E2E_CACHE  folder these scripts own (binaries, root filesystems,
#                  base image layouts); default ~/.cache/dfopt-e2e.

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${DFOPT_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dfopt-e2e}
mkdir -p "$CACHE"

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
	PATH=/usr/local/go/bin:$PATH
fi
export PATH

log() { printf 'e2e: %s\n' "$*" >&2; }
die() { printf 'e2e: error: %s\n' "$*" >&2; exit 1; }

# now prints seconds since the epoch with a fraction.
now() { date +%s.%N; }
# since START prints the seconds elapsed since START, one decimal.
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# buildkit_version prints the BuildKit version the module requires.
buildkit_version() { (cd "$REPO" && go list -m -f '{{.Version}}' github.com/moby/buildkit); }

# Root's tools (runc, debootstrap) live in sbin, which a CI PATH may lack.
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin ;; esac
export PATH
