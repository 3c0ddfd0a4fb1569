# Parley's one test command is `make test`: it installs what the compatibility suite needs,
# then vets and runs every test with the race detector, then runs each fuzz target briefly.
# `make test-quick` is the offline subset: gofmt, go vet and the Go tests of the server module
# with the race detector; no installs, no compat suite (real bot libraries), no fuzzing.
#
# Postgres and Redis suites use PARLEY_TEST_DATABASE_URL and PARLEY_TEST_REDIS_URL. Unset, they
# are skipped with a loud message (a fresh laptop still passes); under CI=true they fail.

GO        ?= go
FUZZTIME  ?= 10s
GOFLAGS_T ?= -race -count=1 -timeout 15m

.PHONY: test test-quick test-go test-compat fuzz vet vet-go install-compat install-prometheus run bench

test: install-compat install-prometheus vet test-go test-compat fuzz

test-quick: vet-go test-go

install-compat:
	./compat-tests/install.sh

# Debian's prometheus, for cmd/parley's dashboard test (a real scrape of a running Parley).
install-prometheus:
	./.ci/install-prometheus.sh

vet: vet-go
	cd compat-tests && $(GO) vet ./...

vet-go:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './compat-tests/js/*')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

test-go:
	$(GO) test $(GOFLAGS_T) ./...

test-compat:
	cd compat-tests && $(GO) test $(GOFLAGS_T) ./...

# Each fuzz target runs for FUZZTIME; go test accepts one -fuzz target per package run.
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  dir=$$($(GO) list -f '{{.Dir}}' $$pkg); \
	  for f in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go 2>/dev/null | sed 's/^func //'); do \
	    echo "fuzz $$pkg $$f"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

run:
	$(GO) run ./cmd/parley
