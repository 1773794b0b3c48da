#!/usr/bin/env bash
# Memory of the real operator (target/mesh-operator.jar, `operator` command, as its ServiceAccount,
# leader election on) against a local cluster (etcd, kube-apiserver, controller-manager, scheduler,
# kwok: the LocalCluster the ITs use), with the demo MeshInstall Ready: RSS and the JVM's own account
# (NativeMemoryTracking summary, jstat) at rest, under open-loop webhook load (vegeta, HTTP/1.1 over
# TLS, a typical pod's AdmissionReview, as bench/webhook-load.sh sends it) and after. One operator run
# per candidate set of JVM flags; prints one table. Benchmarks never gate CI.
#
#   bench/memory.sh                                  the shipped flags, as the image runs and as a jar
#   bench/memory.sh 'serial:-XX:+UseSerialGC -Xmx128m' 'g1:-XX:+UseG1GC -Xmx128m'
#   SMOKE=1 bench/memory.sh                          the image only, short phases (BenchHarnessIT)
#
# A candidate is NAME:FLAGS. FLAGS are JVM options; leading VAR=value words are set in the operator's
# environment instead (e.g. MALLOC_ARENA_MAX=2), except OPERATOR_JAR=path, which runs that jar
# instead of target/mesh-operator.jar (two builds compared in one run), and IMAGE=1, which runs the
# jar as the image does: from a path of its own, with the class data archive the Dockerfile makes
# (bench/lib.sh's image_archive) mapped by -XX:SharedArchiveFile. Every candidate runs with -XX:MaxRAM=<the Deployment's
# memory limit> first, so that percentages and ergonomics size the JVM as the container's cgroup limit
# would (a later -XX:MaxRAM in FLAGS wins), and with -XX:NativeMemoryTracking=summary (costs a little
# memory itself: about 1-3 MiB, counted in the rows).
# The default candidates, "image" and "jar", are the JAVA_TOOL_OPTIONS (and MALLOC_ARENA_MAX) of
# deploy/03-deployment.yaml, read from the file, with and without IMAGE=1.
# Environment: RATES (open-loop rates, default "1000 3000"), DURATION (each, default 15s), WARMUP
# (closed loop, 8 workers, default 10s), REST (seconds from Ready to the at-rest sample, default 30),
# AFTER (seconds idle after the load, default 30), CHURN (rounds of control-plane work after that,
# default 2, 0 for none: see churn below), CLASSPATH_OVERRIDE (skip mvn), WEBHOOK_PORT,
# HEALTH_PORT (default 29443, 28080), DUMP_DIR (if set: at every row, the full NMT summary,
# /proc/<pid>/smaps_rollup, the threads by name, the loaded class count and what a malloc trim
# gives back (after the row's sample) go to DUMP_DIR/<candidate number>-<phase>.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
# SMOKE=1: the wiring only (BenchHarnessIT): the image candidate, 200/s for 2 s, one round of control-plane work.
if [[ "${SMOKE:-0}" == 1 ]]; then
  : "${RATES:=200}" "${DURATION:=2s}" "${WARMUP:=2s}" "${REST:=1}" "${AFTER:=1}" "${CHURN:=1}"
fi
RATES=${RATES:-"1000 3000"}
DURATION=${DURATION:-15s}
WARMUP=${WARMUP:-10s}
REST=${REST:-30}
AFTER=${AFTER:-30}
CHURN=${CHURN:-2}
WEBHOOK_PORT=${WEBHOOK_PORT:-29443}
HEALTH_PORT=${HEALTH_PORT:-28080}

log() { echo "[memory] $(date -u +%T) $*" >&2; }
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
kube_binaries_on_path

