# kefu — two commands: `make run` and `make test`. See README.md.
export CGO_ENABLED := 0
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X kefu/internal/app.Version=$(VERSION)

.PHONY: build run test vet web bench clean

## build: the kefu binary (front end included when web/ can be built)
build: web
	go build -ldflags "$(LDFLAGS)" -o kefu ./cmd/kefu

## run: build and start on http://localhost:8080 with SQLite in ./data and the demo store
run: build
	./kefu serve --demo

## test: vet, then every test (storage and API suites on SQLite, and on PostgreSQL when
## KEFU_TEST_POSTGRES_URL is set), then a summary of what ran on which database
test: web
	go vet ./...
	@if [ -d web/node_modules ]; then cd web && npm test --silent; else echo "note: web/node_modules missing; front-end unit tests skipped"; fi
	scripts/test.sh

## web: build the front end into internal/web/dist (skipped, with a note, when npm is absent)
web:
	@scripts/build-web.sh

## bench: storage throughput and NLU/KB latency benchmarks
bench:
	go test ./internal/store -run '^$$' -bench . -benchtime 2000x
	go test ./internal/nlu/... ./internal/kb/... -run '^$$' -bench . -benchtime 2s

clean:
	rm -f kefu
