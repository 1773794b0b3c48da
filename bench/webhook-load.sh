#!/usr/bin/env bash
# Load on the admission webhook as the API server puts it there: HTTPS on loopback, HTTP/1.1 (the
# API server's webhook client offers only http/1.1 to webhooks that are not on localhost), a pool
# of kept-alive connections that grows under bursts (idle pool of 25 as client-go keeps), a typical
# pod's AdmissionReview, real injection. The load tool is vegeta, built from its Go module into
# bench/.bin at the first run; it is open loop (requests leave at the offered rate whatever the
# server does) except in the closed-loop row. Prints one table. Benchmarks never gate CI.
# vegeta keeps no response bodies (-max-body=0, in every bench script): the 6 kB patches it kept made the closed
# loop's results 1.2 GB written to /tmp, work on the two cores being measured (closed loop 12,400-13,700 req/s
# with them, 15,800-17,700 without; bench/RESULTS.md, 2026-12-06 22:00-23:53).
#
#   bench/webhook-load.sh              full run (about 2-3 minutes)
#   SMOKE=1 bench/webhook-load.sh      a few seconds per row (what BenchHarnessIT runs)
# Environment: JVM_FLAGS (default -Xmx512m), DURATION (open-loop rows, default 10s), STEP (each
# step of the max-rate search, default 5s), RATES (max-rate search, default 1000..10000 step 1000),
# SERVER_ARGS (passed to WebhookServerMain: --tls JDK, --pool, --gate 1 for the handshake gate off,
# --no-memo for every patch computed), DISTINCT (N: send the reviews of N pods no two alike in turn;
# with N over 256, the admissions within which the patch memo must see a pod twice, it never
# answers; default: the typical pod's review every time, as a ReplicaSet's pods arrive),
# CLASSPATH_OVERRIDE (skip mvn), REFERENCE=go (the same table against bench/refserver, a plain Go
# net/http HTTPS server answering with a patch as long as ours, built into bench/.bin: what the same
# client and machine do to a server without our bounds; JVM_FLAGS, SERVER_ARGS and DISTINCT unused).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
JVM_FLAGS=${JVM_FLAGS:--Xmx512m}
if [[ "${SMOKE:-0}" == 1 ]]; then
  DURATION=${DURATION:-2s}; STEP=${STEP:-1s}; RATES=${RATES:-"200 400"}; CLOSED=${CLOSED:-2s}
  OPEN_RATES=${OPEN_RATES:-"100 200"}; CHURN_RATES=${CHURN_RATES:-"50"}
else
  DURATION=${DURATION:-10s}; STEP=${STEP:-5s}; RATES=${RATES:-"1000 2000 3000 4000 5000 6000 7000 8000 9000 10000"}
  CLOSED=${CLOSED:-10s}; OPEN_RATES=${OPEN_RATES:-"1000 3000"}; CHURN_RATES=${CHURN_RATES:-"250 500 1000 1500 2000"}
fi

log() { echo "[webhook-load] $*" >&2; }
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"

# ---- vegeta, from its Go module (nothing but modules is downloaded; nothing is committed) ----
ensure_vegeta "$root"

# ---- the server's classpath ----
bench_classpath

server_work

if [[ "${REFERENCE:-}" == go ]]; then
  # the typical pod's review and the length of our answer's patch, from our webhook, then the reference
  log "building bench/refserver into bench/.bin"
  (cd bench/refserver && go build -o "$root/bench/.bin/refserver" .)
  admission_review "$work" patch
  "$root/bench/.bin/refserver" "$work" "$patch_bytes" < /dev/null > "$work/server.log" 2>&1 &
  server_line="bench/refserver, the Go reference (no injection: a fixed ${patch_bytes}-byte patch, as long as ours), $(go env GOVERSION)"
else
  # shellcheck disable=SC2086
  java $JVM_FLAGS -cp "$cp" dev.meshoperator.bench.WebhookServerMain "$work" ${SERVER_ARGS:-} \
    ${DISTINCT:+--distinct "$DISTINCT"} < /dev/null > "$work/server.log" 2>&1 &
