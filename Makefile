# ward builds with Go 1.27.3; the go command fetches it through the module proxy.
export GOTOOLCHAIN := go1.27.3
export CGO_ENABLED ?= 1

GO        ?= go
BIN       := bin/ward
DATA      ?= ./ward-data
ADDR      ?= 127.0.0.1:8443
TOOLS     := $(CURDIR)/.cache/bin
STATICCHECK_VERSION := v0.8.2
# make test runs the web client's unit tests only where node is installed (CI has it).
WEBTEST   := $(if $(shell command -v node 2>/dev/null),web-test,)

.PHONY: all build run test gotest conformance fmt-check vet staticcheck vulncheck fuzz bench bench-backup bench-cluster clean web web-test e2e browser pdftools docker

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -buildvcs=auto -o $(BIN) ./cmd/ward

## docker: the container image (deploy/Dockerfile; docs/deploy.md), tagged $(IMAGE)
IMAGE ?= ward:dev
docker:
	@command -v docker >/dev/null 2>&1 || { echo "make docker: docker is not installed"; exit 1; }
	docker build -f deploy/Dockerfile -t $(IMAGE) .

## run: build, seed the demo clinic on a fresh data dir (prints the URL and logins), and serve $(DATA)
run: build
	./$(BIN) demo --data $(DATA) --addr $(ADDR)
	./$(BIN) serve --data $(DATA) --addr $(ADDR)

