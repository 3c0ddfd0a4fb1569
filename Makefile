# Parley's one test command is `make test`: it installs what the compatibility suite needs,
# then vets and runs every test with the race detector, then runs each fuzz target briefly.
#
# Postgres and Redis suites use PARLEY_TEST_DATABASE_URL and PARLEY_TEST_REDIS_URL. Unset, they
# are skipped with a loud message (a fresh laptop still passes); under CI=true they fail.

GO        ?= go
FUZZTIME  ?= 10s
GOFLAGS_T ?= -race -count=1 -timeout 15m

.PHONY: test test-go test-compat fuzz vet install-compat run bench

test: install-compat vet test-go test-compat fuzz

install-compat:
	./compat-tests/install.sh

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './compat-tests/js/*')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	cd compat-tests && $(GO) vet ./...

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
