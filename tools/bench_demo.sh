#!/usr/bin/env bash
# Benchmark: the demo LoRA job (issue 6's "first LoRA in five minutes") through a real `lorad serve` on this
# machine's CPU. Measures the wall time from submitting the job to its final state and fails (exit 1) above
# LIMIT_SECONDS (default 300). Not part of `swift test`: timings on a shared machine are not test results.
#
#   tools/bench_demo.sh            # builds the release binary first
set -euo pipefail
cd "$(dirname "$0")/.."
limit=${LIMIT_SECONDS:-300}

swift build -c release --product lorad >&2
data=$(mktemp -d)
server_pid=
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$data"; }
trap cleanup EXIT

.build/release/lorad serve --port 0 --data-dir "$data/data" > "$data/stdout" 2> "$data/stderr" &
server_pid=$!
for _ in $(seq 1 600); do
  url=$(sed -n 's/^listening on //p' "$data/stdout")
  [ -n "$url" ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$data/stderr" >&2; exit 2; }
  sleep 0.1
done
[ -n "$url" ] || { echo "the server did not start" >&2; exit 2; }

start=$(date +%s%N)
job=$(curl -fsS -X POST "$url/v1/demo/job" | jq -r .id)
while :; do
  state=$(curl -fsS "$url/v1/jobs/$job" | jq -r .state)
  case "$state" in succeeded | failed | canceled) break ;; esac
  sleep 1
done
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))

echo "demo job $job: $state in $((elapsed_ms / 1000)).$((elapsed_ms % 1000 / 100)) s on $(nproc) CPU cores (limit $limit s)"
[ "$state" = succeeded ] || { curl -fsS "$url/v1/jobs/$job" | jq -r .error >&2; exit 1; }
[ "$elapsed_ms" -le $((limit * 1000)) ] || { echo "slower than the limit" >&2; exit 1; }
