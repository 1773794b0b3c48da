#!/usr/bin/env bash
# Runs the benchmarks and prints their numbers: JMH (injection for a typical pod and for a pod with
# 1,500 env vars in each of 3 containers, and rendering; CPU time and allocation per operation),
# then the webhook under load (bench/webhook-load.sh: closed and open loop over HTTPS, max rate,
# new TLS connections, RSS). Benchmarks are not tests: nothing here gates CI. Record results in
# bench/RESULTS.md with the machine they ran on and its load.
#   JMH_ARGS=...  JMH options (default below); NO_LOAD=1 skips the load run; NO_JMH=1 skips JMH.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "[bench] compiling (mvn -Pbench)"
mvn -B -q -o -ntp -Pbench -DskipTests test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test 2>/dev/null \
  || mvn -B -q -ntp -Pbench -DskipTests test-compile dependency:build-classpath \
       -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
cp="target/test-classes:target/classes:$(cat target/bench.classpath)"
echo "[bench] machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, load average $(cut -d' ' -f1-3 /proc/loadavg), $(java -version 2>&1 | head -1)"
if [[ "${NO_JMH:-0}" != 1 ]]; then
  echo "[bench] JMH: ${JMH_ARGS:=-f 1 -wi 3 -w 2s -i 5 -r 2s -prof gc}"
  # shellcheck disable=SC2086
  java -cp "$cp" org.openjdk.jmh.Main $JMH_ARGS 'dev.meshoperator.bench.*Benchmark' 2>&1 \
    | grep -E '^(Benchmark|[A-Za-z]+Benchmark\.[A-Za-z]+ )|gc.alloc.rate.norm' | grep -v '·gc.alloc.rate ' || true
fi
if [[ "${NO_LOAD:-0}" != 1 ]]; then
  CLASSPATH_OVERRIDE="$cp" bench/webhook-load.sh
fi