# ---- what ships: flags and memory limit of deploy/03-deployment.yaml ----
deployment=deploy/03-deployment.yaml
shipped_flags=$(deployment_flags)
limit=$(awk '/limits:/{l=1; next} l && /memory:/{print $2; exit}' "$deployment")
case "$limit" in
  *Mi) limit_mib=${limit%Mi} ;;
  *Gi) limit_mib=$(( ${limit%Gi} * 1024 )) ;;
  *) echo "memory limit '$limit' in $deployment: expected NNNMi or NGi" >&2; exit 1 ;;
esac
if [[ $# -gt 0 ]]; then
  candidates=("$@")
elif [[ "${SMOKE:-0}" == 1 ]]; then
  candidates=("image:IMAGE=1 $shipped_flags")
else
  candidates=("image:IMAGE=1 $shipped_flags" "jar:$shipped_flags")
fi

# ---- vegeta, from its Go module (bench/lib.sh) ----
ensure_vegeta "$root"

# ---- jars and the bench classpath (for the AdmissionReview of webhook-load.sh) ----
if [[ -n "${CLASSPATH_OVERRIDE:-}" ]]; then
  cp="$CLASSPATH_OVERRIDE"
else
  if [[ ! -f target/mesh-operator.jar || ! -f target/meshctl.jar || ! -f target/bench.classpath ]]; then
    log "building (mvn package -DskipTests)"
    mvn -B -q -o -ntp -DskipTests -DskipKubeTestenv=true -DskipK3s=true package dependency:build-classpath \
      -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test >&2
  fi
  cp="target/test-classes:target/classes:$(cat target/bench.classpath)"
fi
for jar in target/mesh-operator.jar target/meshctl.jar; do
  [[ -f "$jar" ]] || { echo "$jar missing: run mvn -DskipTests package" >&2; exit 1; }
done

work=$(mktemp -d)
cluster_pid=""
operator_pid=""
helper_pid=""
cleanup() {
  stop "$helper_pid"
  if [[ -n "$operator_pid" ]]; then stop "$operator_pid"; fi
  stop "$cluster_pid"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'echo "[memory] failed at line $LINENO" >&2' ERR

# ---- the AdmissionReview webhook-load.sh sends (written by the bench's WebhookServerMain) ----
admission_review "$work"

# ---- the local cluster, deploy/ applied, a kubeconfig of the operator's ServiceAccount ----
cat > "$work/Cluster.java" <<'EOF'
import dev.meshoperator.localcluster.KubeBinaries;
import dev.meshoperator.localcluster.LocalCluster;
import java.nio.file.Path;

public class Cluster {
  public static void main(String[] args) throws Exception {
    LocalCluster c = LocalCluster.start(KubeBinaries.fromEnvironment(KubeBinaries.pinnedVersion()), Path.of(args[0]));
    System.out.println("READY kubeconfig=" + c.kubeconfig());
    Runtime.getRuntime().addShutdownHook(new Thread(c::close));
    Thread.currentThread().join();
  }
}
EOF
log "starting the local cluster"
java -cp target/meshctl.jar "$work/Cluster.java" "$work/cluster" > "$work/cluster.log" 2>&1 &
cluster_pid=$!
for _ in $(seq 1 300); do grep -q READY "$work/cluster.log" && break; kill -0 "$cluster_pid" || break; sleep 1; done
grep -q READY "$work/cluster.log" || { cat "$work/cluster.log" >&2; exit 1; }
KUBECONFIG=$(grep -o 'kubeconfig=[^ ]*' "$work/cluster.log" | cut -d= -f2)
export KUBECONFIG
kubectl apply --server-side -f deploy/ > /dev/null
kubectl create namespace "$review_ns" > /dev/null
kubectl label namespace "$review_ns" istio-injection=enabled > /dev/null
sa_kubeconfig "$work"
sa="$SAKC"

url="https://127.0.0.1:$WEBHOOK_PORT/inject"
webhook_targets "$work/targets" "$WEBHOOK_PORT" "$work/review.json"

# ---- measurements ----
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
tick=$(getconf CLK_TCK)
mib() { awk -v k="$1" 'BEGIN{printf "%.0f", k/1024}'; }
# sample PID -> "rss hwm heap_used heap_committed meta_used threads thread_kb code_kb gc_kb class_kb other_kb nmt_total_kb
# rss_anon" (KiB; RSS less RssAnon is file-backed: libjvm, the JDK's modules, tcnative's library)
sample() {
  local pid=$1 rss hwm anon jstat nmt
  rss=$(awk '/^VmRSS/{print $2}' "/proc/$pid/status")
  hwm=$(awk '/^VmHWM/{print $2}' "/proc/$pid/status")
  anon=$(awk '/^RssAnon/{print $2}' "/proc/$pid/status")
  jstat=$(jstat -gc "$pid" | awk 'NR==1{for(i=1;i<=NF;i++)h[$i]=i; next}
    {u=$h["S0U"]+$h["S1U"]+$h["EU"]+$h["OU"]; c=$h["S0C"]+$h["S1C"]+$h["EC"]+$h["OC"]; printf "%.0f %.0f %.0f", u, c, $h["MU"]}')
  nmt=$(jcmd "$pid" VM.native_memory summary | awk '
    /^Total:/{match($0,/committed=[0-9]+/); total=substr($0,RSTART+10,RLENGTH-10)}
    /^-/{name=$0; sub(/^- */,"",name); sub(/ *\(.*/,"",name); match($0,/committed=[0-9]+/); c[name]=substr($0,RSTART+10,RLENGTH-10)}
    /\(thread #/{match($0,/#[0-9]+/); threads=substr($0,RSTART+1,RLENGTH-1)}
    END{printf "%d %d %d %d %d %d %d", threads, c["Thread"], c["Code"], c["GC"], c["Class"], c["Other"], total}')
  echo "$rss $hwm $jstat $nmt $anon"
}
printf '%s\n' "| flags | phase | RSS | of it file-backed | peak RSS | heap used / committed | metaspace used | threads (stacks committed) | code cache | GC structures | direct (NMT Other) | NMT total committed | RSS outside NMT | throughput | p99 | errors | operator CPU per answered request | load average |" > "$work/table"
printf '%s\n' "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|" >> "$work/table"
# dump N PHASE PID: the JVM's full account beside the kernel's, for DUMP_DIR.
dump() {
  [[ -n "${DUMP_DIR:-}" ]] || return 0
  mkdir -p "$DUMP_DIR"
  local f="$DUMP_DIR/$1-$2.txt"
  { echo "# $(date -u +%T) load average $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "## smaps_rollup"; cat "/proc/$3/smaps_rollup"
    echo "## threads by name"
    jcmd "$3" Thread.print | sed -n 's/^"\([^"]*\)".*/\1/p' | sed 's/[-# 0-9]*$//' | sort | uniq -c | sort -rn
    echo "## classes"; jcmd "$3" VM.classloader_stats | tail -3
    echo "## NMT"; jcmd "$3" VM.native_memory summary
    # Last, as it changes what it measures: how much of the RSS is memory malloc holds free (the
    # JVM's trimmer returns it every TrimNativeHeapInterval anyway).
    echo "## trim"; jcmd "$3" System.trim_native_heap
  } > "$f" 2>&1 || true
}
row() { # name phase sample [throughput p99 errors cpu-per-request]
  local s=($3)
  printf '| %s | %s | %s MiB | %s MiB | %s MiB | %s / %s MiB | %s MiB | %s (%s MiB) | %s MiB | %s MiB | %s MiB | %s MiB | %s MiB | %s | %s | %s | %s | %s |\n' \
    "$1" "$2" "$(mib "${s[0]}")" "$(mib $(( s[0] - s[12] )))" "$(mib "${s[1]}")" "$(mib "${s[2]}")" "$(mib "${s[3]}")" "$(mib "${s[4]}")" \
    "${s[5]}" "$(mib "${s[6]}")" "$(mib "${s[7]}")" "$(mib "${s[8]}")" "$(mib "${s[10]}")" "$(mib "${s[11]}")" \
    "$(mib $(( s[0] - s[11] )))" "${4:--}" "${5:--}" "${6:--}" "${7:--}" "$(loadavg)" | tee -a "$work/table" >&2
}

# The webhook's CA, from the configuration the operator registered with the API server.
ca_pem() {
  kubectl get mutatingwebhookconfigurations -o json \
    | jq -r --arg port ":$WEBHOOK_PORT/" '[.items[].webhooks[] | select(.clientConfig.url // "" | contains($port)) | .clientConfig.caBundle][0] // empty' \
    | base64 -d
}

# ---- control-plane work, as a user does it by hand ----
# ready_at_generation: until demo's status has observed its current generation and says Ready.
ready_at_generation() {
  local s
  for _ in $(seq 1 600); do
    s=$(kubectl get meshinstall demo -o jsonpath='{.metadata.generation} {.status.observedGeneration} {.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null || true)
    [[ "$s" =~ ^([0-9]+)\ ([0-9]+)\ True$ && "${BASH_REMATCH[1]}" == "${BASH_REMATCH[2]}" ]] && return 0
    sleep 0.2
  done
  echo "meshinstall/demo not Ready at its generation: $s" >&2; exit 1
}
# wait_pods NS TOTAL HUBBED: until NS has TOTAL pods, each with an istio-proxy container (injected by
# the webhook, called by the API server; a native sidecar, among the init containers, where the
# cluster has them), HUBBED of them with the proxy image from registry.example.
wait_pods() {
  local got
  for _ in $(seq 1 600); do
    got=$(kubectl -n "$1" get pods -o json | jq -r '[.items[] | [(.spec.initContainers // [])[], .spec.containers[] | select(.name == "istio-proxy") | .image][0] // ""]
      | "\(length) \(map(select(. != "")) | length) \(map(select(startswith("registry.example/"))) | length)"')
    [[ "$got" == "$2 $2 $3" ]] && return 0
    sleep 0.2
  done
  echo "namespace $1: expected '$2 $2 $3' (pods, injected, with the edited hub), got '$got'" >&2; exit 1
}
# churn TAG: CHURN rounds of what stop 29 did by hand, each in a new labelled namespace: Deployments of
# 3 and 5 replicas; the MeshInstall's hub set, web scaled to 5 (its new pods carry that hub); the hub
# removed, web scaled to 7 (theirs the default again); the MeshInstall deleted (everything it made goes)
# and applied again, Ready. Every step waits for its outcome and checks it, so the row after it stands
# for work done. Sets churned to the number of pods injected.
churn() {
  local r ns
  churned=0
  for r in $(seq 1 "$CHURN"); do
    ns="churn-$1-$r"
    kubectl create namespace "$ns" > /dev/null
    kubectl label namespace "$ns" istio-injection=enabled > /dev/null
    kubectl -n "$ns" create deployment web --image=nginx --replicas=3 > /dev/null
    kubectl -n "$ns" create deployment api --image=nginx --replicas=5 > /dev/null
    wait_pods "$ns" 8 0
    kubectl patch meshinstall demo --type=merge -p '{"spec":{"hub":"registry.example/istio"}}' > /dev/null
    ready_at_generation
    kubectl -n "$ns" scale deployment web --replicas=5 > /dev/null
    wait_pods "$ns" 10 2
    kubectl patch meshinstall demo --type=json -p '[{"op":"remove","path":"/spec/hub"}]' > /dev/null
    ready_at_generation
    kubectl -n "$ns" scale deployment web --replicas=7 > /dev/null
    wait_pods "$ns" 12 2
    kubectl delete meshinstall demo --timeout=120s > /dev/null
    kubectl get namespace istio-system > /dev/null 2>&1 && { echo "istio-system left after deleting the MeshInstall" >&2; exit 1; }
    kubectl apply -f examples/meshinstall-demo.yaml > /dev/null
    ready_at_generation
    kubectl delete namespace "$ns" --wait=false > /dev/null
    churned=$((churned + 12))
    log "control-plane round $r of $CHURN done: 12 pods injected, hub set and removed, MeshInstall deleted and applied"
  done
}

first=1
n=0
for candidate in "${candidates[@]}"; do
  n=$((n + 1))
  name=${candidate%%:*}
  flags=${candidate#*:}
  split_flags "$flags"
  # OPERATOR_JAR=path among the leading words: that jar instead of target/mesh-operator.jar (to
  # compare two builds in one run).
  jar=target/mesh-operator.jar
  image=0
  for i in "${!envs[@]}"; do
    if [[ "${envs[$i]}" == OPERATOR_JAR=* ]]; then jar=${envs[$i]#OPERATOR_JAR=}; unset 'envs[i]'; fi
    if [[ "${envs[$i]:-}" == IMAGE=* ]]; then image=${envs[$i]#IMAGE=}; unset 'envs[i]'; fi
  done
  envs=("${envs[@]}")
  if [[ "$image" == 1 ]]; then
    trained=$(image_archive "$jar" "$work/image-$n")  # a failed training ends the script
    log "class data training for '$name' (as the Dockerfile's RUN): $trained"
    jar="$work/image-$n/mesh-operator.jar"
    jvm=("-XX:SharedArchiveFile=$work/image-$n/mesh-operator.jsa" "${jvm[@]}")
  fi
  log "candidate '$name': ${envs[*]:-} ${jvm[*]:-} -jar $jar"
  env -u KUBECONFIG -u JAVA_TOOL_OPTIONS "${envs[@]}" POD_NAMESPACE=mesh-operator POD_NAME="memory-$n" \
    java -XX:MaxRAM="${limit_mib}m" -XX:NativeMemoryTracking=summary "${jvm[@]}" -jar "$jar" operator \
    --kubeconfig "$sa" --webhook-port="$WEBHOOK_PORT" --health-port="$HEALTH_PORT" --webhook-bind-address=127.0.0.1 \
    --webhook-url-host=127.0.0.1 --leader-election --default-failure-policy=Fail \
    < /dev/null > "$work/operator-$n.log" 2>&1 &
  operator_pid=$!
  wait_ready "$HEALTH_PORT" "$operator_pid" "$work/operator-$n.log" 180
  # The archive mapped (a java that cannot map it starts without it, and the rows would lie).
  if [[ "$image" == 1 ]] && ! grep -q "image-$n/mesh-operator.jsa" "/proc/$operator_pid/maps"; then
    echo "the operator did not map its class data archive" >&2; exit 1
  fi
  gc=$(jcmd "$operator_pid" VM.flags | grep -o -- '-XX:+Use[A-Za-z0-9]*GC' | sed 's/-XX:+Use//' | head -1 || true)
  # This replica leads (the previous one's Lease has been released or has expired) ...
  for _ in $(seq 1 120); do
    [[ "$(kubectl -n mesh-operator get lease -o jsonpath='{.items[*].spec.holderIdentity}' 2>/dev/null)" == *"memory-$n"* ]] && break
    sleep 1
  done
  if [[ $first == 1 ]]; then
    kubectl apply -f examples/meshinstall-demo.yaml > /dev/null
    first=0
  fi
  # ... and the demo MeshInstall is Ready.
  kubectl wait --for=condition=Ready meshinstall/demo --timeout=300s > /dev/null
  sleep "$REST"
  row "$name" "at rest, ${REST}s after Ready" "$(sample "$operator_pid")"
  dump "$n" rest "$operator_pid"
  log "threads by name: $(jcmd "$operator_pid" Thread.print | sed -n 's/^"\([^"]*\)".*/\1/p' | sed 's/[-# 0-9]*$//' \
    | sort | uniq -c | sort -rn | awk '{c=$1; $1=""; printf "%s%s x%d", (NR>1?", ":""), substr($0,2), c}')"

  ca_pem > "$work/webhook-ca.pem"
  [[ -s "$work/webhook-ca.pem" ]] || { echo "no webhook configuration with port $WEBHOOK_PORT" >&2; exit 1; }
  # Positive control: the webhook injects (a JSON patch adding istio-proxy), not just answers.
  curl -s --cacert "$work/webhook-ca.pem" -H 'Content-Type: application/json' --data-binary @"$work/review.json" "$url" \
    | jq -r '.response.patch' | base64 -d | grep -q istio-proxy \
    || { echo "the webhook did not inject istio-proxy" >&2; exit 1; }

  "$vegeta" attack -targets="$work/targets" -root-certs="$work/webhook-ca.pem" -http2=false -max-body=0 -timeout=10s \
    -rate=0 -max-workers=8 -workers=8 -connections=8 -duration="$WARMUP" > /dev/null
  for rate in $RATES; do
    before=$(cpu_ticks "$operator_pid")
    "$vegeta" attack -targets="$work/targets" -root-certs="$work/webhook-ca.pem" -http2=false -max-body=0 -timeout=10s \
      -rate="$rate/s" -duration="$DURATION" -connections=25 | "$vegeta" report -type=json > "$work/report.json"
    cpu_ms=$(( ($(cpu_ticks "$operator_pid") - before) * 1000 / tick ))
    s=$(sample "$operator_pid")
    dump "$n" "load-$rate" "$operator_pid"
    jq -r '.errors // [] | .[:3][] | "[memory]   error: " + .' "$work/report.json" >&2
    row "$name" "end of open loop $rate/s, $DURATION" "$s" \
      "$(jq -r '.throughput | round' "$work/report.json") req/s" \
      "$(jq -r '.latencies["99th"] / 1e6 | . * 100 | round / 100' "$work/report.json") ms" \
      "$(jq -r '.requests - (.status_codes["200"] // 0)' "$work/report.json")" \
      "$(jq -r --argjson ms "$cpu_ms" 'if (.status_codes["200"] // 0) > 0 then ($ms / .status_codes["200"] * 100 | round / 100 | tostring) + " ms" else "-" end' "$work/report.json")"
  done
  sleep "$AFTER"
  row "$name" "${AFTER}s after the load" "$(sample "$operator_pid")"
  dump "$n" after "$operator_pid"
  if [[ "$CHURN" -gt 0 ]]; then
    before=$(cpu_ticks "$operator_pid")
    churn "$n"
    cpu_ms=$(( ($(cpu_ticks "$operator_pid") - before) * 1000 / tick ))
    row "$name" "after $CHURN $( ((CHURN == 1)) && echo round || echo rounds) of control-plane work ($churned pods injected; operator CPU ${cpu_ms} ms)" "$(sample "$operator_pid")"
    dump "$n" churn "$operator_pid"
  fi
  echo "$name|$gc|${envs[*]:-} -XX:MaxRAM=${limit_mib}m ${jvm[*]:-} -jar $jar" >> "$work/flags"
  stop "$operator_pid"; operator_pid=""
done

echo "## operator memory ($(date -u +%Y-%m-%dT%H:%MZ))"
echo "machine: $(nproc) cores ($(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)), $(free -g | awk '/Mem:/{print $2}') GiB;" \
  "$(java -version 2>&1 | head -1); commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "operator: target/mesh-operator.jar operator, leader, demo MeshInstall Ready; Deployment memory limit $limit (as -XX:MaxRAM);" \
  "load: vegeta $VEGETA_VERSION, HTTP/1.1 over TLS, 25 connections, $(wc -c < "$work/review.json")-byte AdmissionReview, warm-up $WARMUP closed loop"
echo
while IFS='|' read -r name gc flags; do echo "- $name: GC $gc; $flags"; done < "$work/flags"
echo
cat "$work/table"