fi
server_pid=$!
wait_for "$work/port" "$server_pid" "$work/server.log"
if [[ -n "${DISTINCT:-}" ]]; then
  webhook_targets "$work/targets" "$(cat "$work/port")" "$work"/distinct/*.json
  reviews="$DISTINCT unlike pods in turn (over 256: the patch memo never answers; fewer: from their second turn on)"
else
  webhook_targets "$work/targets" "$(cat "$work/port")" "$work/review.json"
  reviews="the typical pod again and again (a ReplicaSet's pods: the patch memo answers)"
fi

tick=$(getconf CLK_TCK)

# attack RATE DURATION [extra vegeta flags...] -> JSON report on stdout, with the server's CPU time
# during the attack as .server_cpu_ms (CPU per request holds up better than latency on a shared machine)
attack() {
  local rate=$1 duration=$2; shift 2
  local before after out
  out=$(mktemp -p "$work")
  before=$(cpu_ticks "$server_pid")
  "$vegeta" attack -targets="$work/targets" -root-certs="$work/ca.pem" -http2=false -max-body=0 -timeout=10s \
      -rate="$rate" -duration="$duration" "$@" > "$out.bin"
  after=$(cpu_ticks "$server_pid")
  "$vegeta" report -type=json < "$out.bin" > "$out"
  jq --argjson ms "$(( (after - before) * 1000 / tick ))" --arg late "$(late_p99 "$out.bin")" \
    '. + {server_cpu_ms: $ms, late_p99: $late}' "$out"
}
ms() { jq -r "(.latencies[\"$1\"] // 0) / 1e6 | . * 100 | round / 100"; }
row() { # label report-json
  local r=$2
  jq -r '.errors // [] | .[:3][] | "[webhook-load]   error: " + .' <<<"$r" >&2
  printf '| %s | %s req/s | %s ms | %s ms | %s ms | %s ms | %s | %s | %s ms |\n' "$1" \
    "$(jq -r '.throughput | round' <<<"$r")" "$(ms 50th <<<"$r")" "$(ms 99th <<<"$r")" "$(ms max <<<"$r")" \
    "$(jq -r '.late_p99 // "-"' <<<"$r")" \
    "$(jq -r '(.requests - (.status_codes["200"] // 0))' <<<"$r")" \
    "$(jq -r '[.status_codes | to_entries[] | "\(.key):\(.value)"] | join(" ")' <<<"$r")" \
    "$(jq -r 'if (.status_codes["200"] // 0) > 0 and .server_cpu_ms != null then (.server_cpu_ms / .status_codes["200"] * 100 | round / 100) else "-" end' <<<"$r")"
}
rss() { awk '/^VmRSS/{printf "%.0f MiB", $2/1024}' "/proc/$server_pid/status"; }
hwm() { awk '/^VmHWM/{printf "%.0f MiB", $2/1024}' "/proc/$server_pid/status"; }

echo "## webhook under load ($(date -u +%Y-%m-%dT%H:%MZ))"
echo "machine: $(nproc) cores ($(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)), $(free -g | awk '/Mem:/{print $2}') GiB;" \
  "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(java -version 2>&1 | head -1)"
echo "server: ${server_line:-JVM flags '$JVM_FLAGS', options '${SERVER_ARGS:-}'}, TLS $(cat "$work/tls"); commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "reviews: $reviews"
echo "load: vegeta $VEGETA_VERSION on the same machine, HTTP/1.1 over TLS, keep-alive, idle pool 25, $(wc -c < "$work/review.json")-byte AdmissionReview"
echo "RSS at start: $(rss)"

# Closed loop, so that a cold server is not handed a backlog that outlives the warm-up.
log "warm-up"
attack 0 "${WARMUP:-10s}" -max-workers=8 -workers=8 -connections=8 > /dev/null

echo
echo "| run | throughput | p50 | p99 | max | p99 from 1 s on | errors | status codes | server CPU per answered request |"
echo "|---|---|---|---|---|---|---|---|---|"
log "closed loop"
row "closed loop, 32 workers, $CLOSED" "$(attack 0 "$CLOSED" -max-workers=32 -workers=32 -connections=32)"
for rate in $OPEN_RATES; do
  log "open loop $rate/s"
  row "open loop $rate/s, $DURATION" "$(attack "$rate/s" "$DURATION" -connections=25)"
done

# Highest offered rate with no errors, p99 <= 10 ms and at least 95 % of it achieved.
log "max sustainable rate"
sustained=0
for rate in $RATES; do
  r=$(attack "$rate/s" "$STEP" -connections=25)
  row "search $rate/s, $STEP" "$r"
  if jq -e --argjson rate "$rate" '(.success == 1) and (.latencies["99th"] <= 10e6) and (.throughput >= 0.95 * $rate)' <<<"$r" > /dev/null; then
    sustained=$rate
  else
    break
  fi
done

# New TLS connections: without keep-alive every request is a new connection and handshake. Meanwhile
# a kept-alive stream at 200/s shows whether requests in flight stall.
log "new TLS connections"
churn_ok=0
for rate in $CHURN_RATES; do
  attack 200/s "$STEP" -connections=25 > "$work/steady.json" &
  steady=$!
  r=$(attack "$rate/s" "$STEP" -keepalive=false)
  wait "$steady"
  row "new connection per request $rate/s, $STEP (CPU: both streams)" "$r"
  row "  kept-alive 200/s meanwhile" "$(jq 'del(.server_cpu_ms)' "$work/steady.json")"
  if jq -e --argjson rate "$rate" '(.success == 1) and (.throughput >= 0.95 * $rate)' <<<"$r" > /dev/null; then
    churn_ok=$rate
  else
    break
  fi
done

echo
echo "| summary | value |"
echo "|---|---|"
echo "| max sustainable open-loop rate (0 errors, p99 <= 10 ms, >= 95 % achieved) | ${sustained} req/s |"
echo "| new TLS connections/s served without errors | ${churn_ok} /s |"
echo "| server RSS after the load (peak) | $(rss) ($(hwm)) |"
echo "| load average after | $(cut -d' ' -f1-3 /proc/loadavg) |"
