#!/usr/bin/env bash
# Builds everything, runs the sample app under the agent with a JFR recording, and prints a
# summary of the ebpf events. Usage: scripts/run-sample.sh [seconds] (default 10).
# The recording is left at target/sample.jfr.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
seconds=${1:-10}
mvn -B -ntp -q -DskipTests package
mkdir -p target
rm -f target/sample.jfr
java --enable-native-access=ALL-UNNAMED \
  -javaagent:agent/target/ebpf-agent.jar=interval=1s \
  -XX:StartFlightRecording:settings=default,settings=jfr-events/src/main/resources/ebpf.jfc,filename=target/sample.jfr \
  -Xlog:jfr+startup=warning \
  -jar sample-app/target/sample-app.jar --duration="$seconds"
echo
echo "== jfr summary (ebpf events) =="
jfr summary target/sample.jfr | grep -E '^ +Event Type|^ +=+|ebpf\.' || true
echo
java -jar agent/target/ebpf-agent.jar summary target/sample.jfr
echo
echo "recording: target/sample.jfr (open it in JDK Mission Control, or: jfr print --events ebpf.ThreadScheduling target/sample.jfr)"
