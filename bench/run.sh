#!/usr/bin/env bash
# Runs the benchmarks and prints their numbers: JMH (injection and rendering CPU time and
# allocation per operation) and the webhook's HTTPS latency on loopback. Benchmarks are not tests:
# nothing here gates CI. Record results in bench/RESULTS.md with the machine they ran on.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "[bench] compiling (mvn -Pbench)"
mvn -B -q -o -ntp -Pbench -DskipTests test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test 2>/dev/null \
  || mvn -B -q -ntp -Pbench -DskipTests test-compile dependency:build-classpath \
       -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
cp="target/test-classes:target/classes:$(cat target/bench.classpath)"
echo "[bench] machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(java -version 2>&1 | head -1)"
echo "[bench] JMH: ${JMH_ARGS:=-f 1 -wi 3 -w 2s -i 5 -r 2s -prof gc}"
# shellcheck disable=SC2086
java -cp "$cp" org.openjdk.jmh.Main $JMH_ARGS 'dev.meshoperator.bench.*Benchmark' 2>&1 \
  | grep -E '^(Benchmark|[A-Za-z]+Benchmark\.[A-Za-z]+ )|gc.alloc.rate.norm' | grep -v '·gc.alloc.rate ' || true
echo "[bench] webhook latency over HTTPS on loopback"
java -Xmx512m -cp "$cp" dev.meshoperator.bench.WebhookLatency "${LATENCY_REQUESTS:-2000}"
