#!/usr/bin/env bash
# What the agent costs a JVM's start, side by side in one run: an idle JVM (scripts/IdleMain.java,
# sleeps IDLE seconds, default 2, and exits) four ways, interleaved round by round so that the machine's other load
# hits all alike: plain; with a JFR recording from the start, dumped at exit (default settings
# plus the project's ebpf.jfc); with that recording and the agent; with the agent alone.
# Per configuration: the process's CPU (user+sys, from /usr/bin/time: its whole life, the JFR
# dump at exit included), wall time, the agent's attach time (its INFO line: ms after the JVM
# started), and the on-CPU time of the threads alive at the end by group (JIT compilers, main,
# ...; IdleMain reads them from /proc). Medians with min-max. Then the two goals:
#   (JFR+agent CPU - JFR CPU) / JFR CPU <= 15%, attach <= 300 ms.
# A fifth configuration, JFR + agent with log=debug, gives the agent's set-up steps (wall and
# setup-thread CPU, median per step); it stays out of the goals (debug logging costs too).
# BASELINE=GIT-REV also measures that revision's agent (JFR + agent, agent alone) in the same rounds.
# Usage (as root): scripts/bench-startup.sh [rounds]   (default 7)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
rounds=${1:-7}
[[ -f agent/target/ebpf-agent.jar ]] || mvn -B -ntp -q -DskipTests package
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
javac -d "$out/cls" scripts/IdleMain.java
idle=${IDLE:-2} # seconds: long enough that the agent's attach line comes before the exit on a busy machine
jars=("agent=agent/target/ebpf-agent.jar")
configs=(plain jfr jfr+agent agent jfr+agent:debug)
if [[ -n ${BASELINE:-} ]]; then
  dir=target/startup-baseline
  built=$dir/$(git rev-parse "$BASELINE").built
  if [[ ! -f $built ]]; then
    rm -rf "$dir"
    mkdir -p "$dir"
    git archive "$BASELINE" | tar -x -C "$dir"
    (cd "$dir" && mvn -B -ntp -q -DskipTests package -pl agent -am >/dev/null 2>&1)
    touch "$built"
  fi
  jars+=("base=$dir/agent/target/ebpf-agent.jar")
  configs+=(jfr+base base)
fi
jar_of() { for j in "${jars[@]}"; do if [[ ${j%%=*} == "$1" ]]; then echo "${j#*=}"; fi; done; }
jfr="-XX:StartFlightRecording:settings=default,settings=jfr-events/src/main/resources/ebpf.jfc,filename=$out/rec.jfr"

