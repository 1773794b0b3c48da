#!/usr/bin/env bash
# Control-plane and scale benchmark (issue 11). One command, prints a table; not part of mvn verify.
#   bench/scale.sh                       1,000 namespaces x 10 pods (10,000 pods): several minutes here
#   NAMESPACES=100 PODS_PER_NS=10 bench/scale.sh
#   SMOKE=1 bench/scale.sh               5 namespaces x 2 pods: the wiring only
# What it does: starts the local cluster (etcd, kube-apiserver with an audit log, controller-manager,
# scheduler, kwok), adds kwok fake nodes for the pods, applies deploy/, starts target/mesh-operator.jar
# as deploy/'s ServiceAccount (a token, no admin certificate) with the JVM options and MALLOC_ARENA_MAX
# the Deployment gives it (OPERATOR_HEAP="..." replaces the options), applies examples/meshinstall-demo.yaml, then
# creates labelled namespaces and bare pods (through our webhook) on the kwok nodes, and measures:
#   - MeshInstall creation -> every object applied: from the API server's audit log (microsecond
#     timestamps): the admin's create of meshinstall/demo to the operator's "Applied" Event, which it
#     writes once its apply of every rendered object has returned; and to status Ready (polled);
#   - the install's applies (bench/scale/apply_rounds.py): how many, the longest chain of them one
#     after another (sequential rounds), the most in flight, time inside the API server and between;
#   - reconciles and API requests of the operator's ServiceAccount, by verb, from the audit log, in
#     windows: steady state, label churn (unrelated label, then the injection label), status-only edit.
#     A reconcile is counted by its one request that nothing else makes: the list of the install's
#     istiod Deployments (RevisionUsage.runningRevisions);
#   - the operator's RSS (VmRSS, peak VmHWM from /proc) and heap used (jcmd GC.heap_info);
#   - `meshctl analyze` wall time over all the pods.
# Needs target/mesh-operator.jar and target/meshctl.jar (mvn -o package -DskipTests) and the kube
# binaries of hack/kube-testenv.sh (kube_binaries_on_path in bench/lib.sh). Leaves nothing running.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
if [[ "${SMOKE:-0}" == 1 ]]; then : "${NAMESPACES:=5}" "${PODS_PER_NS:=2}" "${STEADY_SECONDS:=10}"; fi
NAMESPACES=${NAMESPACES:-1000}
PODS_PER_NS=${PODS_PER_NS:-10}
STEADY_SECONDS=${STEADY_SECONDS:-60}
PODS=$((NAMESPACES * PODS_PER_NS))
W=${SCALE_WORK:-$(mktemp -d /tmp/mesh-scale.XXXXXX)}
mkdir -p "$W"
SA=system:serviceaccount:mesh-operator:mesh-operator
log() { echo "[scale $(date +%T)] $*" >&2; }
# shellcheck source=bench/lib.sh
source "$REPO/bench/lib.sh"
kube_binaries_on_path
# The JVM options and malloc arenas the Deployment ships, unless given.
DEPLOY_JAVA_OPTIONS=$(deployment_env JAVA_TOOL_OPTIONS)
[[ -n $DEPLOY_JAVA_OPTIONS ]] || { echo "no JAVA_TOOL_OPTIONS in deploy/03-deployment.yaml" >&2; exit 2; }
OPERATOR_HEAP=${OPERATOR_HEAP:-$DEPLOY_JAVA_OPTIONS}
ARENAS=$(deployment_env MALLOC_ARENA_MAX)
for j in target/mesh-operator.jar target/meshctl.jar; do
  [[ -f $j ]] || { echo "missing $j: run mvn -B -ntp -o package -DskipTests first" >&2; exit 2; }
