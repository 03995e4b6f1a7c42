GO    ?= go
BIN   := bin/dfopt
PKGS  := ./...

.PHONY: all build test demo bench fuzz e2e clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/dfopt

STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

# The test command: formatting, vet, staticcheck, and every test with the
# race detector. With the shared corpus beside the repository, the tests
# that walk it take pkg/transform past go test's default 10 minutes under
# the race detector on a 2-core machine: the timeout is 30.
test:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) run $(STATICCHECK) $(PKGS)
	$(GO) test -race -timeout 30m $(PKGS)

# Build dfopt and show what it would change in the shipped examples.
demo: build
	@$(BIN) diff examples/; status=$$?; \
	if [ $$status -gt 1 ]; then exit $$status; fi

bench:
	$(GO) test -run '^$$' -bench . -benchtime 5x ./pkg/transform ./pkg/emit

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzChain -fuzztime 60s ./pkg/transform

clean:
	rm -rf bin

-include mk/*.mk
