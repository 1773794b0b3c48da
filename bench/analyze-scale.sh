#!/usr/bin/env bash
# `meshctl analyze` at scale (issue 11). Not part of mvn verify. Prints a table.
#   bench/analyze-scale.sh [JAR[,JVM option...]...]   default: target/meshctl.jar,-XX:TieredStopAtLevel=1,cds
#                                          (the JIT level and class-data sharing bin/meshctl gives short
#                                          commands; "cds": one unmeasured analyze writes the jar's archive
#                                          first, as bin/meshctl's first run does, and the rounds map it)
#   NAMESPACES=1000 PODS_PER_NS=10 ROUNDS=3 bench/analyze-scale.sh before.jar target/meshctl.jar,-XX:TieredStopAtLevel=1
#   HOLD=1 bench/analyze-scale.sh          after the set-up: keep the cluster, write $W/env, wait (kill ends)
#   MEASURE_IN=$W bench/analyze-scale.sh JAR...   measure against the cluster a HOLD run keeps
# Set-up: the local cluster (as bench/scale.sh: etcd, kube-apiserver, controller-manager, scheduler,
# kwok) with kwok fake nodes, deploy/ applied, the operator as deploy/'s ServiceAccount only while pods
# are created (its webhook injects them), examples/meshinstall-demo.yaml; NAMESPACES namespaces
# labelled istio-injection=enabled with PODS_PER_NS bare pods each, plus one namespace (scale-late)
# whose PODS_PER_NS pods were created before it was labelled (so analyze has findings: exit 1).
# Then the operator is stopped and each JAR runs `meshctl analyze` ROUNDS times, as the operator's
# ServiceAccount (a token: the audit log records ServiceAccounts' reads, not the admin's; its RBAC
# covers what analyze reads): wall and CPU seconds, peak RSS (/usr/bin/time -v), kube-apiserver CPU
# seconds meanwhile, classes loaded (-Xlog:class+load), the API requests it made (audit log) and the
# bytes of their responses re-fetched as JSON and gzip-compressed, and whether its output is byte
# for byte the first JAR's.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
NAMESPACES=${NAMESPACES:-1000}
PODS_PER_NS=${PODS_PER_NS:-10}
ROUNDS=${ROUNDS:-3}
PODS=$((NAMESPACES * PODS_PER_NS + PODS_PER_NS))
W=${MEASURE_IN:-${SCALE_WORK:-$(mktemp -d /tmp/mesh-analyze.XXXXXX)}}
mkdir -p "$W"
log() { echo "[analyze-scale $(date +%T)] $*" >&2; }
JARS=("$@"); [[ ${#JARS[@]} -gt 0 ]] || JARS=(target/meshctl.jar,-XX:TieredStopAtLevel=1,cds)
for j in target/mesh-operator.jar target/meshctl.jar "${JARS[@]%%,*}"; do
  [[ -f $j ]] || { echo "missing $j: run mvn -B -ntp -o package -DskipTests first" >&2; exit 2; }
done
i=0; for j in "${JARS[@]%%,*}"; do cp "$j" "$W/jar-$i.jar"; i=$((i + 1)); done
# shellcheck source=bench/lib.sh
source "$REPO/bench/lib.sh"
kube_binaries_on_path
# shellcheck source=bench/scale/cluster.sh
source "$REPO/bench/scale/cluster.sh"
if [[ -n "${MEASURE_IN:-}" ]]; then
  source "$W/env"
else
cp target/meshctl.jar target/mesh-operator.jar "$W/"
log "work directory $W; $NAMESPACES namespaces x $PODS_PER_NS pods (+ $PODS_PER_NS not injected) = $PODS pods"
scale_cluster "$W"
tool nodes $(( (PODS + 999) / 1000 )) 1100 >&2
kubectl apply --server-side -f deploy/ > "$W/deploy.log"

# Pods of one namespace created before it is labelled: no sidecar (analyze's findings).
kubectl create namespace scale-late >/dev/null
for n in $(seq 0 $((PODS_PER_NS - 1))); do cat <<POD; done | kubectl apply -f - >/dev/null
---
apiVersion: v1
kind: Pod
metadata: {name: late-$n, namespace: scale-late, labels: {app: scale}}
spec:
  nodeSelector: {type: kwok}
  tolerations: [{key: kwok.x-k8s.io/node, operator: Exists, effect: NoSchedule}]
  containers: [{name: app, image: registry.example/app:1}]
POD

sa_kubeconfig "$W"
read -r wport hport < <(free_ports)
env -u KUBECONFIG POD_NAMESPACE=mesh-operator POD_NAME=analyze-0 JAVA_TOOL_OPTIONS=-Xmx384m \
  java -jar "$W/mesh-operator.jar" operator --kubeconfig "$SAKC" --webhook-port="$wport" --health-port="$hport" \
  --webhook-url-host=127.0.0.1 --default-failure-policy=Fail > "$W/operator.log" 2>&1 &
OP=$!
pids=("$OP" "${pids[@]}")
wait_ready "$hport" "$OP" "$W/operator.log" 120
kubectl apply -f examples/meshinstall-demo.yaml >/dev/null
kubectl wait meshinstall/demo --for=condition=Ready --timeout=600s >/dev/null
log "demo MeshInstall Ready; creating namespaces and pods"
tool namespaces "$NAMESPACES" >&2
tool pods "$NAMESPACES" "$PODS_PER_NS" >&2
tool wait-running "$PODS" 1800 > "$W/pods.txt"; cat "$W/pods.txt" >&2
kubectl label namespace scale-late istio-injection=enabled >/dev/null
kill "$OP"; wait "$OP" 2>/dev/null || true
log "operator stopped"
if [[ "${HOLD:-0}" == 1 ]]; then
  printf 'export KUBECONFIG=%s AUDIT=%s\n' "$KUBECONFIG" "$AUDIT" > "$W/env"
  echo "HOLD: cluster kept; measure with MEASURE_IN=$W $0 JAR...; source $W/env for kubectl" >&2
  sleep infinity & pids+=($!); wait $! || true
  exit 0
fi
fi
podlist_bytes=$(kubectl get --raw /api/v1/pods | wc -c)

mark() { wc -l < "$AUDIT"; }
# CPU seconds of the cluster's kube-apiserver (the process listening on the kubeconfig's port)
APIPORT=$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}' | grep -o '[0-9]*$')
APIPID=$(ss -ltnp "sport = :$APIPORT" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
APISERVER=$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')
SATOKEN=$(kubectl --kubeconfig "$W/sa.kubeconfig" config view --raw -o jsonpath='{.users[0].user.token}')
apicpu() { awk '{printf "%.2f", ($14+$15)/100}' /proc/"$APIPID"/stat; }
slice() { sed -n "$(( $1 + 1 )),$2p" "$AUDIT"; }
ADMIN=$(kubectl auth whoami -o jsonpath='{.status.userInfo.username}' 2>/dev/null || echo "")
rows=()
for ((k = 0; k < ${#JARS[@]}; k++)); do
  jar=$W/jar-$k.jar
  IFS=, read -r -a opts <<<"${JARS[$k]}"; opts=("${opts[@]:1}")
  jvm=()
  cds=0
  for o in "${opts[@]}"; do if [[ $o == cds ]]; then cds=1; else jvm+=("$o"); fi; done
  opts=("${jvm[@]}")
  if [[ $cds == 1 ]]; then
    rm -f "$W/jar-$k.jsa"
    /usr/bin/time -v -o "$W/time-$k-cds.txt" java "${opts[@]}" -XX:ArchiveClassesAtExit="$W/jar-$k.jsa" '-Xlog:cds*=off' -jar "$jar" \
      --kubeconfig "$W/sa.kubeconfig" analyze > "$W/analyze-$k-cds.txt" 2>&1 || true
    log "$(basename "${JARS[$k]}") writing its class-data archive: $(awk -F': ' '/Elapsed \(wall clock\)/{print $2}' "$W/time-$k-cds.txt") wall, $(awk -F': ' '/User time/{u=$2}/System time/{s=$2}END{printf "%.2f", u+s}' "$W/time-$k-cds.txt") s CPU, $(du -m "$W/jar-$k.jsa" | cut -f1) MiB"
    opts+=(-XX:SharedArchiveFile="$W/jar-$k.jsa" '-Xlog:cds*=off')
  fi
  for ((r = 1; r <= ROUNDS; r++)); do
    load=$(cut -d' ' -f1 /proc/loadavg)
    m0=$(mark); a0=$(apicpu)
    set +e
    /usr/bin/time -v -o "$W/time-$k-$r.txt" java "${opts[@]}" -Xlog:class+load:file="$W/classes-$k-$r.txt" -jar "$jar" --kubeconfig "$W/sa.kubeconfig" analyze \
      > "$W/analyze-$k-$r.txt" 2> "$W/analyze-$k-$r.err"
    rc=$?
    set -e
    a1=$(apicpu); sleep 1; m1=$(mark)
    slice "$m0" "$m1" | jq -r --arg u "$ADMIN" 'select(.stage=="ResponseComplete" and .userAgent!=null and (.userAgent|startswith("meshctl")))
      | .requestURI' > "$W/requests-$k-$r.txt"
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$W/time-$k-$r.txt")
    cpu=$(awk -F': ' '/User time/{u=$2}/System time/{s=$2}END{printf "%.2f", u+s}' "$W/time-$k-$r.txt")
    rss=$(awk -F': ' '/Maximum resident/{printf "%d", $2/1024}' "$W/time-$k-$r.txt")
    classes=$(wc -l < "$W/classes-$k-$r.txt")
    reqs=$(wc -l < "$W/requests-$k-$r.txt")
    bytes=0; gz=0
    if [[ $r == 1 ]]; then
      while read -r uri; do
        b=$(curl -s -A analyze-scale --cacert "$W/ca.crt" -H "Authorization: Bearer $SATOKEN" -o /dev/null -w '%{size_download}' "$APISERVER$uri")
        z=$(curl -s -A analyze-scale --cacert "$W/ca.crt" -H "Authorization: Bearer $SATOKEN" -H 'Accept-Encoding: gzip' -o /dev/null -w '%{size_download}' "$APISERVER$uri")
        bytes=$((bytes + b)); gz=$((gz + z))
      done < "$W/requests-$k-$r.txt"
    fi
    same=yes; cmp -s "$W/analyze-$k-$r.txt" "$W/analyze-0-1.txt" || same=NO
    log "$(basename "${JARS[$k]}") round $r: ${wall}s wall, ${cpu}s CPU, exit $rc, load $load"
    rows+=("| ${JARS[$k]} | $r | $load | $wall | $cpu | $(echo "$a1 - $a0" | bc) | $rss | $classes | $reqs | $([[ $r == 1 ]] && echo "$((bytes / 1024)) / $((gz / 1024))" || echo -) | $rc | $same |")
  done
done
cat <<TABLE

## meshctl analyze at scale ($(date -u +%FT%RZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo ?))
machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(cat "$W/pods.txt"); one GET /api/v1/pods: $((podlist_bytes / 1024)) KiB

| jar, JVM options | round | load (1 min) | wall s | CPU s (user+sys) | kube-apiserver CPU s | peak RSS MiB | classes loaded | API requests | KiB of their responses: JSON / gzip | exit | output = first jar's |
|---|---|---|---|---|---|---|---|---|---|---|---|
TABLE
printf '%s\n' "${rows[@]}"
echo
echo "outputs, requests, /usr/bin/time -v and class-load logs: $W"
