#!/usr/bin/env bash
# A client that starts with no connection under a high rate (issue 11's 3,000/s row begins so: each
# row of webhook-load.sh is a fresh vegeta, as the API server is after a restart). It dials a connection
# for every request that finds none free (Go's transport), so its first 100-300 ms decide whether a
# whole row's p99 stays within 10 ms. Per variant: a server warmed as webhook-load.sh warms it (closed
# loop of 8, closed loop of 32, 1,000/s, 10 s each), then RUNS fresh vegetas at RATE for DURATION each,
# GAP seconds apart, the variants in turn (a drifting machine affects them alike). Prints a row per
# run (p99, max, requests over 10 ms) and a summary per variant. Benchmarks never gate CI.
#
#   bench/fresh-client.sh                       3,000/s for 1 s, 12 runs; the shipped server and Go's
#   VARIANTS="slots4= off=--handshake-slots,2147483647" bench/fresh-client.sh
#   SMOKE=1 bench/fresh-client.sh               what BenchHarnessIT runs
# Environment: RATE, DURATION, RUNS, GAP, WARMUP (each of the three warm-up steps), JVM_FLAGS (default:
# the Deployment's JAVA_TOOL_OPTIONS, with MALLOC_ARENA_MAX=2 as it sets), VARIANTS (space-separated
# "NAME=SERVER_ARG,..." for WebhookServerMain, or "go" for bench/refserver, Go's net/http; default
# "ours= go"), CLASSPATH_OVERRIDE (skip mvn).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
if [[ "${SMOKE:-0}" == 1 ]]; then
  RATE=${RATE:-200}; DURATION=${DURATION:-1s}; RUNS=${RUNS:-2}; GAP=${GAP:-0.2}; WARMUP=${WARMUP:-1s}
else
  RATE=${RATE:-3000}; DURATION=${DURATION:-1s}; RUNS=${RUNS:-12}; GAP=${GAP:-1}; WARMUP=${WARMUP:-10s}
fi
VARIANTS=${VARIANTS:-"ours= go"}

log() { echo "[fresh-client] $*" >&2; }
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
ensure_vegeta "$root"
bench_classpath
JVM_FLAGS=${JVM_FLAGS:-$(deployment_env JAVA_TOOL_OPTIONS)}
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-$(deployment_env MALLOC_ARENA_MAX)}

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# the servers, one per variant, each warmed as webhook-load.sh warms it
names=()
for variant in $VARIANTS; do
  name=${variant%%=*}
  dir="$work/$name"
  mkdir -p "$dir"
  if [[ $variant == go ]]; then
    (cd bench/refserver && go build -o "$root/bench/.bin/refserver" .)
    admission_review "$dir" patch
    "$root/bench/.bin/refserver" "$dir" "$patch_bytes" < /dev/null > "$dir/server.log" 2>&1 &
  else
    args=${variant#*=}
    # shellcheck disable=SC2086
    java $JVM_FLAGS -cp "$cp" dev.meshoperator.bench.WebhookServerMain "$dir" ${args//,/ } < /dev/null > "$dir/server.log" 2>&1 &
  fi
  pids+=($!)
  wait_for "$dir/port" "$!" "$dir/server.log"
  webhook_targets "$dir/targets" "$(cat "$dir/port")" "$dir/review.json"
  log "warming $name"
  for step in "-rate=0 -max-workers=8 -workers=8 -connections=8" "-rate=0 -max-workers=32 -workers=32 -connections=32" \
      "-rate=1000/s -connections=25"; do
    # shellcheck disable=SC2086
    "$vegeta" attack -targets="$dir/targets" -root-certs="$dir/ca.pem" -http2=false -max-body=0 -timeout=10s \
      -duration="$WARMUP" $step > /dev/null
  done
  names+=("$name")
done

echo "## a fresh client at ${RATE}/s for $DURATION, $RUNS runs per variant ($(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo "machine: $(nproc) cores ($(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)); $(java -version 2>&1 | head -1); JVM flags '$JVM_FLAGS'"
echo "client: vegeta $VEGETA_VERSION, HTTP/1.1 over TLS, keep-alive, idle pool 25, started anew for each run"
echo
echo "| variant | run | requests | p99 | max | over 10 ms |"
echo "|---|---|---|---|---|---|"
for run in $(seq 1 "$RUNS"); do
  for name in "${names[@]}"; do
    dir="$work/$name"
    sleep "$GAP"
    "$vegeta" attack -targets="$dir/targets" -root-certs="$dir/ca.pem" -http2=false -max-body=0 -timeout=10s \
      -rate="$RATE/s" -duration="$DURATION" -connections=25 > "$dir/run.bin"
    "$vegeta" encode --to csv < "$dir/run.bin" | awk -F, '{ print $3 / 1e6, $2 }' | sort -n |
      awk -v name="$name" -v run="$run" '{ v[NR] = $1; if ($1 > 10) slow++; if ($2 != 200) err++ }
        END { i = int(NR * 0.99); if (i < 1) i = 1
              printf "| %s | %d | %d%s | %.2f ms | %.2f ms | %d |\n", name, run, NR, err ? " (" err " not 200)" : "", v[i], v[NR], slow }' |
      tee -a "$work/rows"
  done
done
echo
echo "| variant | runs with more than 1 % over 10 ms | requests over 10 ms, mean per run | worst max |"
echo "|---|---|---|---|"
for name in "${names[@]}"; do
  awk -F'|' -v name="$name" '$2 == " " name " " { n++; r = $4 + 0; s = $7 + 0; m = $6 + 0; total += s; if (s * 100 > r) bad++; if (m > worst) worst = m }
    END { printf "| %s | %d of %d | %.1f | %.2f ms |\n", name, bad, n, total / n, worst }' "$work/rows"
done