## test: every check and test; CI runs exactly this
test: fmt-check vet staticcheck gotest conformance e2e $(WEBTEST)
# govulncheck against the offline database: about 8 s warm, 20 s cold, so make test runs it too.
test: vulncheck

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.cache/*')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi; echo "gofmt: ok"

vet:
	$(GO) vet ./...

$(TOOLS)/staticcheck:
	GOBIN=$(TOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

staticcheck: $(TOOLS)/staticcheck
	$(TOOLS)/staticcheck ./...

gotest:
	$(GO) test -race -count=1 -timeout 15m ./...

## conformance: list which databases the store conformance suite ran on
conformance:
	@$(GO) test -count=1 -run 'TestConformance' -v ./internal/store/ | grep -E -- '^\s*--- (PASS|FAIL|SKIP)' ; \
	$(GO) test -count=1 -run 'TestConformance' ./internal/store/ >/dev/null

## vulncheck: govulncheck against a pinned offline copy of the Go vulnerability database
vulncheck:
	bash scripts/vulncheck.sh

## fuzz: run every fuzz target for FUZZTIME each (make test runs their seed corpora)
FUZZTIME ?= 30s
fuzz:
	@set -e; for f in $$(grep -rl --include='*_test.go' '^func Fuzz' . | sort); do \
	  for fn in $$(grep -oh '^func Fuzz[A-Za-z0-9_]*' $$f | cut -d' ' -f2); do \
	    echo "== $$fn in $$(dirname $$f)"; \
	    $(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) ./$$(dirname $$f); \
	  done; \
	done

## crashtest: kill -9 the real binary CRASH_CYCLES times while it takes messages; make test runs 3 cycles
CRASH_CYCLES ?= 50
.PHONY: crashtest
crashtest:
	CRASH_CYCLES=$(CRASH_CYCLES) $(GO) test -count=1 -v -timeout 60m -run '^TestCrashKill9$$' ./internal/crashtest/

## bench: the benchmarks behind docs/BENCHMARKS.md (a few minutes; results also in .cache/bench.txt; the
## patient look-up seeds 1,000,000 records once per schema version, about 2.5 minutes, into .cache/bench-patients),
## then ward bench with its defaults (figures in .cache/bench.json; BENCH_FLAGS adds flags), sequentially,
## one-to-one only with one socket per user (.cache/bench-direct.json), and the same at 5,000/s with every
## delivery marked over the socket (.cache/bench-receipts.json)
BENCH_POSTGRES ?= $(WARD_TEST_POSTGRES)
BENCH_FLAGS ?=
bench: build
	@mkdir -p .cache
	@{ \
	$(GO) test -run '^$$' -bench 'SealOpen1KiB' -benchmem -count 3 ./internal/keyring/ && \
	WARD_TEST_POSTGRES='$(BENCH_POSTGRES)' $(GO) test -run '^$$' -bench 'Recorder' -benchtime 3s ./internal/audit/ && \
	WARD_TEST_POSTGRES='$(BENCH_POSTGRES)' $(GO) test -run '^$$' -bench 'Verify' -benchtime 3x ./internal/audit/ && \
	WARD_TEST_POSTGRES='$(BENCH_POSTGRES)' $(GO) test -run '^$$' -bench 'PostgresGroupCommit' -benchtime 300x ./internal/store/ && \
	$(GO) test -run '^$$' -bench 'Hash$$' -benchtime 20x ./internal/auth/ && \
	$(GO) test -run '^$$' -bench 'Authenticate|LoginAt20PerSecond' -benchtime 200x ./internal/app/ && \
	$(GO) test -run '^$$' -bench 'SendMessage$$|SendMessageParallel' -benchtime 3s ./internal/app/ && \
	$(GO) test -run '^$$' -bench 'SendMessageManyConversations' -benchtime 40000x ./internal/app/ && \
	$(GO) test -run '^$$' -bench 'ResolveRole' -benchtime 3s ./internal/oncall/ && \
	WARD_BENCH_CACHE=$(CURDIR)/.cache/bench-patients $(GO) test -run '^$$' -bench 'LookupByMRN' -benchtime 5000x -timeout 30m ./internal/patients/ && \
	WARD_BENCH_ARCHIVE_FULL=1 $(GO) test -run '^$$' -bench 'ArchiveExport|ArchiveVerify' -benchtime 1x -timeout 30m ./internal/archive/ && \
	$(GO) test -run '^$$' -bench 'PageTo1000Devices' -benchtime 5x ./internal/notify/push/ && \
	$(GO) test -run '^$$' -bench 'PageRead' -benchmem -benchtime 2000x -count 3 ./internal/compliance/ && \
	$(GO) test -run '^$$' -bench 'Evaluator' -benchtime 3x -cpu 1 ./internal/monitor/ && \
	$(GO) test -run '^$$' -bench 'AccountingSixYears' -benchtime 3x ./internal/accounting/ ; \
	} 2>&1 | tee .cache/bench.txt | grep -E '^(Benchmark|ok|FAIL|---)'
	./$(BIN) bench $(BENCH_FLAGS) --json .cache/bench.json
	./$(BIN) bench --sequential --users 20 --sockets 20 --duration 10s --json .cache/bench-sequential.json
	./$(BIN) bench --group-ratio 0 --users 400 --sockets 400 --rate 10000 --senders 256 --json .cache/bench-direct.json
	./$(BIN) bench --group-ratio 0 --users 400 --sockets 400 --rate 5000 --senders 256 --receipts delivered --json .cache/bench-receipts.json
	@if [ -n '$(BENCH_POSTGRES)' ]; then \
	  ./$(BIN) bench $(BENCH_FLAGS) --db '$(BENCH_POSTGRES)' --json .cache/bench-postgres.json; \
	fi

## bench-backup: issue 26's backup figures: a 10 GiB data dir (WARD_BENCH_BACKUP_GIB), ward serve under
## 2,000 msgs/s from ward bench while ward backup runs back to back, then a restore (about 10 minutes, 30 GiB of
## disk, all removed afterwards; scripts/bench-backup.sh says more)
bench-backup: build
	BIN=$(BIN) scripts/bench-backup.sh

## bench-cluster: issue 26's cluster figure: one ward node against two on one PostgreSQL (BENCH_POSTGRES) and
## NATS, at saturation, alternated pairs (3; WARD_BENCH_CLUSTER_ROUNDS), each ratio and their median (about
## 5 minutes; scripts/bench-cluster.sh says more)
bench-cluster: build
	BIN=$(BIN) BENCH_POSTGRES='$(BENCH_POSTGRES)' scripts/bench-cluster.sh

clean:
	rm -rf bin .cache

## web: rebuild the browser client into web/dist (committed; go build embeds it); npm ci runs again when
## package-lock.json is newer than what node_modules was installed from
web:
	cd web && { [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund; } && npm run build

## web-test: the client's unit tests (vitest) and a check that web/dist is not stale
web-test:
	cd web && { [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund; } && npx vitest run && node scripts/source-hash.mjs --check

## e2e: the real binary driven through headless Chromium (e2e/ is its own Go module)
e2e: build browser pdftools
	cd e2e && $(GO) vet ./... && WARD_BIN=$(CURDIR)/$(BIN) $(GO) test -count=1 -timeout 10m ./...

## browser: Debian's chromium for the e2e tests, installed when missing (as root, with apt-get); where it
## cannot be installed the e2e tests skip, except under CI=true, where they fail
browser:
	@if [ -z "$$WARD_CHROMIUM" ] && [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "e2e: installing Debian's chromium"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "e2e: no /usr/bin/chromium, and no root to install it (apt-get install -y chromium)"; \
	  fi; \
	fi

## pdftools: Debian's poppler-utils (pdftoppm, pdftotext, pdfinfo), installed when missing (as root, with
## apt-get): the tests that turn a PDF's first page into a PNG in e2e/artifacts and read PDFs' text;
## without it they skip, except under CI=true, where they fail
pdftools:
	@if ! command -v pdftoppm >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "e2e: installing Debian's poppler-utils"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; \
	  else \
	    echo "e2e: no pdftoppm, and no root to install it (apt-get install -y poppler-utils)"; \
	  fi; \
	fi