run() { # config round: one idle JVM; appends "config cpu wall attach threads..." to results
  local config=$1 name=${1%%:*} log="$out/run.log" opts=()
  local with=${name#jfr+}
  [[ $name == jfr* ]] && opts+=("$jfr")
  if [[ $with == agent || $with == base ]]; then
    local args=""
    [[ $config == *:debug ]] && args="=log=debug"
    opts+=(--enable-native-access=ALL-UNNAMED "-javaagent:$(jar_of "$with")$args")
  fi
  /usr/bin/time -o "$out/time" -f '%U %S %e' java "${opts[@]}" -cp "$out/cls" IdleMain "$idle" >/dev/null 2>"$log"
  local attach
  attach=$(sed -n 's/.* \([0-9][0-9]*\) ms after the JVM started.*/\1/p' "$log" | head -1)
  echo "$config $(awk '{ print $1 + $2, $3 }' "$out/time") ${attach:--} $(sed -n 's/^THREADS-CPU-MS //p' "$log")" >>"$out/results"
  grep -h '^DEBUG ebpf-agent - set-up: ' "$log" | sed 's/^DEBUG ebpf-agent - set-up: //' >>"$out/steps" || true
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
for ((r = 1; r <= rounds; r++)); do
  for config in "${configs[@]}"; do
    run "$config" "$r"
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$out/results" "$out/steps" "$rounds" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    threads = dict(kv.split("=") for kv in f[4:])
    rows.setdefault(f[0], []).append(
        {"cpu": float(f[1]), "wall": float(f[2]), "attach": None if f[3] == "-" else float(f[3]),
         **{k: float(v) for k, v in threads.items()}})
def stat(config, key):
    v = [r[key] for r in rows[config] if r.get(key) is not None]
    return (statistics.median(v), min(v), max(v)) if v else None
def cell(s, fmt):
    return "-" if s is None else f"{s[0]:{fmt}} ({s[1]:{fmt}}-{s[2]:{fmt}})"
def attach_cell(c):
    missing = sum(1 for r in rows[c] if r["attach"] is None)
    if c in ("plain", "jfr"):
        return "-"
    # a run can end before the agent's line when the machine is busy: said, not hidden
    return cell(stat(c, "attach"), ".0f") + (f" [{missing} of {len(rows[c])} runs ended first]" if missing else "")
names = {"plain": "JVM", "jfr": "JVM + JFR", "jfr+agent": "JVM + JFR + agent", "agent": "JVM + agent",
         "jfr+agent:debug": "JVM + JFR + agent, log=debug", "jfr+base": "JVM + JFR + agent (baseline)",
         "base": "JVM + agent (baseline)"}
print(f"\n{sys.argv[3]} rounds, interleaved; median (min-max)\n")
print("| configuration | process CPU (s) | wall (s) | attached after (ms) | JIT threads CPU (ms) | main thread CPU (ms) |")
print("|---|---|---|---|---|---|")
for c in names:
    if c in rows:
        print(f"| {names[c]} | {cell(stat(c, 'cpu'), '.2f')} | {cell(stat(c, 'wall'), '.2f')} | "
              f"{attach_cell(c)} | {cell(stat(c, 'jit'), '.0f')} | {cell(stat(c, 'main'), '.0f')} |")
jfr = stat("jfr", "cpu")[0]
def goals(agent_config, label):
    added = stat(agent_config, "cpu")[0] - jfr
    attach = stat(agent_config, "attach")
    print(f"\n{label}: adds {added * 1000:.0f} ms of CPU to JFR's {jfr * 1000:.0f} ms: "
          f"{100 * added / jfr:.0f}% (goal <= 15%); probes attached {attach[0]:.0f} ms after the JVM started "
          f"(goal <= 300 ms)")
    # the same ratio round by round (each agent run against the JFR run of its own round)
    per_round = sorted(100 * (a["cpu"] - j["cpu"]) / j["cpu"] for a, j in zip(rows[agent_config], rows["jfr"]))
    print(f"  round by round: {', '.join(f'{p:.0f}%' for p in per_round)}")
    # where the added CPU goes, by thread (medians): live threads from IdleMain, the rest is
    # threads gone by then (the agent's setup thread) and the exit (JFR's dump)
    def live(c, keys):
        return statistics.median(sum(r.get(k, 0) for k in keys) for r in rows[c])
    groups = sorted({k for r in rows[agent_config] + rows["jfr"] for k in r} - {"cpu", "wall", "attach"})
    parts = {g: live(agent_config, [g]) - live("jfr", [g]) for g in groups}
    rest = added * 1000 - sum(parts.values())
    print("  added CPU by thread (ms): " + ", ".join(f"{g} {v:+.0f}" for g, v in parts.items())
          + f", exited threads and exit {rest:+.0f}")
goals("jfr+agent", "agent")
if "jfr+base" in rows:
    goals("jfr+base", "baseline agent")
steps = {}
for line in open(sys.argv[2]):
    for name, wall, cpu in re.findall(r"([a-z ]+?) (\d+) ms \(cpu (\d+)\)", line.split(";")[0]):
        steps.setdefault(name.strip(), []).append((int(wall), int(cpu)))
if steps:
    print("\nset-up steps (JVM + JFR + agent, log=debug), median over the rounds\n")
    print("| step | wall (ms) | setup thread CPU (ms) |")
    print("|---|---|---|")
    for name, v in steps.items():
        print(f"| {name} | {statistics.median(w for w, _ in v):.0f} | {statistics.median(c for _, c in v):.0f} |")
    print(f"| all | {statistics.median(sum(w for w, _ in v) for v in zip(*steps.values())):.0f} | "
          f"{statistics.median(sum(c for _, c in v) for v in zip(*steps.values())):.0f} |")
PY
