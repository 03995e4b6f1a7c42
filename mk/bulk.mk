# The monorepo benchmark: `dfopt diff` on 10,000 generated Dockerfiles
# (copies of ../shared/corpus), then on one generated Dockerfile of 10,000
# RUNs; wall time and peak memory per run.
.PHONY: bench-bulk
bench-bulk:
	$(GO) test -run '^$$' -bench 'BulkDiff|BigFile' -benchtime 3x ./cmd/dfopt
