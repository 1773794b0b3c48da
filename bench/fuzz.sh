#!/usr/bin/env bash
# The admission endpoint's fuzz test (AdmissionFuzzTest, jqwik) at a larger scale than the default
# `mvn verify` run: every property's batch is FUZZ_BATCH inputs instead of 8, so FUZZ_BATCH=80
# (the default here) sends 1,000,000 inputs over HTTPS to the webhook on loopback. Prints the
# test's own lines: inputs, time, rate and used heap after GC per property, then the totals and the
# outcome counts. A failure prints the offending input and jqwik's seed to replay it.
set -euo pipefail
cd "$(dirname "$0")/.."
batch="${FUZZ_BATCH:-80}"
echo "[fuzz] machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(java -version 2>&1 | head -1)"
echo "[fuzz] $((12500 * batch)) inputs (FUZZ_BATCH=$batch)"
mkdir -p target
set +e
mvn -B -ntp -o test -Dtest=AdmissionFuzzTest -Dfuzz.batch="$batch" -DskipKubeTestenv=true \
  -Dsurefire.failIfNoSpecifiedTests=false > target/fuzz.log 2>&1
rc=$?
set -e
grep -a -E '^\[admission-fuzz\]|Tests run:|FAIL' target/fuzz.log || true
echo "[fuzz] full log: target/fuzz.log (exit $rc)"
exit $rc
