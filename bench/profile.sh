#!/usr/bin/env bash
# Where the webhook's CPU goes under load, with the JVM options the Deployment ships (C1 only, serial GC,
# 112 MiB heap: deploy/03-deployment.yaml's JAVA_TOOL_OPTIONS and MALLOC_ARENA_MAX, unless JVM_FLAGS
# is given). The webhook alone (bench's WebhookServerMain: the real AdmissionServer and injection
# handler, a typical pod), warmed WARM at the rate, then open-loop load (vegeta, HTTP/1.1 over TLS,
# kept-alive, as webhook-load.sh sends it) for DURATION while a profiler records. Prints the load's
# result, the server's CPU per answer, and the profile: the hottest frames (self) and the share of
# the samples under each of our methods and a few library entry points (inclusive). The profiler costs
# CPU too: at 1,500/s with the Deployment's options JFR alone pushed p99 from 3-4 ms to 0.4 s (the
# server at its limit), so read the latencies here as the profiled server's, not the server's.
#
#   bench/profile.sh                       RATE=1000, DURATION=20s, WARM=10s, JFR (settings=profile)
#   PROFILER=perf bench/profile.sh         perf record (if perf is installed) with the JIT's symbol map
#                                          (jcmd Compiler.perfmap): native, kernel and GC time included,
#                                          shares by library and the hottest symbols
#   JVM_FLAGS='-Xmx512m' bench/profile.sh  another JVM (here: C2, as webhook-load.sh runs it)
#   SMOKE=1 bench/profile.sh               200/s, 2 s each, JFR sampling every 1 ms (what BenchHarnessIT
#                                          runs: at 10 ms, a fast machine's 2 s at 200/s gave 0 to 7 samples)
# Environment: RATE, DURATION, WARM, PROFILER (jfr|perf), SAMPLING (JFR's method-profiling: normal 20 ms,
# high 10 ms, max 1 ms; default high, max for SMOKE), KEEP (a directory to keep the recording
# in), JVM_FLAGS, CLASSPATH_OVERRIDE (skip mvn). Benchmarks never gate CI.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
if [[ "${SMOKE:-0}" == 1 ]]; then : "${RATE:=200}" "${DURATION:=2s}" "${WARM:=2s}" "${SAMPLING:=max}"; fi
SAMPLING=${SAMPLING:-high}
[[ $SAMPLING =~ ^(normal|high|max)$ ]] || { echo "SAMPLING is normal, high or max, not '$SAMPLING'" >&2; exit 2; }
RATE=${RATE:-1000}
DURATION=${DURATION:-20s}
WARM=${WARM:-10s}
PROFILER=${PROFILER:-jfr}
log() { echo "[profile] $*" >&2; }
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
if [[ $PROFILER == perf ]] && ! command -v perf > /dev/null; then
  echo "PROFILER=perf needs perf (linux-perf); PROFILER=jfr needs nothing but the JDK" >&2; exit 2
fi
[[ $PROFILER == jfr || $PROFILER == perf ]] || { echo "PROFILER is jfr or perf, not '$PROFILER'" >&2; exit 2; }
ensure_vegeta "$root"
bench_classpath
if [[ -z "${JVM_FLAGS:-}" ]]; then
  JVM_FLAGS=$(deployment_env JAVA_TOOL_OPTIONS)
  arenas=$(deployment_env MALLOC_ARENA_MAX)
else
  arenas=""
fi

work=$(mktemp -d)
server_pid=""
cleanup() {
  stop "$server_pid"
  rm -rf "$work"
}
trap cleanup EXIT

# shellcheck disable=SC2086
env ${arenas:+MALLOC_ARENA_MAX=$arenas} java $JVM_FLAGS -cp "$cp" dev.meshoperator.bench.WebhookServerMain "$work" \
  < /dev/null > "$work/server.log" 2>&1 &
server_pid=$!
wait_for "$work/port" "$server_pid" "$work/server.log"
webhook_targets "$work/targets" "$(cat "$work/port")" "$work/review.json"
attack() {
  "$vegeta" attack -targets="$work/targets" -root-certs="$work/ca.pem" -http2=false -max-body=0 -timeout=10s \
    -connections=25 -rate="$RATE/s" -duration="$1"
}
seconds() { local d=${1%s}; echo "${d%.*}"; }

