#!/usr/bin/env bash
# Whole-agent overhead on the sample app, side by side in one run: the same workload without
# JFR and agent, with a JFR recording only, and with JFR plus the agent (sched probe, default
# 1 s interval), interleaved round by round so drift hits all three alike. Prints a markdown
# table: medians with min-max over the rounds, and ratios to the JFR-only run.
# The agent's own CPU is also measured in each agent run, independently of the throughput
# figures' noise: its threads' on-CPU time from the recording (the agent reports itself) and the
# probe's in-kernel run time from the kernel's BPF statistics (kernel.bpf_stats_enabled, on
# during the agent runs only, so those runs also carry the statistics' own cost: conservative).
# Usage (as root): scripts/bench-overhead.sh [rounds] [seconds]   (default 5 rounds of 8 s)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
rounds=${1:-5}
seconds=${2:-8}
mvn -B -ntp -q -DskipTests package
out=$(mktemp -d)
stats_before=$(sysctl -n kernel.bpf_stats_enabled)
trap 'sysctl -q -w kernel.bpf_stats_enabled="$stats_before"; rm -rf "$out"' EXIT
app=(-jar sample-app/target/sample-app.jar --duration="$seconds")
jfr="-XX:StartFlightRecording:settings=default,filename=$out/rec.jfr"
jfr_ebpf="-XX:StartFlightRecording:settings=default,settings=jfr-events/src/main/resources/ebpf.jfc,filename=$out/rec.jfr"

run() { # config round: runs one configuration, appends "config spinM poolOps p50 p99" to results
  local config=$1 log="$out/$1.$2.log"
  case $config in
    none) java "${app[@]}" >"$log" 2>/dev/null ;;
    jfr) java "$jfr" -Xlog:jfr+startup=warning "${app[@]}" >"$log" 2>/dev/null ;;
    agent)
      sysctl -q -w kernel.bpf_stats_enabled=1
      java --enable-native-access=ALL-UNNAMED -javaagent:agent/target/ebpf-agent.jar "$jfr_ebpf" \
        -Xlog:jfr+startup=warning "${app[@]}" >"$log" 2>/dev/null &
      local pid=$! t0=$(date +%s%N)
      sleep $((seconds - 1))
      local bpf_ns t1
      bpf_ns=$(bpftool -j prog show | python3 -c '
import json, sys
print(sum(p.get("run_time_ns", 0) for p in json.load(sys.stdin) if p.get("name", "").startswith("sched_")))')
      t1=$(date +%s%N)
      wait $pid
      sysctl -q -w kernel.bpf_stats_enabled="$stats_before"
      # in-kernel ns, the seconds they were summed over, then the recording's CPU figures
      java -jar agent/target/ebpf-agent.jar report "$out/rec.jfr" --format json | python3 -c '
import json, sys
r = json.load(sys.stdin)
poller = sum(t["scheduling"]["onCpuNs"] for t in r["threads"] if t["name"] == "ebpf-agent-poller")
setup = sum(t["scheduling"]["onCpuNs"] for t in r["threads"] if t["name"] == "ebpf-agent-setup")
print(sys.argv[1], (int(sys.argv[3]) - int(sys.argv[2])) / 1e9, poller, setup, r["process"]["onCpuNs"], r["seconds"])
' "$bpf_ns" "$t0" "$t1" >>"$out/agent-cpu"
      ;;
  esac
  awk -v c="$config" '/M iterations/ {spin += $2} /lock ops/ {pool += $2}
      /wakeup latency/ {p50 = $4; p99 = $7} END {print c, spin, pool, p50, p99}' "$log" >>"$out/results"
}

for ((r = 1; r <= rounds; r++)); do
  for config in none jfr agent; do
    run "$config" "$r"
  done
done

python3 - "$out/results" "$rounds" "$seconds" "$out/agent-cpu" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
by = {}
for c, spin, pool, p50, p99 in rows:
    by.setdefault(c, []).append((float(spin), float(pool), float(p50), float(p99)))
def cell(c, i):
    v = [r[i] for r in by[c]]
    return statistics.median(v), min(v), max(v)
print(f"{sys.argv[2]} rounds of {sys.argv[3]} s, interleaved; median (min-max)\n")
print("| configuration | spinner work (M iterations) | lock-pool ops | sleeper wakeup latency p50 (us) | p99 (us) |")
print("|---|---|---|---|---|")
names = {"none": "no JFR, no agent", "jfr": "JFR (default settings)", "agent": "JFR + ebpf-agent (sched, 1 s)"}
for c in ("none", "jfr", "agent"):
    cells = []
    for i in range(4):
        m, lo, hi = cell(c, i)
        cells.append(f"{m:.0f} ({lo:.0f}-{hi:.0f})")
    print(f"| {names[c]} | " + " | ".join(cells) + " |")
print()
for i, what in ((0, "spinner work"), (1, "lock-pool ops")):
    base, agent = cell("jfr", i)[0], cell("agent", i)[0]
    print(f"- {what}: agent / JFR-only = {agent / base:.4f} ({(agent / base - 1) * 100:+.2f}%)")
import os
cpus = os.cpu_count()
runs = [[float(x) for x in l.split()] for l in open(sys.argv[4])]
kernel = [k / 1e6 / s for k, s, _, _, _, _ in runs]          # ms of CPU per second
poller = [p / 1e6 / sec for _, _, p, _, _, sec in runs]
setup = [u / 1e6 for _, _, _, u, _, _ in runs]                # ms, once per run
share = [100 * (k + p) / 1000 / cpus for k, p in zip(kernel, poller)]
def med(v):
    return f"{statistics.median(v):.2f} ({min(v):.2f}-{max(v):.2f})"
print(f"- the agent's own CPU in steady state, per agent run: probe in the kernel {med(kernel)} ms/s, "
      f"poller thread {med(poller)} ms/s; together {med(share)}% of the machine's {cpus} CPUs; "
      f"plus once at start-up, the setup thread {med(setup)} ms")
PY
