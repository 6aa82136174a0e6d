#!/usr/bin/env bash
# In-kernel cost of the sched probe's programs, per run, from the kernel's own BPF statistics
# (kernel.bpf_stats_enabled=1: run_time_ns / run_cnt of each program, as bpftool shows them).
#  1. own events: the sample app under the agent, the machine otherwise idle, so most program
#     runs concern the JVM's own threads;
#  2. filtered events: an idle JVM under the agent while another process (scripts/PingPong.java)
#     switches as fast as it can, so most runs are for threads the in-kernel filter rejects;
#  3. baseline: programs that do nothing, on the same tracepoints under the same load: what the
#     kernel spends to call and time any program. The probe's own cost is the difference.
# Usage (as root): scripts/bench-kernel-cost.sh [seconds]   (default 10)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
seconds=${1:-10}
mvn -B -ntp -q -DskipTests package
mvn -B -ntp -q -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt -pl agent -am
test_cp="agent/target/test-classes:agent/target/classes:$(cat agent/target/classpath.txt)"
previous=$(sysctl -n kernel.bpf_stats_enabled)
trap 'sysctl -q -w kernel.bpf_stats_enabled=$previous' EXIT
sysctl -q -w kernel.bpf_stats_enabled=1

stats() { # prints "name run_cnt run_time_ns" for the sched programs loaded now
  bpftool -j prog show | python3 -c '
import json, sys
for p in json.load(sys.stdin):
    if p.get("name", "").startswith(("sched_", "empty_")) and "run_cnt" in p:
        print(p["name"], p["run_cnt"], p["run_time_ns"])'
}

measure() { # label, sample-app args...: runs the app under the agent, samples the stats near its end
  local label=$1
  shift
  java --enable-native-access=ALL-UNNAMED -javaagent:agent/target/ebpf-agent.jar \
    -jar sample-app/target/sample-app.jar --duration="$seconds" "$@" >/dev/null 2>&1 &
  local pid=$!
  sleep $((seconds - 1))
  stats | awk -v l="$label" '{ printf "| %s | %s | %d | %.1f |\n", l, $1, $2, ($2 ? $3 / $2 : 0) }'
  wait $pid
}

echo "| load | program | runs | ns per run |"
echo "|---|---|---|---|"
measure "own: sample app under the agent" 
java scripts/PingPong.java "$seconds" >/dev/null &
pingpong=$!
measure "filtered: idle JVM under the agent, another process switching" --spinners=0 --sleepers=0 --pool=0
wait $pingpong
java scripts/PingPong.java "$seconds" >/dev/null &
pingpong=$!
java --enable-native-access=ALL-UNNAMED -cp "$test_cp" org.ebpfagent.bench.AttachEmpty "$seconds" &
empty=$!
sleep $((seconds - 1))
stats | awk '{ printf "| baseline: empty programs, another process switching | %s | %d | %.1f |\n", $1, $2, ($2 ? $3 / $2 : 0) }'
wait $empty $pingpong
