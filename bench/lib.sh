# Shared by the bench scripts (source it after defining log). Nothing here runs on its own.

VEGETA_VERSION=v12.13.0

# Sets $vegeta to bench/.bin/vegeta, building it from its Go module first if it is missing or of
# another version (nothing but modules is downloaded; nothing is committed).
ensure_vegeta() {
  local root=$1
  vegeta="$root/bench/.bin/vegeta"
  if [[ ! -x "$vegeta" ]] || [[ "$(cat "$root/bench/.bin/vegeta.version" 2>/dev/null)" != "$VEGETA_VERSION" ]]; then
    log "building vegeta $VEGETA_VERSION into bench/.bin"
    GOBIN="$root/bench/.bin" GOFLAGS=-mod=mod go install "github.com/tsenart/vegeta/v12@$VEGETA_VERSION"
    echo "$VEGETA_VERSION" > "$root/bench/.bin/vegeta.version"
  fi
}

# deployment_env NAME: the value of env var NAME in deploy/03-deployment.yaml (what ships), quotes
# removed; empty if it sets none. Run from the repository's root.
deployment_env() {
  awk -v n="$1" '$0 ~ "name: " n "$" {getline; sub(/^ *value: */, ""); gsub(/"/, ""); print; exit}' deploy/03-deployment.yaml
}

# Sets $cp to the classpath of the project's classes and test scope: CLASSPATH_OVERRIDE if given,
# else after mvn test-compile.
bench_classpath() {
  if [[ -n "${CLASSPATH_OVERRIDE:-}" ]]; then
    cp="$CLASSPATH_OVERRIDE"
  else
    log "compiling (mvn test-compile)"
    mvn -B -q -o -ntp -DskipTests test-compile dependency:build-classpath \
      -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test >&2
    cp="target/test-classes:target/classes:$(cat target/bench.classpath)"
  fi
}

