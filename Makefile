# ab2d-etl — see README.md. Every target works on a fresh machine with Go and gcc (cgo, for DuckDB).
GO      ?= go
BIN     := bin/ab2d-etl
# The warehouse `make demo` builds. `make demo` and `make clean` delete this
# folder only, and only when it holds warehouse.duckdb. Its own name, not OUT,
# so that an OUT exported in the shell is never taken for it.
DEMO_OUT ?= ./warehouse
# Sizes of generated NDJSON for `make bench` (space-separated).
BENCH_SIZE ?= 300MB 2GB

export CGO_ENABLED := 1

.PHONY: build test demo bench lint fuzz chaos clean clean-demo

build:
	$(GO) build -o $(BIN) ./cmd/ab2d-etl

test:
	$(GO) test -count=1 -timeout 15m ./...

demo: build clean-demo
	$(BIN) run --sandbox --client Z0000 --out $(DEMO_OUT)
	@echo
	@echo "== claims per type =="
	$(BIN) query --out $(DEMO_OUT) "SELECT claim_type, count(*) AS claims, count(DISTINCT beneficiary_id) AS beneficiaries FROM claims_current GROUP BY ALL ORDER BY claims DESC"
	@echo
	@echo "== top diagnoses on current claims =="
	$(BIN) query --out $(DEMO_OUT) "SELECT d.code, count(*) AS claims FROM claim_diagnoses d JOIN claims_current c USING (eob_id) GROUP BY ALL ORDER BY claims DESC, d.code LIMIT 10"
	@echo
	@echo "== places of service, labelled from the codes dimension =="
	$(BIN) query --out $(DEMO_OUT) "SELECT l.place_of_service AS code, split_part(k.display, '.', 1) AS place, count(*) AS lines FROM claim_lines l JOIN codes k ON k.system = 'https://bluebutton.cms.gov/resources/variables/line_place_of_srvc_cd' AND k.code = l.place_of_service GROUP BY ALL ORDER BY lines DESC LIMIT 5"
	@echo
	@echo "== the warehouse at a glance: open it in a browser =="
	$(BIN) report --out $(DEMO_OUT)

# Go benchmarks, load vs the DuckDB-only peer per BENCH_SIZE, extract vs curl,
# sandbox at --scale 50 (BENCH_SANDBOX_SCALE=0 skips it); see bench/bench.sh.
bench: build
	GO="$(GO)" AB2D_ETL=$(BIN) bash bench/bench.sh $(BENCH_SIZE)

# Chaos equivalence: faulty and killed runs against the sandbox, each final
# warehouse compared with a fault-free run's (make test runs a short version).
chaos:
	$(GO) test -count=1 -timeout 30m -run '^TestChaos$$' -v ./cmd/ab2d-etl/ -chaos.runs $${CHAOS_RUNS:-60} -chaos.kill-rate 0.3 | grep -E 'chaos:|^(---|ok|FAIL)|run [0-9]+'

# Every fuzz target for FUZZTIME each (crashers land in testdata/fuzz and
# become regression tests).
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzFlatten$$' -fuzztime $${FUZZTIME:-60s} ./pipeline/transform/
	$(GO) test -run '^$$' -fuzz '^FuzzLineReader$$' -fuzztime $${FUZZTIME:-60s} ./pipeline/transform/
	$(GO) test -run '^$$' -fuzz '^FuzzLikeFastjson$$' -fuzztime $${FUZZTIME:-60s} ./internal/jsontree/

lint:
	@fmt=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$fmt" ]; then echo "gofmt needed: $$fmt"; exit 1; fi
	$(GO) vet ./...
	$(GO) mod tidy -diff

# Deletes $(DEMO_OUT) if it is a warehouse (holds warehouse.duckdb); refuses
# to delete anything else.
clean-demo:
	@if [ -e '$(DEMO_OUT)' ]; then \
	  if [ -f '$(DEMO_OUT)/warehouse.duckdb' ]; then echo "rm -rf -- '$(DEMO_OUT)'"; rm -rf -- '$(DEMO_OUT)'; \
	  else echo "refusing to delete $(DEMO_OUT): it holds no warehouse.duckdb, so it is not a warehouse make demo built (DEMO_OUT names the demo's warehouse)" >&2; exit 1; fi; \
	fi

clean: clean-demo
	rm -rf bin
