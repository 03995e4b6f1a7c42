# The monorepo benchmark: `dfopt diff` on 10,000 generated Dockerfiles
# (copies of ../shared/corpus), wall time and peak memory per run.
.PHONY: bench-bulk
bench-bulk:
	$(GO) test -run '^$$' -bench BulkDiff -benchtime 3x ./cmd/dfopt
