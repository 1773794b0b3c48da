#!/usr/bin/env bash
# Warm start: how long from starting the webhook's JVM to ready, and what the first 10 s of
# traffic after ready see. Per row: start WebhookServerMain (the real AdmissionServer and injection
# handler, warm-up as the operator does it; it writes its port file when the operator's /readyz
# would answer 200), time process start to that file, then at once open-loop load with vegeta
# (HTTP/1.1 over TLS, kept-alive pool of 25, a typical pod's AdmissionReview) for WINDOW, and print
# p50/p99/max over that window, with the load average beside each row (the machine may be shared).
# Rows: warm-up off (positive control: the cold JIT must show in p99), warm-up on, and, when
# CDS=1, both again with an AppCDS archive made by a training run (-XX:ArchiveClassesAtExit).
#
#   bench/warm-start.sh                   RATES="200 1000", REPEAT=3, WINDOW=10s
# The operator jar as it ships (its start to /readyz and its first 10 s under load, with and without the
# image's class data archive): bench/operator-start.sh.
# Environment: JVM_FLAGS (default -Xmx512m), SERVER_ARGS (more WebhookServerMain options, e.g. --pool or
# --shed-after MILLIS), RATES, REPEAT, WINDOW, WARMUP_MS (the warm-up budget,
# default the operator's), CDS=1, CLASSPATH_OVERRIDE (skip mvn), KEEP=DIR (keep each row's vegeta results,
# row-N.bin, for `vegeta encode`/`plot`).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
JVM_FLAGS=${JVM_FLAGS:--Xmx512m}
RATES=${RATES-"200 1000"}
REPEAT=${REPEAT:-3}
WINDOW=${WINDOW:-10s}
log() { echo "[warm-start] $*" >&2; }
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"

ensure_vegeta "$root"

bench_classpath

work=$(mktemp -d)
# The project's classes as jars (AppCDS archives only classes from jars; every row uses the same classpath).
cds_cp=""
IFS=':' read -ra entries <<<"$cp"
for i in "${!entries[@]}"; do
  e=${entries[$i]}
  if [[ -d "$e" ]]; then jar --create --file "$work/cp-$i.jar" -C "$e" . ; e="$work/cp-$i.jar"; fi
  cds_cp="${cds_cp:+$cds_cp:}$e"
done
cp=$cds_cp
server_pid=""
stop_server() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  server_pid=""
}
cleanup() { stop_server; rm -rf "$work"; }
trap cleanup EXIT
load() { cut -d' ' -f1-3 /proc/loadavg; }

# start DIR FLAGS ARGS -> sets server_pid, and ready_ms to the milliseconds from fork to the port file
start() {
  local dir=$1 flags=$2 args=$3 t0 t1
  rm -rf "$dir"; mkdir -p "$dir"
  t0=$(date +%s%N)
  # shellcheck disable=SC2086
  java $flags -cp "$cp" dev.meshoperator.bench.WebhookServerMain "$dir" $args ${SERVER_ARGS:-} < /dev/null > "$dir.log" 2>&1 &
  server_pid=$!
  until [[ -f "$dir/port" ]]; do
    kill -0 "$server_pid" 2>/dev/null || { cat "$dir.log" >&2; exit 1; }
    sleep 0.005
  done
  t1=$(date +%s%N)
  ready_ms=$(( (t1 - t0) / 1000000 ))
}

ms() { jq -r "(.latencies[\"$1\"] // 0) / 1e6 | . * 100 | round / 100"; }

# row LABEL FLAGS ARGS RATE
row() {
  local label=$1 flags=$2 args=$3 rate=$4 dir="$work/server" r before
  before=$(load)
  start "$dir" "$flags" "$args"
  webhook_targets "$work/targets" "$(cat "$dir/port")" "$dir/review.json"
  "$vegeta" attack -targets="$work/targets" -root-certs="$dir/ca.pem" -http2=false -max-body=0 -timeout=10s \
      -rate="$rate/s" -duration="$WINDOW" -connections=25 > "$work/row.bin"
  stop_server
  r=$("$vegeta" report -type=json < "$work/row.bin")
  rows=$((rows + 1))
  [[ -n "${KEEP:-}" ]] && { mkdir -p "$KEEP"; cp "$work/row.bin" "$KEEP/row-$rows.bin"; }
  printf '| %s | %s/s | %s ms | %s | %s ms | %s ms | %s ms | %s ms | %s | %s | %s |\n' "$label" "$rate" "$ready_ms" \
    "$(cat "$dir/warm-up" 2>/dev/null || echo -)" "$(ms 50th <<<"$r")" "$(ms 99th <<<"$r")" "$(ms max <<<"$r")" \
    "$(late_p99 "$work/row.bin")" "$(jq -r '(.requests - (.status_codes["200"] // 0))' <<<"$r")" "$before" "$(load)"
}
rows=0

echo "## warm start ($(date -u +%Y-%m-%dT%H:%MZ))"
echo "machine: $(nproc) cores ($(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)), $(free -g | awk '/Mem:/{print $2}') GiB;" \
  "$(java -version 2>&1 | head -1); JVM flags '$JVM_FLAGS'; commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "load: vegeta open loop, HTTP/1.1 over TLS, kept-alive pool of 25, $WINDOW from the moment the server is ready"
echo

warm_args=""
[[ -n "${WARMUP_MS:-}" ]] && warm_args="--warm-up $WARMUP_MS"
if [[ -n "$RATES" ]]; then
configs=("warm-up off|$JVM_FLAGS|--no-warm-up" "warm-up on|$JVM_FLAGS|$warm_args")
if [[ "${CDS:-0}" == 1 ]]; then
  # Training run: start warmed, a few seconds of load, then SIGTERM; the JVM writes the archive as it exits.
  jsa="$work/app.jsa"
  log "AppCDS training run"
  start "$work/train" "$JVM_FLAGS -XX:ArchiveClassesAtExit=$jsa" "$warm_args"
  webhook_targets "$work/targets" "$(cat "$work/train/port")" "$work/train/review.json"
  "$vegeta" attack -targets="$work/targets" -root-certs="$work/train/ca.pem" -http2=false -max-body=0 -rate=200/s -duration=3s \
    -connections=25 > /dev/null
  stop_server
  [[ -s "$jsa" ]] || { log "no archive written"; cat "$work/train.log" >&2; exit 1; }
  echo "AppCDS archive: $(du -h "$jsa" | cut -f1) ($(tail -1 "$work/train.log" | head -c 200))"
  configs+=("AppCDS, warm-up off|$JVM_FLAGS -XX:SharedArchiveFile=$jsa -Xshare:on|--no-warm-up"
            "AppCDS, warm-up on|$JVM_FLAGS -XX:SharedArchiveFile=$jsa -Xshare:on|$warm_args")
fi

echo "| server | offered | start to ready | warm-up | p50 | p99 | max | p99 from 1 s on | errors | load before | load after |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for rate in $RATES; do
  for i in $(seq 1 "$REPEAT"); do
    for c in "${configs[@]}"; do
      IFS='|' read -r label flags args <<<"$c"
      log "$label, $rate/s, run $i"
      row "$label" "$flags" "$args" "$rate"
    done
  done
done
fi
