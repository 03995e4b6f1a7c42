#!/usr/bin/env bash
# check.sh is the GitHub Action's check step (action.yml): it finds the
# Dockerfiles to check and runs `dfopt check`, as annotations (mode
# annotate) or piped to reviewdog as a review with suggested changes (mode
# suggest). It reads its inputs from the environment:
#   DFOPT_ARGS        extra flags, split as a shell splits words
#   DFOPT_MODE        annotate | suggest
#   ALL_FILES         true: every Dockerfile; else those changed since BASE_SHA
#   FAIL_ON_FINDINGS  true: exit 1 when there are findings
#   FILTER_MODE       reviewdog's -filter-mode (suggest)
#   PR_NUMBER         the pull request (suggest needs one)
#   BASE_SHA          the commit to compare with
set -uo pipefail

# Flags as a shell splits them, quotes and backslashes included; xargs
# expands nothing (no variables, no commands).
extra=()
if [ -n "${DFOPT_ARGS:-}" ]; then
	if ! words=$(printf '%s' "$DFOPT_ARGS" | xargs printf '%s\0' 2>&1 >/dev/null); then
		echo "::error title=dfopt::args: ${words:-unbalanced quotes}"
		exit 2
	fi
	mapfile -d '' extra < <(printf '%s' "$DFOPT_ARGS" | xargs printf '%s\0')
fi

files=()
base=${BASE_SHA:-}
if [ "${ALL_FILES:-false}" != "true" ] && [ -n "$base" ] && [ "$base" != 0000000000000000000000000000000000000000 ] &&
	git cat-file -e "$base^{commit}" 2>/dev/null; then
	# Changed Dockerfiles: the names dfopt searches folders for.
	while IFS= read -r -d '' f; do
		# (pkg/discover: IsDockerfileName, NotDockerfile; in any case)
		name=$(printf '%s' "${f##*/}" | tr '[:upper:]' '[:lower:]')
		case "$name" in
		*.dockerignore | *.containerignore | *.template | *.tpl | *.tmpl | *.gotmpl | *.j2 | *.jinja | *.jinja2 | *.in | *.erb | \
			*.mustache | *.hbs | *.m4 | *.rego | *.go | *.py | *.js | *.ts | *.rb | *.rs | *.java | *.sh | *.bash | *.ps1 | \
			*.md | *.rst | *.html | *.yml | *.yaml | *.json | *.toml | *.xml | *.patch | *.diff | *.swp) ;;
		dockerfile | containerfile | dockerfile.* | containerfile.* | *.dockerfile | *.containerfile) files+=("$f") ;;
		dockerfile[-_]* | containerfile[-_]*) [[ $name == *.* ]] || files+=("$f") ;;
		esac
	done < <(git diff -z --name-only --diff-filter=ACMR "$base" HEAD --)
	if [ ${#files[@]} -eq 0 ]; then
		echo "dfopt: no Dockerfile changed"
		exit 0
	fi
else
	echo "dfopt: no base commit to compare with; checking every Dockerfile"
	files=(.)
fi

mode=${DFOPT_MODE:-annotate}
if [ "$mode" = suggest ] && [ -z "${PR_NUMBER:-}" ]; then
	echo "::notice title=dfopt::mode suggest needs a pull_request event; annotating instead"
	mode=annotate
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
if [ "$mode" = suggest ]; then
	dfopt check --format rdjson "${extra[@]}" -- "${files[@]}" >"$out"
	status=$?
	if [ $status -le 1 ]; then
		reviewdog -f=rdjson -name=dfopt -reporter=github-pr-review \
			-filter-mode="${FILTER_MODE:-diff_context}" -fail-level=none <"$out" || status=2
	fi
else
	dfopt check --format github --summary "${extra[@]}" -- "${files[@]}" | tee "$out"
	status=${PIPESTATUS[0]}
	# GitHub shows 10 annotations of each level per step.
	for level in warning error notice; do
		n=$(grep -c "^::$level" "$out" || true)
		if [ "$n" -gt 10 ]; then
			echo "::notice title=dfopt::$n $level findings; GitHub shows 10 $level annotations per step: the others are in this log (mode: suggest posts every one)"
		fi
	done
fi
if [ $status -eq 1 ] && [ "${FAIL_ON_FINDINGS:-true}" != "true" ]; then
	status=0
fi
exit $status