done
# Copies, so that a build during the run does not change what runs.
cp target/meshctl.jar target/mesh-operator.jar "$W/"
# shellcheck source=bench/scale/cluster.sh
source "$REPO/bench/scale/cluster.sh"
log "work directory $W; $NAMESPACES namespaces x $PODS_PER_NS pods = $PODS pods"
scale_cluster "$W"
log "$(grep -o 'local cluster.*' "$W/cluster.log" | head -1)"
tool nodes $(( (PODS + 999) / 1000 )) 1100 >&2

kubectl apply --server-side -f deploy/ > "$W/deploy.log"
sa_kubeconfig "$W"
read -r wport hport < <(free_ports)
env -u KUBECONFIG POD_NAMESPACE=mesh-operator POD_NAME=scale-0 JAVA_TOOL_OPTIONS="$OPERATOR_HEAP" ${ARENAS:+MALLOC_ARENA_MAX=$ARENAS} \
  java -jar "$W/mesh-operator.jar" operator --kubeconfig "$SAKC" --webhook-port="$wport" --health-port="$hport" \
  --webhook-url-host=127.0.0.1 --leader-election --default-failure-policy=Fail > "$W/operator.log" 2>&1 &
OP=$!
pids=("$OP" "${pids[@]}")
wait_ready "$hport" "$OP" "$W/operator.log" 120
# Measure the install against a running controller: wait until it holds the Lease and has started.
for _ in $(seq 1 120); do grep -q "New leader with identity: scale-0" "$W/operator.log" && grep -q "controller started" "$W/operator.log" && break; sleep 0.5; done
log "operator pid $OP ready and leading (webhook :$wport, health :$hport)"

