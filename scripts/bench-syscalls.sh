#!/usr/bin/env bash
# The syscall probe's cost, side by side in one run. raw_syscalls' sys_enter and sys_exit run the
# probe's programs for every syscall on the host, so it is measured twice:
#  (a) own:   scripts/SyscallBench.java (getppid, and 1-byte reads of /dev/zero, through FFM) in a
#             JVM with no agent, with the agent's sched probe, and with sched+syscalls;
#  (b) other: the same loop in a JVM without the agent while an idle JVM (scripts/IdleMain.java)
#             runs the agent with sched, or with sched+syscalls; (a)'s "no agent" run is the same
#             loop with nothing else attached;
#  (c) sample: the sample app under the agent with sched, and with sched+syscalls: its work done,
#             and how many syscalls per second the probe saw it make.
# Every JVM records JFR with ebpf.jfc. The configurations are interleaved round by round, in an
# order that rotates each round, so drift and the hypervisor's steal hit them alike; each timed
# loop starts only once the agent concerned has said "... probe attached". Prints markdown tables
# of medians (min-max), the ns added per syscall (the difference of medians, and the median of the
# round-by-round differences) with ratios to the baseline of the same run, and the verdicts against
# the goals (<= 40 ns per syscall of another process, <= 150 ns per syscall of the agent's JVM).
# Then one more run of (a) and of (b) with the kernel's BPF statistics on (kernel.bpf_stats_enabled:
# they add their own clock reads to every program run, so never during the timed rounds) for the
# programs' own ns per run. A run during which another process had its own sys_enter/sys_exit BPF
# programs attached (a test of the agent, say) is left out of the figures and counted.
# Raw lines, and every run's output and recording, stay in target/bench-syscalls/.
# Expects the agent and the sample app built (mvn install -DskipTests); builds them only if a jar is
# missing.
# Usage (as root): scripts/bench-syscalls.sh [rounds] [sample-seconds]
#   default 7 rounds, 10 s sample-app runs (0 leaves (c) out); CALLS=200000 BATCHES=15 per loop run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
rounds=${1:-7}
sample_seconds=${2:-10}
calls=${CALLS:-200000}
batches=${BATCHES:-15}
[ -f agent/target/ebpf-agent.jar ] && [ -f sample-app/target/sample-app.jar ] || mvn -B -ntp -q -DskipTests package
# Raw lines, each run's output and recording stay here after the run.
out=target/bench-syscalls
rm -rf "$out"
mkdir -p "$out"
stats_before=$(sysctl -n kernel.bpf_stats_enabled)
cleanup() {
  # Only this script's own children: the idle agent JVM or a loop left running by a failure.
  local children
  children=$(jobs -p)
  [ -n "$children" ] && kill $children 2>/dev/null
  wait 2>/dev/null
  sysctl -q -w kernel.bpf_stats_enabled="$stats_before"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# Compiled once, so that every run starts the same way (the source launcher would compile each time).
javac -d "$out/classes" scripts/SyscallBench.java scripts/IdleMain.java

recording() { # the recording flag for a JVM writing to $out/NAME.jfr
  echo "-XX:StartFlightRecording:settings=jfr-events/src/main/resources/ebpf.jfc,filename=$out/$1.jfr"
}
agent() { # probes: the agent's flags
  echo "-javaagent:agent/target/ebpf-agent.jar=probes=$1"
}

wait_for() { # file pattern pid: returns once the line is in the file; fails if the process ends or after 60 s
  local i
  for ((i = 0; i < 600; i++)); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    kill -0 "$3" 2>/dev/null || break
    sleep 0.1
  done
  echo "bench-syscalls: no '$2' from pid $3 in $1:" >&2
  cat "$1" >&2
  return 1
}

foreign() { # [pid]: how many BPF programs other than that JVM's are attached to sys_enter/sys_exit
  local mine=""
  # The kernel lists a process's programs and links in its fdinfo, each with its prog_id. Links,
  # not programs, are counted: a closed program can stay listed for a while after its detach.
  [ -n "${1:-}" ] && mine=$(cat /proc/"$1"/fdinfo/* 2>/dev/null | awk '/^prog_id:/ { print $2 }' | sort -u | tr '\n' ' ' || true)
  bpftool -j link show | python3 -c '
import json, sys
mine = set(sys.argv[1].split())
print(sum(1 for l in json.load(sys.stdin)
          if l.get("tp_name") in ("sys_enter", "sys_exit") and str(l.get("prog_id")) not in mine))' "$mine"
}

loop() { # name agent-pid [java flags...]: one SyscallBench run, started once its JVM (and the
         # agent, if any) is ready; appends "kind wall cpu foreign" lines to $out/NAME.result
  local name=$1 agent_pid=$2
  shift 2
  local go="$out/$name.go" log="$out/$name"
  java --enable-native-access=ALL-UNNAMED "$@" -Xlog:jfr+startup=warning -cp "$out/classes" \
    SyscallBench --calls="$calls" --batches="$batches" --go="$go" getppid read >"$log.out" 2>"$log.err" &
  local pid=$!
  wait_for "$log.out" '^READY' "$pid"
  if [ "$agent_pid" = self ]; then
    agent_pid=$pid
  fi
  case " $* " in
    *probes=sched+syscalls*) wait_for "$log.err" 'syscalls probe attached' "$pid" ;;
    *probes=sched*) wait_for "$log.err" 'sched probe attached' "$pid" ;;
  esac
  local before after
  before=$(foreign "$agent_pid")
  touch "$go"
  wait "$pid"
  after=$(foreign "$agent_pid")
  awk -v f=$((before > after ? before : after)) '/^RESULT/ { print $2, $3, $4, f }' "$log.out" >"$log.result"
}

own() { # probes round
  local name="own-$1-$2"
  if [ "$1" = none ]; then
    loop "$name" "" "$(recording "$name")"
  else
    loop "$name" self "$(agent "$1")" "$(recording "$name")"
  fi
  awk -v p="$1" -v r="$2" '{ print "own", p, $1, r, $2, $3, $4 }' "$out/$name.result" >>"$out/results"
}

other() { # probes round: the loop without the agent, beside an idle JVM with the agent attached
  local name="other-$1-$2"
  java --enable-native-access=ALL-UNNAMED "$(agent "$1")" "$(recording "$name-idle")" -Xlog:jfr+startup=warning \
    -cp "$out/classes" IdleMain 86400 >/dev/null 2>"$out/$name-idle.err" &
  local idle=$!
  case $1 in
    sched+syscalls) wait_for "$out/$name-idle.err" 'syscalls probe attached' "$idle" ;;
    *) wait_for "$out/$name-idle.err" 'sched probe attached' "$idle" ;;
  esac
  loop "$name" "$idle" "$(recording "$name")"
  kill "$idle"
  wait "$idle" 2>/dev/null || true
  awk -v p="$1" -v r="$2" '{ print "other", p, $1, r, $2, $3, $4 }' "$out/$name.result" >>"$out/results"
}

sample() { # probes round: the sample app, its figures and the syscalls per second it made
  local name="sample-$1-$2"
  java --enable-native-access=ALL-UNNAMED "$(agent "$1")" "$(recording "$name")" -Xlog:jfr+startup=warning \
    -jar sample-app/target/sample-app.jar --duration="$sample_seconds" >"$out/$name.out" 2>"$out/$name.err" &
  local pid=$!
  wait_for "$out/$name.err" 'sched probe attached' "$pid"
  local before after
  before=$(foreign "$pid")
  wait "$pid"
  after=$(foreign)
  local syscalls=0
  if [ "$1" = sched+syscalls ]; then
    syscalls=$(jfr print --json --events ebpf.ThreadSyscalls "$out/$name.jfr" | python3 -c '
import json, sys
print(sum(e["values"]["calls"] for e in json.load(sys.stdin)["recording"]["events"]))')
  fi
  awk -v p="$1" -v r="$2" -v s="$syscalls" -v secs="$sample_seconds" -v f=$((before > after ? before : after)) '
      /M iterations/ { spin += $2 } /lock ops/ { pool += $2 } /requests/ { echo += $2 } /wakeup latency/ { p50 = $4 }
      END { print "sample", p, "app", r, spin, pool, echo, p50, s / secs, f }' "$out/$name.out" >>"$out/results"
}

configs=(own:none own:sched own:sched+syscalls other:sched other:sched+syscalls)
[ "$sample_seconds" -gt 0 ] && configs+=(sample:sched sample:sched+syscalls)
echo "bench-syscalls: $rounds rounds of ${configs[*]}; load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for ((r = 1; r <= rounds; r++)); do
  for ((i = 0; i < ${#configs[@]}; i++)); do
    c=${configs[$(((i + r) % ${#configs[@]}))]}
    "${c%%:*}" "${c#*:}" "$r"
  done
  echo "bench-syscalls: round $r done, load average $(cut -d' ' -f1 /proc/loadavg)" >&2
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# The programs' own cost per run, from the kernel: once for the agent's JVM (a), once for another
# process (b). Only this JVM's programs (its fdinfo's prog ids) are summed.
kernel_stats() { # case name pid
  local mine
  mine=$(cat /proc/"$3"/fdinfo/* 2>/dev/null | awk '/^prog_id:/ { print $2 }' | sort -u | tr '\n' ' ' || true)
  bpftool -j prog show | python3 -c '
import json, sys
mine = set(sys.argv[3].split())
for p in json.load(sys.stdin):
    n = p.get("name", "")
    if str(p["id"]) in mine and n.startswith(("sys_enter", "sys_exit")):
        print(sys.argv[1], n, p.get("run_cnt", 0), p.get("run_time_ns", 0))' "$1" "$2" "$mine" >>"$out/kernel-$2"
}
sysctl -q -w kernel.bpf_stats_enabled=1
name=kstat-own
java --enable-native-access=ALL-UNNAMED "$(agent sched+syscalls)" "$(recording $name)" -Xlog:jfr+startup=warning \
  -cp "$out/classes" SyscallBench --calls="$calls" --batches="$batches" --go="$out/$name.go" --hold="$out/$name.hold" getppid read \
  >"$out/$name.out" 2>"$out/$name.err" &
pid=$!
wait_for "$out/$name.out" '^READY' "$pid"
wait_for "$out/$name.err" 'syscalls probe attached' "$pid"
kernel_stats before own "$pid"
touch "$out/$name.go"
wait_for "$out/$name.out" '^RESULT read' "$pid"
kernel_stats after own "$pid"
touch "$out/$name.hold"
wait "$pid"
name=kstat-other
java --enable-native-access=ALL-UNNAMED "$(agent sched+syscalls)" "$(recording $name-idle)" -Xlog:jfr+startup=warning \
  -cp "$out/classes" IdleMain 86400 >/dev/null 2>"$out/$name-idle.err" &
idle=$!
wait_for "$out/$name-idle.err" 'syscalls probe attached' "$idle"
kernel_stats before other "$idle"
java --enable-native-access=ALL-UNNAMED -cp "$out/classes" SyscallBench --calls="$calls" --batches="$batches" \
  getppid read >"$out/$name.out"
kernel_stats after other "$idle"
kill "$idle"
wait "$idle" 2>/dev/null || true
sysctl -q -w kernel.bpf_stats_enabled="$stats_before"

python3 - "$out" "$rounds" "$calls" "$batches" "$load_after" <<'PY'
import os, statistics, sys
out, rounds, calls, batches, load_after = sys.argv[1:6]
rows = [l.split() for l in open(os.path.join(out, "results"))]
left_out = [r for r in rows if r[-1] != "0"]
rows = [r for r in rows if r[-1] == "0"]

def med(v, fmt="{:.1f}"):
    if not v:
        return "-"
    return f"{fmt.format(statistics.median(v))} ({fmt.format(min(v))}-{fmt.format(max(v))})"

def values(part, probes, kind, col):
    return {int(r[3]): float(r[col]) for r in rows if r[0] == part and r[1] == probes and r[2] == kind}

print(f"{rounds} rounds, interleaved; {calls} calls x {batches} batches per run, the median batch of each run;"
      f" median (min-max) over the runs; load average after: {load_after}")
if left_out:
    print(f"{len(left_out)} runs left out: another process had sys_enter/sys_exit programs attached"
          f" ({', '.join(r[0] + ':' + r[1] + ':' + r[2] + ' round ' + r[3] for r in left_out)})")
print()
print("| syscall | loop JVM | beside | wall ns per call | thread CPU ns per call |")
print("|---|---|---|---|---|")
cases = [("own", "none", "no agent", "-"), ("own", "sched", "agent: sched", "-"),
         ("own", "sched+syscalls", "agent: sched+syscalls", "-"),
         ("other", "sched", "no agent", "idle JVM, agent: sched"),
         ("other", "sched+syscalls", "no agent", "idle JVM, agent: sched+syscalls")]
for kind in ("getppid", "read"):
    for part, probes, jvm, beside in cases:
        w, c = values(part, probes, kind, 4), values(part, probes, kind, 5)
        print(f"| {kind} | {jvm} | {beside} | {med(list(w.values()))} | {med(list(c.values()))} |")
print()

goals = {"own": 150, "other": 40}
verdicts = []
print("| added per syscall | syscall | CPU: difference of medians | CPU: round by round | ratio | wall: difference of medians | wall: round by round | goal |")
print("|---|---|---|---|---|---|---|---|")
for part, label in (("own", "(a) the agent's own JVM, sched+syscalls vs sched"),
                    ("other", "(b) another process, idle JVM sched+syscalls vs sched")):
    for kind in ("getppid", "read"):
        cells = []
        for col in (5, 4):
            on, off = values(part, "sched+syscalls", kind, col), values(part, "sched", kind, col)
            if not on or not off:
                cells += ["-", "-", "-"] if col == 5 else ["-", "-"]
                continue
            diff = statistics.median(on.values()) - statistics.median(off.values())
            paired = [on[r] - off[r] for r in on if r in off]
            cells.append(f"{diff:+.1f}")
            cells.append(med(paired, "{:+.1f}") if paired else "-")
            if col == 5:
                cells.append(f"{statistics.median(on.values()) / statistics.median(off.values()):.3f}")
                worst = max(diff, statistics.median(paired)) if paired else diff
                verdicts.append((label, kind, worst, goals[part]))
        print(f"| {label} | {kind} | " + " | ".join(cells) + f" | <= {goals[part]} ns |")
# What the baselines themselves carry: the sched probe, against no agent at all.
print()
for kind in ("getppid", "read"):
    n = values("own", "none", kind, 5)
    a, b = values("own", "sched", kind, 5), values("other", "sched", kind, 5)
    if n and a and b:
        base = statistics.median(n.values())
        print(f"- {kind}, thread CPU: own JVM with the sched probe vs no agent "
              f"{statistics.median(a.values()) - base:+.1f} ns per call; beside an idle JVM with the sched probe"
              f" vs alone {statistics.median(b.values()) - base:+.1f} ns")
print()
for label, kind, worst, goal in verdicts:
    state = "met" if worst <= goal else "MISSED"
    print(f"- {label}, {kind}: {worst:+.1f} ns per call (the larger of the two CPU estimates),"
          f" goal <= {goal} ns: {state} (margin {goal - worst:+.1f} ns)")

sample = [r for r in rows if r[0] == "sample"]
if sample:
    print()
    print("| sample app | spinner work (M iterations) | lock-pool ops | echo requests | sleeper wakeup p50 (us) | syscalls/s seen by the probe |")
    print("|---|---|---|---|---|---|")
    by = {}
    for r in sample:
        by.setdefault(r[1], {})[int(r[3])] = [float(x) for x in r[4:9]]
    for probes in ("sched", "sched+syscalls"):
        runs = list(by.get(probes, {}).values())
        cells = [med([v[i] for v in runs], "{:.0f}") for i in range(5)]
        print(f"| agent: {probes} | " + " | ".join(cells) + " |")
    if "sched" in by and "sched+syscalls" in by:
        for i, what in ((0, "spinner work"), (1, "lock-pool ops"), (2, "echo requests")):
            on = statistics.median(v[i] for v in by["sched+syscalls"].values())
            off = statistics.median(v[i] for v in by["sched"].values())
            paired = [by["sched+syscalls"][r][i] / by["sched"][r][i] for r in by["sched+syscalls"]
                      if r in by["sched"] and by["sched"][r][i]]
            print(f"- {what}: sched+syscalls / sched = {on / off:.4f} ({(on / off - 1) * 100:+.2f}%);"
                  f" round by round {med(paired, '{:.3f}')}")

print()
print("| kernel's BPF statistics (sched+syscalls) | program | runs | ns per run |")
print("|---|---|---|---|")
for case, label in (("own", "(a) the agent's own JVM running the loop"), ("other", "(b) an idle agent JVM, the loop in another")):
    try:
        lines = [l.split() for l in open(os.path.join(out, "kernel-" + case))]
    except FileNotFoundError:
        continue
    before = {n: (int(c), int(t)) for w, n, c, t in lines if w == "before"}
    for w, n, c, t in lines:
        if w == "after" and n in before:
            runs, ns = int(c) - before[n][0], int(t) - before[n][1]
            if runs:
                print(f"| {label} | {n} | {runs} | {ns / runs:.1f} |")
PY
