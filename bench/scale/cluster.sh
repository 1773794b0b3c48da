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

# free_ports: two free loopback ports (the operator's webhook and health ports), space-separated.
free_ports() {
  python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1",0)) for x in s]
print(*[x.getsockname()[1] for x in s])'
}
