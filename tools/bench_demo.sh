#!/usr/bin/env bash
# Benchmark: the demo LoRA job (issue 6's "first LoRA in five minutes") through a real `lorad serve` on this
# machine's CPU. Measures the wall time from submitting the job to its final state and fails (exit 1) above
# LIMIT_SECONDS (default 300); then the time its checkpoint × weight grid takes to render. Not part of `swift test`:
# timings on a shared machine are not test results.
#
#   tools/bench_demo.sh                          # builds the release binary first
#   tools/bench_demo.sh --screenshot FILE.png    # also the README's picture: the finished job's page in headless
#                                                # Chromium (1280 pixels wide)
set -euo pipefail
cd "$(dirname "$0")/.."
limit=${LIMIT_SECONDS:-300}
screenshot=
if [ "${1:-}" = --screenshot ]; then screenshot=$(realpath -m "${2:?--screenshot needs a file}"); fi

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

seconds_since() { local ms=$(( ($(date +%s%N) - $1) / 1000000 )); echo "$((ms / 1000)).$((ms % 1000 / 100))"; }

start=$(date +%s%N)
job=$(curl -fsS -X POST "$url/v1/demo/job" | jq -r .id)
while :; do
  state=$(curl -fsS "$url/v1/jobs/$job" | jq -r .state)
  case "$state" in succeeded | failed | canceled) break ;; esac
  sleep 1
done
elapsed=$(seconds_since "$start")
echo "demo job $job: $state in $elapsed s on $(nproc) CPU cores (limit $limit s)"
[ "$state" = succeeded ] || { curl -fsS "$url/v1/jobs/$job" | jq -r .error >&2; exit 1; }

# The grid the server queues when a job succeeds (every checkpoint × the weights 0.4 to 1.2).
grid_start=$(date +%s%N)
for _ in $(seq 1 600); do
  grid=$(curl -fsS "$url/v1/jobs/$job/grids" | jq -r '.grids[0] | "\(.state) \(.progress.total)"')
  case "$grid" in succeeded* | failed*) break ;; esac
  sleep 1
done
case "$grid" in succeeded* | failed*) ;; *) echo "no grid ended within 600 s: $grid" >&2; exit 1 ;; esac
echo "its grid: ${grid%% *}, ${grid#* } images in $(seconds_since "$grid_start") s"

if [ -n "$screenshot" ]; then
  # The virtual-time budget lets the page's scripts fetch the job, its samples and the grid before the picture.
  chromium --headless --no-sandbox --hide-scrollbars --window-size=1280,2400 --virtual-time-budget=20000 \
    --screenshot="$screenshot" "$url/#/jobs/$job" 2> "$data/chromium.err" \
    || { cat "$data/chromium.err" >&2; exit 2; }
  echo "the page: $screenshot"
fi
[ "${elapsed%.*}" -lt "$limit" ] || { echo "slower than the limit" >&2; exit 1; }
