#!/usr/bin/env bash
# run.sh is `make e2e`: it installs what the suite needs (setup.sh),
# starts buildkitd on a socket in a temporary folder, makes the base
# images (bases.sh), runs the Go end-to-end tests (e2e/, which skip
# unless DFOPT_E2E_BASES is set)
# and stops buildkitd by its process id when it ends, also on failure.
#
# Environment:
#   DFOPT_E2E_CACHE   folder for cached binaries and bases (lib.sh)
#   DFOPT_E2E_RUN     -run pattern for go test (default: all fixtures)
#   DFOPT_E2E_KEEP=1  keep the temporary folder (daemon root, logs)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

t_start=$(now)
eval "$("$REPO/scripts/e2e/setup.sh")"
BUILDCTL=$BUILDKIT_BIN/buildctl
export BUILDCTL ROOTFS
# The e2e suite starts a second buildkitd of its own (TLS on TCP).
export DFOPT_E2E_BUILDKITD=$BUILDKIT_BIN/buildkitd

work=$(mktemp -d "${TMPDIR:-/tmp}/dfopt-e2e.XXXXXX")
sock=$work/buildkitd.sock
export BUILDKIT_HOST=unix://$sock
bkpid=

stop_buildkitd() {
	local rc=$?
	trap - EXIT INT TERM
	if [ -n "$bkpid" ] && kill -0 "$bkpid" 2>/dev/null; then
		kill -TERM "$bkpid" 2>/dev/null || true
		for _ in $(seq 1 100); do
			kill -0 "$bkpid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$bkpid" 2>/dev/null || true
		wait "$bkpid" 2>/dev/null || true
		log "buildkitd (pid $bkpid) stopped"
	fi
	# Anything the daemon left mounted under its root, before removing it.
	awk -v w="$work/" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null || true; done
	if [ "${DFOPT_E2E_KEEP:-}" = 1 ] || [ $rc != 0 ]; then
		[ $rc != 0 ] && [ -f "$work/buildkitd.log" ] && { log "last lines of buildkitd's log:"; tail -n 15 "$work/buildkitd.log" >&2; }
		log "kept $work (daemon root and logs)"
	else
		rm -rf "$work"
	fi
	log "total $(since "$t_start") s"
	exit $rc
}
trap stop_buildkitd EXIT
trap 'exit 130' INT TERM

log "starting buildkitd on $BUILDKIT_HOST"
"$BUILDKIT_BIN/buildkitd" --root "$work/root" --addr "$BUILDKIT_HOST" \
	--oci-worker=true --containerd-worker=false >"$work/buildkitd.log" 2>&1 &
bkpid=$!
ready=
for _ in $(seq 1 300); do
	kill -0 "$bkpid" 2>/dev/null || { tail -n 30 "$work/buildkitd.log" >&2; die "buildkitd exited at start"; }
	if "$BUILDCTL" --addr "$BUILDKIT_HOST" debug workers >/dev/null 2>&1; then
		ready=1
		break
	fi
	sleep 0.2
done
[ -n "$ready" ] || die "buildkitd did not answer 'buildctl debug workers' within 60 s"
"$BUILDCTL" --addr "$BUILDKIT_HOST" debug workers >&2

bases=$("$REPO/scripts/e2e/bases.sh")
export DFOPT_E2E_BASES=$bases

log "running the end-to-end tests"
cd "$REPO"
go test -count=1 -timeout 40m -v ${DFOPT_E2E_RUN:+-run "$DFOPT_E2E_RUN"} ./e2e/