echo "## webhook profile ($(date -u +%Y-%m-%dT%H:%MZ))"
echo "machine: $(nproc) cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(java -version 2>&1 | head -1); commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "server: WebhookServerMain, JVM flags '$JVM_FLAGS'${arenas:+, MALLOC_ARENA_MAX=$arenas}; load: vegeta $VEGETA_VERSION, open loop $RATE/s for $DURATION after $WARM at the same rate; profiler: $PROFILER$([[ $PROFILER == jfr ]] && echo " (method-profiling=$SAMPLING)")"
log "warm-up: $RATE/s for $WARM"
attack "$WARM" > /dev/null
log "recording: $RATE/s for $DURATION"
recording=$work/recording
if [[ $PROFILER == jfr ]]; then
  jcmd "$server_pid" JFR.start name=bench settings=profile method-profiling="$SAMPLING" filename="$recording.jfr" > /dev/null
else
  perf record -F 499 -p "$server_pid" -o "$recording.perf" -- sleep "$(seconds "$DURATION")" > /dev/null 2>&1 &
  perf_pid=$!
fi
before=$(cpu_ticks "$server_pid")
attack "$DURATION" > "$work/load.bin"
after=$(cpu_ticks "$server_pid")
if [[ $PROFILER == jfr ]]; then
  jcmd "$server_pid" JFR.stop name=bench > /dev/null
else
  wait "$perf_pid" || true
  jcmd "$server_pid" Compiler.perfmap > /dev/null
fi
"$vegeta" report -type=json < "$work/load.bin" > "$work/load.json"
answered=$(jq '.status_codes["200"] // 0' "$work/load.json")
echo
echo "| offered | answered | p50 | p99 | max | errors | server CPU per answer |"
echo "|---|---|---|---|---|---|---|"
jq -r --argjson ticks "$(( after - before ))" --argjson hz "$(getconf CLK_TCK)" --argjson ok "$answered" \
  '"| \(.rate | round)/s | \(.throughput | round)/s | \(.latencies["50th"] / 1e6 * 100 | round / 100) ms | \(.latencies["99th"] / 1e6 * 100 | round / 100) ms | \(.latencies.max / 1e6 * 100 | round / 100) ms | \(.requests - $ok) | \(if $ok > 0 then ($ticks / $hz * 1000 / $ok * 1000 | round / 1000 | tostring) + " ms" else "-" end) |"' \
  "$work/load.json"

echo
if [[ $PROFILER == jfr ]]; then
  # Each sample's stack, top frame first: the self counts (top frames) and, once per sample, every
  # method on the stack (inclusive).
  jfr print --events jdk.ExecutionSample --stack-depth 128 "$recording.jfr" | awk '
    /stackTrace = \[/ { in_stack = 1; depth = 0; delete seen; samples++; next }
    in_stack && /^[ \t]*\]/ { in_stack = 0; next }
    in_stack && /line:/ {
      f = $1; sub(/\(.*/, "", f)
      if (depth++ == 0) self[f]++
      if (!(f in seen)) { seen[f] = 1; incl[f]++ }
    }
    END {
      printf "JFR execution samples: %d (Java frames only: TLS, the kernel and the collector are not in them)\n\n", samples
      if (samples == 0) exit
      print "| self | hottest frames |"; print "|---|---|"
      for (f in self) printf "%.1f %% | %s\n", 100 * self[f] / samples, f | "sort -rn | head -25 | sed \"s/^/| /; s/$/ |/\""
      close("sort -rn | head -25 | sed \"s/^/| /; s/$/ |/\"")
      print ""; print "| inclusive | our methods and the library entry points under them |"; print "|---|---|"
      for (f in incl) if (f ~ /^dev\.meshoperator\./ || f ~ /ObjectMapper\.(convertValue|treeToValue|readTree|writeValueAsBytes)$/ || f ~ /Base64/)
        printf "%.1f %% | %s\n", 100 * incl[f] / samples, f | "sort -rn | head -40 | sed \"s/^/| /; s/$/ |/\""
    }'
else
  echo "| share | library (perf, all of the process's CPU) |"
  echo "|---|---|"
  perf report -i "$recording.perf" --sort dso --stdio 2> /dev/null | awk '/^ +[0-9.]+%/ { printf "| %s | %s |\n", $1, $2 }' | head -12
  echo
  echo "| self | hottest symbols |"
  echo "|---|---|"
  perf report -i "$recording.perf" --sort sym --stdio 2> /dev/null \
    | awk '/^ +[0-9.]+%/ { p = $1; $1 = ""; $2 = ""; sub(/^ +/, ""); printf "| %s | %s |\n", p, substr($0, 1, 140) }' | head -30
fi
if [[ -n "${KEEP:-}" ]]; then
  mkdir -p "$KEEP"
  cp "$recording".* "$KEEP/"
  echo
  echo "recording kept in $KEEP/"
fi
