#!/usr/bin/env bash
# The TCP probe's cost, side by side in one run: scripts/TcpBench.java (connect per request, and
# bulk transfer, over loopback) under the agent with the scheduler probe only, and with the
# scheduler and TCP probes, interleaved round by round so drift hits both alike; JFR records with
# ebpf.jfc in both. Prints a markdown table of medians (min-max) and the ratio on/off, then the TCP
# programs' in-kernel cost per run from the kernel's BPF statistics (kernel.bpf_stats_enabled, on
# during the TCP runs only).
# Usage (as root): scripts/bench-tcp.sh [rounds] [seconds]   (default 5 rounds of 5 s)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
rounds=${1:-5}
seconds=${2:-5}
[ -f agent/target/ebpf-agent.jar ] || mvn -B -ntp -q -DskipTests package
out=$(mktemp -d)
stats_before=$(sysctl -n kernel.bpf_stats_enabled)
trap 'sysctl -q -w kernel.bpf_stats_enabled="$stats_before"; rm -rf "$out"' EXIT
# Compiled once, so that each run starts the same way.
javac -d "$out/classes" scripts/TcpBench.java

run() { # mode probes round: one run, appends "mode probes value" to results
  local mode=$1 probes=$2
  [ "$probes" = sched+tcp ] && sysctl -q -w kernel.bpf_stats_enabled=1
  local value
  value=$(java --enable-native-access=ALL-UNNAMED -javaagent:agent/target/ebpf-agent.jar=probes=$probes \
    "-XX:StartFlightRecording:settings=jfr-events/src/main/resources/ebpf.jfc,filename=$out/rec.jfr" \
    -Xlog:jfr+startup=warning -cp "$out/classes" TcpBench "$mode" "$seconds" 2>/dev/null | awk '/^RESULT/ { print $3 }')
  if [ "$probes" = sched+tcp ]; then
    bpftool -j prog show | python3 -c '
import json, sys
for p in json.load(sys.stdin):
    n = p.get("name", "")
    if n.startswith(("inet_sock", "sock_send", "sock_recv", "tcp_")) and p.get("run_cnt"):
        print(sys.argv[1], n, p["run_cnt"], p["run_time_ns"])' "$mode" >>"$out/kernel" || true
    sysctl -q -w kernel.bpf_stats_enabled=0
  fi
  echo "$mode $probes $value" >>"$out/results"
}

for ((r = 1; r <= rounds; r++)); do
  for mode in connect bulk; do
    for probes in sched sched+tcp; do
      run "$mode" "$probes"
    done
  done
done

python3 - "$out/results" "$out/kernel" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if len(l.split()) == 3]
print("| workload | sched only | sched + tcp | ratio |")
print("|---|---|---|---|")
for mode, unit in (("connect", "requests/s"), ("bulk", "MiB/s")):
    off = [float(v) for m, p, v in rows if m == mode and p == "sched"]
    on = [float(v) for m, p, v in rows if m == mode and p == "sched+tcp"]
    if not off or not on:
        continue
    mo, mn = statistics.median(off), statistics.median(on)
    print(f"| {mode} ({unit}) | {mo:.0f} ({min(off):.0f}-{max(off):.0f}) | {mn:.0f} ({min(on):.0f}-{max(on):.0f}) | {mn / mo:.3f} |")
print()
print("| workload | program | runs | ns per run |")
print("|---|---|---|---|")
try:
    agg = {}
    for l in open(sys.argv[2]):
        mode, name, cnt, ns = l.split()
        a = agg.setdefault((mode, name), [0, 0])
        a[0] += int(cnt); a[1] += int(ns)
    for (mode, name), (cnt, ns) in sorted(agg.items()):
        print(f"| {mode} | {name} | {cnt} | {ns / cnt:.0f} |")
except FileNotFoundError:
    pass
PY
