#!/usr/bin/env bash
# Builds everything, runs the sample app under the agent with a JFR recording, prints the
# per-thread report of the ebpf events and writes a flame graph of where the threads' time went.
# Usage: scripts/run-sample.sh [seconds] (default 10).
# Leaves target/sample.jfr, target/sample-report.md, target/sample-flame.html and
# target/sample-syscalls-flame.html.
# Installs the Debian packages the build needs first, if any is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
source scripts/env.sh
seconds=${1:-10}
mvn -B -ntp -q -DskipTests package
mkdir -p target
rm -f target/sample.jfr
java --enable-native-access=ALL-UNNAMED \
  -javaagent:agent/target/ebpf-agent.jar=interval=1s,probes=sched+tcp+syscalls \
  -XX:StartFlightRecording:settings=default,settings=jfr-events/src/main/resources/ebpf.jfc,filename=target/sample.jfr \
  -Xlog:jfr+startup=warning \
  -jar sample-app/target/sample-app.jar --duration="$seconds"
echo
echo "== jfr summary (ebpf events) =="
jfr summary target/sample.jfr | grep -E '^ +Event Type|^ +=+|ebpf\.' || true
echo
java -jar agent/target/ebpf-agent.jar report target/sample.jfr
java -jar agent/target/ebpf-agent.jar report target/sample.jfr --format markdown -o target/sample-report.md
java -jar agent/target/ebpf-agent.jar flame target/sample.jfr -o target/sample-flame.html
java -jar agent/target/ebpf-agent.jar flame target/sample.jfr --kind syscalls -o target/sample-syscalls-flame.html
echo
echo "recording: target/sample.jfr (open it in JDK Mission Control, or: jfr print --events ebpf.ThreadScheduling target/sample.jfr)"
echo "flame graphs: target/sample-flame.html (thread states), target/sample-syscalls-flame.html (syscall time)"
echo "markdown report: target/sample-report.md"