# late_p99 VEGETA_BIN: p99 in ms of the requests sent 1 s or more after the first one, "-" if none. Tells
# whether a row's tail is its first second (a fresh load tool dialing and handshaking its connections,
# as a restarted API server would) or spread over the row.
late_p99() {
  "$vegeta" encode --to csv < "$1" | awk -F, 'NR == 1 { s = $1 } $1 - s >= 1e9 { print $3 }' | sort -n |
    awk '{ v[NR] = $1 } END { if (NR == 0) { print "-"; exit } i = int(NR * 0.99); if (i < 1) i = 1; printf "%.2f", v[i] / 1e6 }'
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

# stop PID: SIGTERM, then SIGKILL if it has not exited after 20 s; nothing for an empty PID.
stop() {
  local pid=$1
  [[ -n "$pid" ]] || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# deployment_flags: the Deployment's JAVA_TOOL_OPTIONS, after MALLOC_ARENA_MAX=N if it sets that: a
# candidate's FLAGS as memory.sh and flags-ab.sh take them. Run from the repository's root.
deployment_flags() {
  local arenas
  arenas=$(deployment_env MALLOC_ARENA_MAX)
  echo "${arenas:+MALLOC_ARENA_MAX=$arenas }$(deployment_env JAVA_TOOL_OPTIONS)"
}

# split_flags FLAGS: sets the arrays envs (the leading VAR=value words of FLAGS, for the process's
# environment) and jvm (the rest, JVM options); declare them local in the caller to keep them there.
split_flags() {
  local word
  envs=()
  jvm=()
  for word in $1; do
    if [[ ${#jvm[@]} -eq 0 && "$word" =~ ^[A-Z_][A-Z0-9_]*= ]]; then envs+=("$word"); else jvm+=("$word"); fi
  done
}

# server_work: sets $work to a new temporary directory and $server_pid and $helper_pid to ""; on exit, the
# processes whose pids are in them then (the server; admission_review's helper) are stopped, and $work is removed.
server_work() {
  work=$(mktemp -d)
  server_pid=""
  helper_pid=""
  trap 'stop "$helper_pid"; stop "$server_pid"; rm -rf "$work"' EXIT
}

# kube_binaries_on_path: puts the newest Kubernetes binaries of hack/kube-testenv.sh (kubectl among them;
# under $KUBE_API_TEST_DIR, else ~/.kubeapitest) first on PATH.
kube_binaries_on_path() {
  KUBE_VERSION_DIR=$(ls -d "${KUBE_API_TEST_DIR:-$HOME/.kubeapitest}"/k8s/*-linux-amd64 2>/dev/null | sort -V | tail -1)
  export PATH="$KUBE_VERSION_DIR:$PATH"
}

# admission_review W [patch]: W/review.json, the typical pod's AdmissionReview that webhook-load.sh sends, as
# the bench's WebhookServerMain writes it (started for that, on $cp, and stopped); sets review_ns to its
# namespace. With "patch", also sets patch_bytes to the length of the JSONPatch the helper answers it with
# (exits 1 if it cannot be read). helper_pid names the helper while it runs, for the caller's cleanup.
admission_review() {
  local w=$1
  java -cp "$cp" dev.meshoperator.bench.WebhookServerMain "$w/review" --no-warm-up < /dev/null > "$w/review.log" 2>&1 &
  helper_pid=$!
  wait_for "$w/review/port" "$helper_pid" "$w/review.log"
  cp "$w/review/review.json" "$w/review.json"
  if [[ "${2:-}" == patch ]]; then
    patch_bytes=$(curl -sS --cacert "$w/review/ca.pem" -H 'Content-Type: application/json' --data-binary @"$w/review.json" \
      "https://127.0.0.1:$(cat "$w/review/port")/inject" | jq -r '.response.patch | @base64d | length') || true
  fi
  stop "$helper_pid"; helper_pid=""
  if [[ "${2:-}" == patch && ! $patch_bytes =~ ^[0-9]+$ ]]; then
    echo "could not read the length of the helper webhook's patch; see $w/review.log" >&2
    exit 1
  fi
  review_ns=$(jq -r '.request.namespace' "$w/review.json")
}

# image_archive JAR DIR: DIR/mesh-operator.jar (a copy of JAR) and DIR/mesh-operator.jsa, the class data
# archive made as the Dockerfile's RUN makes it (ClassDataTraining, no cluster, no JVM options, the jar
# at a path of its own); the image's ENTRYPOINT maps it with -XX:SharedArchiveFile. Prints what the
# training said and the archive's size.
image_archive() {
  local jar=$1 dir=$2
  mkdir -p "$dir"
  cp "$jar" "$dir/mesh-operator.jar"
  env -u JAVA_TOOL_OPTIONS java -Djava.io.tmpdir="$dir" -XX:ArchiveClassesAtExit="$dir/mesh-operator.jsa" \
    -cp "$dir/mesh-operator.jar" dev.meshoperator.operator.ClassDataTraining > "$dir/training.log" 2>&1 \
    || { cat "$dir/training.log" >&2; exit 1; }
  echo "$(grep -o 'class data training: .*' "$dir/training.log"); archive $(du -m "$dir/mesh-operator.jsa" | cut -f1) MiB"
}

# wait_for FILE PID LOG [TENTHS]: returns once FILE exists (what a started helper writes when it is
# ready); if process PID exits first, prints LOG and exits 1; gives up after TENTHS tenths of a second
# (default 600).
wait_for() {
  local file=$1 pid=$2 output=$3 tries=${4:-600}
  for _ in $(seq 1 "$tries"); do
    [[ -f "$file" ]] && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$output" >&2; exit 1; }
    sleep 0.1
  done
  echo "$file did not appear within $((tries / 10)) s; see $output" >&2
  exit 1
}

# wait_ready PORT PID LOG [SECONDS]: returns once GET /readyz on 127.0.0.1:PORT answers 200, polled
# every 5 ms; if process PID exits first, prints LOG and exits 1; with SECONDS, gives up after that long
# (prints LOG's last 40 lines, exits 1). Sets http_status to the last answer's code.
# The poll forks nothing (bash's /dev/tcp and a timed read on a pipe that never delivers, for the
# sleep): curl and sleep every 5 ms took 2.1 s of CPU in 3.8 s here, a quarter of the 2 cores that
# the start being timed is short of.
wait_ready() {
  local port=$1 pid=$2 output=$3 bound=${4:-} nap_fd deadline=""
  [[ -n $bound ]] && deadline=$(( ${EPOCHREALTIME/./} + bound * 1000000 ))
  exec {nap_fd}<> <(:)
  http_status=000
  until [[ $http_status == 200 ]]; do
    kill -0 "$pid" 2>/dev/null || { exec {nap_fd}>&-; cat "$output" >&2; exit 1; }
    if [[ -n $deadline ]] && (( ${EPOCHREALTIME/./} >= deadline )); then
      exec {nap_fd}>&-
      echo "127.0.0.1:$port/readyz did not answer 200 within $bound s (last: $http_status); the end of $output:" >&2
      tail -40 "$output" >&2
      exit 1
    fi
    read -r -t 0.005 -u "$nap_fd" _ || true
    http_get_status "$port" /readyz
  done
  exec {nap_fd}>&-
}

# http_get_status PORT PATH: sets http_status to the status code of GET PATH on 127.0.0.1:PORT over
# HTTP/1.0, or 000 when nothing answers (within 2 s); forks nothing.
http_get_status() {
  local line=""
  { { printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$2" >&3
      read -r -t 2 line <&3 || true; } 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || true
  line=${line#HTTP/* }
  http_status=${line%% *}
  [[ $http_status =~ ^[0-9]{3}$ ]] || http_status=000
}

# cpu_ticks PID: the process's CPU time so far in clock ticks (user + system; getconf CLK_TCK per second).
# CPU per answered request holds up better than latency on a shared machine.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# webhook_targets FILE PORT REVIEW...: a vegeta targets file that POSTs each REVIEW (an AdmissionReview) in
# turn to the webhook at https://127.0.0.1:PORT/inject.
webhook_targets() {
  local file=$1 port=$2 review
  shift 2
  : > "$file"
  for review in "$@"; do
    printf 'POST https://127.0.0.1:%s/inject\nContent-Type: application/json\n@%s\n\n' "$port" "$review" >> "$file"
  done
}
