# Sourced by bench/scale.sh and bench/analyze-scale.sh (not run on its own): the local cluster they
# measure against (etcd, kube-apiserver with its audit log, controller-manager, scheduler, kwok), as
# bench/scale/ScaleTool.java starts it from the meshctl jar.
#   scale_cluster W   starts it into W/cluster from W/meshctl.jar and waits until it is ready; sets TOOL
#                     (the ScaleTool command), pids (processes killed on exit: add yours), KUBECONFIG
#                     (exported) and AUDIT (the audit log's path). Needs REPO (the checkout).
#   tool ARGS...      runs ScaleTool (nodes, ...).

scale_cluster() {
  local w=$1
  TOOL=(java -XX:TieredStopAtLevel=1 -cp "$w/meshctl.jar" "$REPO/bench/scale/ScaleTool.java")
  pids=()
  trap scale_cleanup EXIT
  "${TOOL[@]}" cluster "$w/cluster" > "$w/cluster.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 180); do grep -q READY "$w/cluster.log" && break; sleep 1; done
  grep -q READY "$w/cluster.log" || { tail -20 "$w/cluster.log"; exit 1; }
  KUBECONFIG=$(grep -o 'kubeconfig=[^ ]*' "$w/cluster.log" | cut -d= -f2)
  export KUBECONFIG
  AUDIT=$(grep -o 'audit=[^ ]*' "$w/cluster.log" | cut -d= -f2)
}

tool() { "${TOOL[@]}" "$@"; }

scale_cleanup() {
  set +e
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
}

# sa_kubeconfig W: W/sa.kubeconfig for deploy/'s ServiceAccount (a token from `kubectl create token`), the
# identity the operator and analyze run with; sets SAKC to its path.
sa_kubeconfig() {
  local w=$1 tok server ca
  tok=$(kubectl -n mesh-operator create token mesh-operator --duration=3h)
  server=$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')
  ca=$(kubectl config view --raw --minify -o jsonpath='{.clusters[0].cluster.certificate-authority}')
  if [[ -n $ca ]]; then cp "$ca" "$w/ca.crt"
  else kubectl config view --raw --minify -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' | base64 -d > "$w/ca.crt"; fi
  SAKC=$w/sa.kubeconfig
  kubectl --kubeconfig="$SAKC" config set-cluster c --server="$server" --certificate-authority="$w/ca.crt" --embed-certs >/dev/null
  kubectl --kubeconfig="$SAKC" config set-credentials sa --token="$tok" >/dev/null
  kubectl --kubeconfig="$SAKC" config set-context c --cluster=c --user=sa >/dev/null
  kubectl --kubeconfig="$SAKC" config use-context c >/dev/null
}

# free_ports: two free loopback ports (the operator's webhook and health ports), space-separated.
free_ports() {
  python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1",0)) for x in s]
print(*[x.getsockname()[1] for x in s])'
}
