#!/usr/bin/env bash
# Runs every Go test, keeps the verbose log, and prints which dual-database suites ran where.
set -uo pipefail
cd "$(dirname "$0")/.."
log=${KEFU_TEST_LOG:-test.log}
if [[ -z "${KEFU_EVAL_DATA:-}" && -d ../shared/data ]]; then
  export KEFU_EVAL_DATA="$(cd ../shared/data && pwd)"
fi
if [[ -z "${KEFU_TEST_POSTGRES_URL:-}" ]]; then
  echo "note: KEFU_TEST_POSTGRES_URL is not set: PostgreSQL subtests will be skipped (see README)"
fi
go test -count=1 -timeout 20m -v ./... >"$log" 2>&1
status=$?
# The package result lines, and failures in full.
grep -E '^(ok|FAIL|---|panic:|\s+--- FAIL)' "$log" | grep -vE '^\s*--- (PASS|SKIP)' || true
sqlite=$(grep -cE -- '--- PASS: .*/sqlite ' "$log")
postgres=$(grep -cE -- '--- PASS: .*/postgres ' "$log")
pgskip=$(grep -cE -- '--- SKIP: .*/postgres ' "$log")
passed=$(grep -cE -- '^\s*--- PASS' "$log")
failed=$(grep -cE -- '^\s*--- FAIL' "$log")
skipped=$(grep -cE -- '^\s*--- SKIP' "$log")
echo
echo "dual-database subtests: $sqlite passed on SQLite, $postgres passed on PostgreSQL ($pgskip PostgreSQL skipped)"
echo "full log: $log"
echo "tests: $passed passed, $failed failed, $skipped skipped"
if ((status != 0)); then
  # What each failing test said: the log lines just before its FAIL line (CI keeps only this
  # output, not the log).
  echo
  echo "failure context:"
  grep -B 25 -E '^\s*--- FAIL|^panic:' "$log" | grep -vE '^\s*--- PASS|^=== (RUN|PAUSE|CONT)' | head -n 300
fi
exit $status
