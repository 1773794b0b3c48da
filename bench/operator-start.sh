#!/usr/bin/env bash
# The operator's start as it ships (issue 11, "warm from the start"): target/mesh-operator.jar, the
# `operator` command with the Deployment's args and JAVA_TOOL_OPTIONS, as its ServiceAccount, against
# a local cluster (the LocalCluster the ITs use) where the demo MeshInstall is Ready and the review's
# namespace is labelled for injection. Per row: start the operator, time fork to /readyz 200, then at
# once open-loop webhook load (vegeta, HTTP/1.1 over TLS, kept-alive pool of 25, a typical pod's
# AdmissionReview, as bench/webhook-load.sh sends it) for WINDOW, and print p50/p99/max over that
# window, p99 from 1 s on, errors, the operator's RSS after it, its collections in the window (from
# -Xlog:gc: pauses, their total and longest, and how many were full collections; a full collection
# of the old generation is the stall a heap too small for the start's garbage makes) and the load
# average. Two
# configurations, alternated: the jar alone, and the jar with the class data archive the image
# makes (trained as the Dockerfile does: ClassDataTraining, no cluster, no JVM options, the jar at
# a path of its own), mapped with -XX:SharedArchiveFile as the image's ENTRYPOINT does.
#
#   bench/operator-start.sh                RATES="200 1000", REPEAT=3, WINDOW=10s
#   RATES=1000 REPEAT=5 bench/operator-start.sh
#   SMOKE=1 bench/operator-start.sh        one run of each at 200/s for 2 s: the wiring only (BenchHarnessIT)
# Environment: RATES, REPEAT, WINDOW, CONFIGS ("jar image", or one of them), OPERATOR_JAR (another
# build's mesh-operator.jar, e.g. main's before a change), CLASSPATH_OVERRIDE (skip mvn), WEBHOOK_PORT,
# HEALTH_PORT (default 29443, 28080). Benchmarks never gate CI.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
if [[ "${SMOKE:-0}" == 1 ]]; then : "${RATES=200}" "${REPEAT:=1}" "${WINDOW:=2s}"; fi
RATES=${RATES-"200 1000"}
REPEAT=${REPEAT:-3}
WINDOW=${WINDOW:-10s}
[[ $WINDOW =~ ^[0-9]+s$ ]] || { echo "WINDOW: whole seconds, e.g. 10s, not $WINDOW" >&2; exit 2; }
CONFIGS=${CONFIGS:-"jar image"}
WEBHOOK_PORT=${WEBHOOK_PORT:-29443}
HEALTH_PORT=${HEALTH_PORT:-28080}
log() { echo "[operator-start] $(date -u +%T) $*" >&2; }
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
kube_binaries_on_path

flags=$(deployment_env JAVA_TOOL_OPTIONS)
arenas=$(deployment_env MALLOC_ARENA_MAX)
[[ -n $flags ]] || { echo "no JAVA_TOOL_OPTIONS in deploy/03-deployment.yaml" >&2; exit 2; }
ensure_vegeta "$root"
bench_classpath
[[ -f target/mesh-operator.jar && -f target/meshctl.jar ]] || { echo "run mvn -o package -DskipTests first" >&2; exit 2; }

work=$(mktemp -d)
cluster_pid=""
operator_pid=""
helper_pid=""
cleanup() { stop "$helper_pid"; stop "$operator_pid"; stop "$cluster_pid"; rm -rf "$work"; }
trap cleanup EXIT

# ---- the image's jar and class data archive, made as the Dockerfile makes them ----
jar="$work/app/mesh-operator.jar"
archive="$work/app/mesh-operator.jsa"
if [[ " $CONFIGS " == *" image "* ]]; then
  log "class data training (as the Dockerfile's RUN)"
  trained=$(image_archive "${OPERATOR_JAR:-target/mesh-operator.jar}" "$work/app")  # a failed training ends the script
  log "$trained"
else
  mkdir -p "$work/app"
  cp "${OPERATOR_JAR:-target/mesh-operator.jar}" "$jar"
fi

# ---- the AdmissionReview webhook-load.sh sends (written by the bench's WebhookServerMain) ----
admission_review "$work"

# ---- the local cluster, deploy/ applied, a kubeconfig of the operator's ServiceAccount ----
log "starting the local cluster"
java -cp "$cp" dev.meshoperator.bench.LocalClusterMain "$work/cluster" < /dev/null > "$work/cluster.log" 2>&1 &
cluster_pid=$!
wait_for "$work/cluster/kubeconfig-path" "$cluster_pid" "$work/cluster.log" 3000
KUBECONFIG=$(cat "$work/cluster/kubeconfig-path")
export KUBECONFIG
kubectl apply --server-side --force-conflicts -f deploy/ > /dev/null
kubectl create namespace "$review_ns" > /dev/null
kubectl label namespace "$review_ns" istio-injection=enabled > /dev/null
sa_kubeconfig "$work"
sa="$SAKC"
webhook_targets "$work/targets" "$WEBHOOK_PORT" "$work/review.json"

