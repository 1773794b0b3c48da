#!/usr/bin/env bash
# Offered load beyond the webhook's capacity, open loop, as webhook-load.sh's client (HTTP/1.1, idle
# pool of 25, a new dial for every request that finds no free connection, as the API server's Go
# client does). Per run: a fresh, warmed server (10 s closed loop of 8, as webhook-load.sh), then RATE/s
# for DURATION; prints what was answered, the errors by kind (refused at the connection bound:
# "connection reset" before TLS; the server's on open connections: EOF, closed idle connection, broken
# pipe; the client's own: "too many open files" when its pending dials use up its descriptors), how
# long the slowest errors took (fast failure), the p99 without the run's first second (when the fresh client dials
# its connections), the server's CPU per answer, and the most connections established on the port
# (accepted and in the kernel's queue) at any 250 ms sample. Benchmarks never gate CI.
#
#   bench/overload.sh                       4,000/s for 10 s, 3 runs, each VARIANT in turn
#   RATE=5000 RUNS=2 bench/overload.sh
#   SMOKE=1 bench/overload.sh               200/s for 2 s, 1 run (what BenchHarnessIT runs)
# Environment: RATE, DURATION, RUNS, VARIANTS (space-separated; each "NAME=CLASSES_DIR[,SERVER_ARG,...]" (the server's arguments separated by commas),
# default "current=target/classes", e.g. "before=/tmp/old/target/classes current=target/classes"),
# CLIENT_ARGS (extra vegeta attack flags, e.g. -max-connections=1000 or -keepalive=false),
# CLASSPATH_OVERRIDE (the rest of the classpath: test classes and dependencies; skip mvn).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
if [[ "${SMOKE:-0}" == 1 ]]; then
  RATE=${RATE:-200}; DURATION=${DURATION:-2s}; RUNS=${RUNS:-1}; WARMUP=${WARMUP:-1s}
else
  RATE=${RATE:-4000}; DURATION=${DURATION:-10s}; RUNS=${RUNS:-3}; WARMUP=${WARMUP:-10s}
fi
VARIANTS=${VARIANTS:-"current=target/classes"}

log() { echo "[overload] $*" >&2; }
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
ensure_vegeta "$root"
if [[ -n "${CLASSPATH_OVERRIDE:-}" ]]; then
  rest="$CLASSPATH_OVERRIDE"
else
  bench_classpath
  rest="target/test-classes:$(cat target/bench.classpath)"
fi

work=$(mktemp -d)
pid=
sampler=
cleanup() {
  [[ -n "$sampler" ]] && kill "$sampler" 2>/dev/null || true
  [[ -n "$pid" ]] && kill "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "offered: ${RATE}/s for $DURATION, client ${CLIENT_ARGS:-(defaults)}; $(nproc) cores, $(java -version 2>&1 | head -1)"
echo
echo "| variant | run | answered (200) | refused at the bound (reset) | errors: server's (EOF, closed idle, broken pipe) | errors: client's own (descriptors) | other errors | p50 | p99 | p99 from 1 s on | errors' p99 | server CPU per answer | most connections established |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for run in $(seq 1 "$RUNS"); do
  for variant in $VARIANTS; do
    name=${variant%%=*}
    spec=${variant#*=}
    classes=${spec%%,*}
    args=""
    [[ "$spec" == *,* ]] && args=${spec#*,} && args=${args//,/ }
    dir="$work/$name-$run"
    mkdir -p "$dir"
    # shellcheck disable=SC2086
    java -Xmx512m -cp "$classes:$rest" dev.meshoperator.bench.WebhookServerMain "$dir" $args </dev/null >"$dir/server.log" 2>&1 &
    pid=$!
    wait_for "$dir/port" "$pid" "$dir/server.log"
    port=$(cat "$dir/port")
    webhook_targets "$dir/targets" "$port" "$dir/review.json"
    "$vegeta" attack -targets="$dir/targets" -root-certs="$dir/ca.pem" -http2=false -max-body=0 -timeout=10s -rate=0 \
      -duration="$WARMUP" -max-workers=8 -workers=8 -connections=8 > /dev/null
    ( while true; do ss -tn state established "( sport = :$port )" | tail -n +2 | wc -l; sleep 0.25; done ) > "$dir/conns" &
    sampler=$!
    cpu0=$(cpu_ticks "$pid")
    # shellcheck disable=SC2086
    "$vegeta" attack -targets="$dir/targets" -root-certs="$dir/ca.pem" -http2=false -max-body=0 -timeout=10s -rate="$RATE/s" \
      -duration="$DURATION" -connections=25 ${CLIENT_ARGS:-} > "$dir/row.bin" || true
    cpu1=$(cpu_ticks "$pid")
    kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true; sampler=
    kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=
    ticks=$(getconf CLK_TCK)
    "$vegeta" encode --to csv < "$dir/row.bin" > "$dir/row.csv"
    # pct Q [FILTER]: the Q quantile of the latencies (ms) of the rows whose status is FILTER (any; "err": not 200)
    pct() {
      awk -F, -v f="${2:-}" 'f == "" || (f == "err" && $2 != 200) { print $3 }' "$dir/row.csv" | sort -n |
        awk -v q="$1" '{ v[NR] = $1 } END { if (NR == 0) { printf "-"; exit } i = int(NR * q); if (i < 1) i = 1; printf "%.2f ms", v[i] / 1e6 }'
    }
    # refused at the bound: reset before TLS (connection reset by peer); the server's errors on an
    # open connection: EOF, closed idle, broken pipe
    awk -F, -v ticks="$ticks" -v cpu="$((cpu1 - cpu0))" -v most="$(sort -n "$dir/conns" | tail -1)" \
      -v name="$name" -v run="$run" -v p50="$(pct 0.5)" -v p99="$(pct 0.99)" -v lp99="$(late_p99 "$dir/row.bin")" -v ep99="$(pct 0.99 err)" '
      $2 == 200 { ok++; next }
      /too many open files/ { own++; next }
      /connection reset/ { refused++; next }
      /EOF|server closed idle connection|broken pipe/ { server++; next }
      { other++ }
      END {
        per = "-"
        if (ok > 0) per = sprintf("%.3f ms", cpu * 1000 / ticks / ok)
        if (lp99 != "-") lp99 = lp99 " ms"
        printf "| %s | %d | %d | %d | %d | %d | %d | %s | %s | %s | %s | %s | %s |\n", name, run, ok, refused, server, own, other, p50, p99, lp99, ep99, per, most
      }' "$dir/row.csv"
  done
done
