#!/usr/bin/env bash
# Whole-agent overhead on the sample app, side by side in one run: the same workload without
# JFR and agent, with a JFR recording only, and with JFR plus the agent (sched probe, default
# 1 s interval), interleaved round by round so drift hits all three alike. Prints a markdown
# table: medians with min-max over the rounds, and ratios to the JFR-only run.
# Usage (as root): scripts/bench-overhead.sh [rounds] [seconds]   (default 5 rounds of 8 s)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
rounds=${1:-5}
seconds=${2:-8}
mvn -B -ntp -q -DskipTests package
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
app=(-jar sample-app/target/sample-app.jar --duration="$seconds")
jfr="-XX:StartFlightRecording:settings=default,filename=$out/rec.jfr"
jfr_ebpf="-XX:StartFlightRecording:settings=default,settings=jfr-events/src/main/resources/ebpf.jfc,filename=$out/rec.jfr"

run() { # config round: runs one configuration, appends "config spinM poolOps p50 p99" to results
  local config=$1 log="$out/$1.$2.log"
  case $config in
    none) java "${app[@]}" >"$log" 2>/dev/null ;;
    jfr) java "$jfr" -Xlog:jfr+startup=warning "${app[@]}" >"$log" 2>/dev/null ;;
    agent) java --enable-native-access=ALL-UNNAMED -javaagent:agent/target/ebpf-agent.jar "$jfr_ebpf" \
             -Xlog:jfr+startup=warning "${app[@]}" >"$log" 2>/dev/null ;;
  esac
  awk -v c="$config" '/M iterations/ {spin += $2} /lock ops/ {pool += $2}
      /wakeup latency/ {p50 = $4; p99 = $7} END {print c, spin, pool, p50, p99}' "$log" >>"$out/results"
}

for ((r = 1; r <= rounds; r++)); do
  for config in none jfr agent; do
    run "$config" "$r"
  done
done

python3 - "$out/results" "$rounds" "$seconds" <<'PY'
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
PY