# start_operator EXTRA_FLAGS -> operator_pid, ready_ms (fork to /readyz 200), ready_at (epoch ms);
# the Deployment's args; the JVM's collections logged to $work/gc.log (epoch ms per line)
start_operator() {
  local t0 t1
  rm -f "$work/gc.log"
  t0=$(date +%s%N)
  # shellcheck disable=SC2086
  env -u KUBECONFIG JAVA_TOOL_OPTIONS="$flags" ${arenas:+MALLOC_ARENA_MAX=$arenas} POD_NAMESPACE=mesh-operator \
    POD_NAME=operator-start-0 java $1 -Xlog:gc:file="$work/gc.log":timemillis -jar "$jar" operator --kubeconfig "$sa" --webhook-port="$WEBHOOK_PORT" \
    --health-port="$HEALTH_PORT" --webhook-bind-address=127.0.0.1 --webhook-url-host=127.0.0.1 --leader-election \
    --default-failure-policy=Fail < /dev/null > "$work/operator.log" 2>&1 &
  operator_pid=$!
  wait_ready "$HEALTH_PORT" "$operator_pid" "$work/operator.log"
  t1=$(date +%s%N)
  ready_ms=$(( (t1 - t0) / 1000000 ))
  ready_at=$(( t1 / 1000000 ))
}

# gc_window FROM_MS SECONDS: "pauses / total / longest / full" of $work/gc.log's pauses that ended in
# [FROM_MS, FROM_MS + SECONDS s], e.g. "29 / 95 ms / 9.8 ms / 0 full"
gc_window() {
  awk -v from="$1" -v to="$(( $1 + $2 * 1000 ))" '
    match($0, /^\[[0-9]+ms\]/) && / Pause / {
      t = substr($0, 2, RLENGTH - 4) + 0
      if (t < from || t > to) next
      ms = $NF; sub(/ms$/, "", ms); n++; total += ms; if (ms + 0 > longest) longest = ms + 0
      if (/ Pause Full /) full++
    }
    END { printf "%d / %.0f ms / %.1f ms / %d full", n, total, longest, full }' "$work/gc.log"
}

# ---- the demo MeshInstall, Ready; the webhook's CA ----
log "demo MeshInstall"
start_operator ""
kubectl apply -f examples/meshinstall-demo.yaml > /dev/null
kubectl wait --for=condition=Ready meshinstall/demo --timeout=300s > /dev/null
kubectl -n mesh-operator get secret mesh-operator-webhook-tls -o jsonpath='{.data.ca\.crt}' | base64 -d > "$work/webhook-ca.pem"
# Positive control: the webhook injects (a JSON patch adding istio-proxy), not just answers.
curl -s --cacert "$work/webhook-ca.pem" -H 'Content-Type: application/json' --data-binary @"$work/review.json" \
  "https://127.0.0.1:$WEBHOOK_PORT/inject" | jq -r '.response.patch' | base64 -d | grep -q istio-proxy \
  || { echo "the webhook did not inject istio-proxy" >&2; exit 1; }
stop "$operator_pid"; operator_pid=""

ms() { jq -r "(.latencies[\"$1\"] // 0) / 1e6 | . * 100 | round / 100"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

echo "## operator start ($(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')${OPERATOR_JAR:+, jar $OPERATOR_JAR})"
echo "machine: $(nproc) cores ($(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)), $(free -g | awk '/Mem:/{print $2}') GiB;" \
  "$(java -version 2>&1 | head -1); JAVA_TOOL_OPTIONS '$flags'"
echo "the operator as its ServiceAccount, the demo MeshInstall Ready; load: vegeta open loop, HTTP/1.1 over TLS,"
echo "kept-alive pool of 25, $WINDOW from the moment /readyz answers 200"
echo
echo "| operator | rate | start to ready | p50 | p99 | max | p99 from 1 s on | errors | RSS after | warm-up (its log: requests, the full collection before ready) | collections in the window: pauses / total / longest / full | load before | load after |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for i in $(seq 1 "$REPEAT"); do
  for rate in $RATES; do
    for config in $CONFIGS; do
      case $config in
        jar) extra="" ;;
        image) extra="-XX:SharedArchiveFile=$archive" ;;
        *) echo "CONFIGS: jar or image, not $config" >&2; exit 2 ;;
      esac
      log "$config, $rate/s, run $i"
      before=$(load)
      start_operator "$extra"
      "$vegeta" attack -targets="$work/targets" -root-certs="$work/webhook-ca.pem" -http2=false -max-body=0 -timeout=10s \
        -rate="$rate/s" -duration="$WINDOW" -connections=25 > "$work/row.bin"
      rss=$(awk '/^VmRSS/{printf "%.0f", $2/1024}' "/proc/$operator_pid/status")
      # the archive mapped (a java that cannot map it would start without it, and the row would lie)
      if [[ $config == image ]] && ! grep -q "$archive" "/proc/$operator_pid/maps"; then
        echo "the operator did not map $archive" >&2; exit 1
      fi
      stop "$operator_pid"; operator_pid=""
      r=$("$vegeta" report -type=json < "$work/row.bin")
      printf '| %s | %s/s | %s ms | %s ms | %s ms | %s ms | %s ms | %s | %s MiB | %s | %s | %s | %s |\n' "$config" "$rate" \
        "$ready_ms" "$(ms 50th <<<"$r")" "$(ms 99th <<<"$r")" "$(ms max <<<"$r")" "$(late_p99 "$work/row.bin")" \
        "$(jq -r '(.requests - (.status_codes["200"] // 0))' <<<"$r")" "$rss" \
        "$(grep -o 'warm-up: [0-9]* requests' "$work/operator.log" | head -1 | sed 's/warm-up: //')$(grep -o \
          "collected the start's garbage before reporting ready, in [0-9]* ms" "$work/operator.log" | sed 's/.*, in /, collected in /')" \
        "$(gc_window "$ready_at" "${WINDOW%s}")" "$before" "$(load)"
    done
  done
done