mark() { wc -l < "$AUDIT"; }
# sa_requests FROM TO: the operator's requests between two marks as "verb resource count" lines
slice() { sed -n "$(( $1 + 1 )),$2p" "$AUDIT"; }
sa_requests() { slice "$1" "$2" | jq -r --arg sa "$SA" 'select(.user.username==$sa and .stage=="ResponseComplete")
  | "\(.verb) \(.objectRef.resource // .requestURI)"' | sort | uniq -c | sort -rn; }
reconciles() { slice "$1" "$2" | jq -r --arg sa "$SA" 'select(.user.username==$sa and .stage=="ResponseComplete"
  and .verb=="list" and .objectRef.resource=="deployments" and (.requestURI|test("component(%3D|=)istiod")))
  | .auditID' | wc -l; }
writes() { slice "$1" "$2" | jq -r --arg sa "$SA" 'select(.user.username==$sa and .stage=="ResponseComplete"
  and (.verb|test("create|update|patch|delete")) and .objectRef.resource!="leases") | .verb' | wc -l; }
reads() { slice "$1" "$2" | jq -r --arg sa "$SA" 'select(.user.username==$sa and .stage=="ResponseComplete"
  and (.verb=="get" or .verb=="list") and .objectRef.resource!="leases") | .verb' | wc -l; }
pod_lists() { slice "$1" "$2" | jq -r --arg sa "$SA" 'select(.user.username==$sa and .stage=="ResponseComplete"
  and .verb=="list" and .objectRef.resource=="pods") | .verb' | wc -l; }
window() { # window NAME FROM TO: one summary line and the detail to the log
  local r w g p
  r=$(reconciles "$2" "$3"); w=$(writes "$2" "$3"); g=$(reads "$2" "$3"); p=$(pod_lists "$2" "$3")
  { echo "== $1"; sa_requests "$2" "$3"; } >> "$W/requests.txt"
  echo "$1|$r|$g|$p|$w"
}
rss() { awk '/VmRSS/{r=$2}/VmHWM/{h=$2}END{printf "%d %d", r/1024, h/1024}' /proc/"$OP"/status; }
heap() { jcmd "$OP" GC.heap_info 2>/dev/null | grep -oE 'used [0-9]+K' | head -1 | grep -oE '[0-9]+' | awk '{printf "%d", $1/1024}'; }
settle() { # wait until the operator made no request for 5 s (max 120 s)
  local last now quiet=0
  last=$(mark)
  for _ in $(seq 1 120); do sleep 1; now=$(mark)
    if [[ $(slice "$last" "$now" | grep "\"$SA\"" | grep -vc '"resource":"leases"' || true) == 0 ]]; then quiet=$((quiet + 1)); else quiet=0; fi
    last=$now; [[ $quiet -ge 5 ]] && return 0; done; }

# --- demo install ----------------------------------------------------------------------------
m0=$(mark)
kubectl apply -f examples/meshinstall-demo.yaml >/dev/null
t_ready_s=$(date +%s.%N)
kubectl wait meshinstall/demo --for=condition=Ready --timeout=300s >/dev/null
t_ready_e=$(date +%s.%N)
settle; m1=$(mark)
ts() { date -d "$1" +%s.%N; }
created=$(slice "$m0" "$m1" | jq -r 'select(.verb=="create" and .objectRef.resource=="meshinstalls" and .stage=="ResponseComplete") | .requestReceivedTimestamp' | head -1)
applied=$(slice "$m0" "$m1" | jq -r --arg sa "$SA" 'select(.user.username==$sa and .verb=="create" and .objectRef.resource=="events" and .stage=="ResponseComplete") | .requestReceivedTimestamp' | head -1)
lastapply=$(slice "$m0" "$m1" | jq -r --arg sa "$SA" --arg upto "$applied" 'select(.user.username==$sa and .verb=="patch" and .stage=="ResponseComplete" and .objectRef.resource!="meshinstalls" and .requestReceivedTimestamp < $upto) | .stageTimestamp' | tail -1)
objects=$(slice "$m0" "$m1" | jq -r --arg sa "$SA" --arg upto "$applied" 'select(.user.username==$sa and .verb=="patch" and .stage=="ResponseComplete" and .objectRef.resource!="meshinstalls" and .requestReceivedTimestamp < $upto) | "\(.objectRef.resource)/\(.objectRef.namespace)/\(.objectRef.name)"' | sort -u | wc -l)
applied_s=$(echo "$(ts "$applied") - $(ts "$created")" | bc)
lastapply_s=$(echo "$(ts "$lastapply") - $(ts "$created")" | bc)
ready_s=$(echo "$t_ready_e - $t_ready_s" | bc)
install_window=$(window "demo install (create to quiet)" "$m0" "$m1")
rounds=$(slice "$m0" "$m1" > "$W/install-audit.log"; python3 "$REPO/bench/scale/apply_rounds.py" "$W/install-audit.log" "$SA")
log "demo: Applied event +${applied_s}s, last apply +${lastapply_s}s ($objects objects), Ready after ${ready_s}s (polled)"
read -r rss0 hwm0 <<<"$(rss)"; heap0=$(heap)

# --- namespaces and pods ---------------------------------------------------------------------
m2=$(mark)
t=$(date +%s.%N); tool namespaces "$NAMESPACES" >&2
tool pods "$NAMESPACES" "$PODS_PER_NS" >&2
tool wait-running "$PODS" 1800 > "$W/pods.txt"; cat "$W/pods.txt" >&2
load_s=$(echo "$(date +%s.%N) - $t" | bc)
settle; m3=$(mark)
load_window=$(window "create $NAMESPACES namespaces, $PODS pods" "$m2" "$m3")
read -r rss1 hwm1 <<<"$(rss)"; heap1=$(heap)
podlist_bytes=$(kubectl get --raw /api/v1/pods | wc -c)

# --- steady state ----------------------------------------------------------------------------
log "steady state: ${STEADY_SECONDS}s"
sleep "$STEADY_SECONDS"; m4=$(mark)
steady_window=$(window "steady state ${STEADY_SECONDS}s" "$m3" "$m4")

# --- label churn -----------------------------------------------------------------------------
tool label "$NAMESPACES" team blue >&2
settle; m5=$(mark)
churn1=$(window "relabel $NAMESPACES namespaces (unrelated label team=blue)" "$m4" "$m5")
tool label "$NAMESPACES" istio-injection disabled >&2
tool label "$NAMESPACES" istio-injection enabled >&2
settle; m6=$(mark)
churn2=$(window "relabel $NAMESPACES namespaces twice (istio-injection disabled, enabled)" "$m5" "$m6")
read -r rss2 hwm2 <<<"$(rss)"; heap2=$(heap)

# --- status-only edit ------------------------------------------------------------------------
kubectl patch meshinstall demo --subresource=status --type=merge -p '{"status":{"appliedVersion":"edited-by-bench"}}' >/dev/null
settle; m7=$(mark)
status_window=$(window "MeshInstall status-only edit" "$m6" "$m7")

# --- meshctl analyze -------------------------------------------------------------------------
t=$(date +%s.%N); java -jar "$W/meshctl.jar" analyze --help >/dev/null; help_s=$(echo "$(date +%s.%N) - $t" | bc)
t=$(date +%s.%N); kubectl get --raw /api/v1/pods >/dev/null; rawlist_s=$(echo "$(date +%s.%N) - $t" | bc)
t=$(date +%s.%N)
set +e; java -jar "$W/meshctl.jar" analyze > "$W/analyze.txt" 2>&1; arc=$?; set -e
analyze_s=$(echo "$(date +%s.%N) - $t" | bc)
analyzed=$(grep -E '^default|^[a-z0-9-]+ +[0-9.]+ +[0-9]+$' "$W/analyze.txt" | tail -1 || true)
read -r rss3 hwm3 <<<"$(rss)"; heap3=$(heap)

# --- table -----------------------------------------------------------------------------------
cat <<EOF

## scale benchmark ($(date -u +%FT%RZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo ?))
machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, load average $(cut -d' ' -f1-3 /proc/loadavg); operator $OPERATOR_HEAP
cluster: 2 + $(( (PODS + 999) / 1000 )) kwok nodes; $(cat "$W/pods.txt") after creating $NAMESPACES namespaces and pods in ${load_s%.*}s

| measure | value | target |
|---|---|---|
| demo MeshInstall create -> operator's Applied event (audit log) | ${applied_s}s | <= 2 s |
| demo MeshInstall create -> last apply request returned ($objects objects) | ${lastapply_s}s | |
| demo MeshInstall Ready (kubectl wait from apply) | ${ready_s}s | |
| demo install's applies (bench/scale/apply_rounds.py: sequential rounds, in flight, seconds in the API server / between) | ${rounds} | |
| operator RSS / peak after install | ${rss0} / ${hwm0} MiB (heap used ${heap0} MiB) | |
| operator RSS / peak with $PODS pods in $NAMESPACES namespaces | ${rss1} / ${hwm1} MiB (heap used ${heap1} MiB) | <= 512 MiB |
| operator RSS / peak after label churn | ${rss2} / ${hwm2} MiB (heap used ${heap2} MiB) | <= 512 MiB |
| operator RSS / peak after meshctl analyze | ${rss3} / ${hwm3} MiB (heap used ${heap3} MiB) | |
| one cluster-wide pod list (GET /api/v1/pods, JSON) | $((podlist_bytes / 1024)) KiB | |
| meshctl analyze over $PODS pods (wall, JVM start included; exit $arc) | ${analyze_s}s | <= 5 s |
| of which: JVM start (meshctl analyze --help) / one unpaged pod list by kubectl | ${help_s}s / ${rawlist_s}s | |

| window (operator's ServiceAccount, audit log; Lease renewals of leader election left out) | reconciles | reads (get+list) | of them pod lists | writes |
|---|---|---|---|---|
EOF
for w in "$install_window" "$load_window" "$steady_window" "$churn1" "$churn2" "$status_window"; do
  IFS='|' read -r name r g p wr <<<"$w"; echo "| $name | $r | $g | $p | $wr |"; done
echo
echo "requests by verb and resource per window: $W/requests.txt; analyze output: $W/analyze.txt; logs: $W"
