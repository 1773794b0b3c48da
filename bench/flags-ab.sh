#!/usr/bin/env bash
# An alternated A/B of JVM options for the webhook alone (bench's WebhookServerMain: the real
# AdmissionServer and injection handler with its patch memo, a typical pod's review as webhook-load.sh
# sends it): for tails that show up in one run of several, where one run of each candidate tells
# nothing. Each round runs every candidate once, in turn, the order reversed every other round; each
# run is a fresh server, WARM at RATE from one vegeta (HTTP/1.1 over TLS, kept-alive, idle pool 25),
# then DURATION at RATE from a fresh one (whose first second dials its connections, as a restarted
# API server would). Prints a row per run and a summary per candidate. Benchmarks never gate CI.
#
#   PAIRS=12 bench/flags-ab.sh shipped 'trim:MALLOC_ARENA_MAX=2 <the Deployment's options> -XX:TrimNativeHeapInterval=5000'
#   SMOKE=1 bench/flags-ab.sh shipped 'c2:...'   one round, 200/s, 1 s warm, 2 s measured (BenchHarnessIT)
#
# A candidate is NAME:FLAGS; leading VAR=value words of FLAGS go to the server's environment (e.g.
# MALLOC_ARENA_MAX=2), the rest are JVM options. "shipped" with no FLAGS (a bare name) is the
# Deployment's JAVA_TOOL_OPTIONS and MALLOC_ARENA_MAX. Environment: PAIRS (rounds, default 6), RATE
# (default 3000), WARM (default 10s), DURATION (default 20s), SERVER_ARGS (to WebhookServerMain),
# CLASSPATH_OVERRIDE (skip mvn).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
if [[ "${SMOKE:-0}" == 1 ]]; then : "${PAIRS:=1}" "${RATE:=200}" "${WARM:=1s}" "${DURATION:=2s}"; fi
PAIRS=${PAIRS:-6}
RATE=${RATE:-3000}
WARM=${WARM:-10s}
DURATION=${DURATION:-20s}
log() { echo "[flags-ab] $*" >&2; }
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
ensure_vegeta "$root"
bench_classpath

shipped=$(deployment_flags)
if (( $# < 2 )); then
  echo "usage: bench/flags-ab.sh NAME:FLAGS NAME:FLAGS... (two or more; a bare 'shipped' is the Deployment's options)" >&2
  exit 2
fi
names=(); flag_sets=()
for candidate in "$@"; do
  if [[ "$candidate" == shipped ]]; then candidate="shipped:$shipped"; fi
  if [[ "$candidate" != *:* ]]; then echo "flags-ab.sh: '$candidate' is not NAME:FLAGS" >&2; exit 2; fi
  names+=("${candidate%%:*}"); flag_sets+=("${candidate#*:}")
done

server_work

# run INDEX: one fresh server with candidate INDEX's options; prints its row and appends
# "name p99 over50" to $work/summary.
run() {
  local i=$1 name=${names[$1]} dir="$work/run"
  local -a envs jvm
  split_flags "${flag_sets[$i]}"
  rm -rf "$dir"; mkdir -p "$dir"
  # shellcheck disable=SC2086
  env ${envs[@]+"${envs[@]}"} java ${jvm[@]+"${jvm[@]}"} -cp "$cp" dev.meshoperator.bench.WebhookServerMain "$dir" \
    ${SERVER_ARGS:-} < /dev/null > "$dir/server.log" 2>&1 &
  server_pid=$!
  wait_for "$dir/port" "$server_pid" "$dir/server.log"
  webhook_targets "$dir/targets" "$(cat "$dir/port")" "$dir/review.json"
  attack() {
    "$vegeta" attack -targets="$dir/targets" -root-certs="$dir/ca.pem" -http2=false -max-body=0 -timeout=10s -connections=25 \
      -rate="$RATE/s" -duration="$1"
  }
  attack "$WARM" > /dev/null
  local t0 t1
  t0=$(cpu_ticks "$server_pid")
  attack "$DURATION" > "$dir/row.bin"
  t1=$(cpu_ticks "$server_pid")
  local rss
  rss=$(awk '/VmRSS/ { print int($2 / 1024) }' "/proc/$server_pid/status")
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
  local report late slow
  report=$("$vegeta" report -type=json < "$dir/row.bin")
  late=$(late_p99 "$dir/row.bin")
  slow=$("$vegeta" encode --to csv < "$dir/row.bin" | awk -F, '$3 > 1e7 { a++ } $3 > 5e7 { b++ } END { printf "%d %d", a, b }')
  local n p99 max errors
  n=$(jq '.requests' <<< "$report")
  p99=$(jq '.latencies["99th"] / 1e6 * 100 | round / 100' <<< "$report")
  max=$(jq '.latencies.max / 1e6 * 10 | round / 10' <<< "$report")
  errors=$(jq '[.status_codes | to_entries[] | select(.key != "200") | .value] | add // 0' <<< "$report")
  echo "| $round | $name | $n | $errors | $(jq '.latencies["50th"] / 1e6 * 100 | round / 100' <<< "$report") ms | $p99 ms | $late ms | $max ms | ${slow% *} | ${slow#* } | $(awk -v t=$((t1 - t0)) -v n="$n" 'BEGIN { printf "%.3f", t * 10 / n }') ms | $rss MiB |"
  echo "$name $p99 ${slow#* }" >> "$work/summary"
}

echo "webhook alone (WebhookServerMain${SERVER_ARGS:+ $SERVER_ARGS}), $RATE/s: $WARM warm, then $DURATION measured from a fresh client; $PAIRS round(s); commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
for i in "${!names[@]}"; do echo "candidate ${names[$i]}: ${flag_sets[$i]}"; done
echo "| round | candidate | requests | errors | p50 | p99 | p99 from 1 s on | max | over 10 ms | over 50 ms | server CPU per answer | RSS after |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for (( round = 1; round <= PAIRS; round++ )); do
  order=("${!names[@]}")
  if (( round % 2 == 0 )); then order=($(printf '%s\n' "${order[@]}" | sort -rn)); fi
  for i in "${order[@]}"; do log "round $round: ${names[$i]}"; run "$i"; done
done
echo
echo "| candidate | runs | p99 (each, sorted) | median p99 | answers over 50 ms (all runs) |"
echo "|---|---|---|---|---|"
for name in "${names[@]}"; do
  awk -v n="$name" '$1 == n { print $2 }' "$work/summary" | sort -g > "$work/p99s"
  runs=$(wc -l < "$work/p99s")
  echo "| $name | $runs | $(paste -sd, "$work/p99s" | sed 's/,/, /g') ms | $(awk '{ v[NR] = $1 } END { printf "%s", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }' "$work/p99s") ms | $(awk -v n="$name" '$1 == n { s += $3 } END { print s + 0 }' "$work/summary") |"
done
