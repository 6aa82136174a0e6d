#!/usr/bin/env bash
# Where the scheduler probe's in-kernel time per event goes: variants of its logic
# (bpf/test/sched_cost.bpf.c built with -D switches), the agent's own sched.bpf.o and a
# do-nothing baseline, attached one at a time, round-robin, under one running workload, several
# repetitions (benchmarks/c/sched_variants.c). Each variant's time comes from the kernel's BPF
# statistics; a counting program attached throughout says how many of the events in each window
# concerned the workload's process, so the cost is given per own event, not per run.
# Workloads: "sample" (the sample app, ~2,000 own switches per second, caches cold between
# events) and "pingpong" (scripts/PingPong.java as the watched process, ~50,000 per second).
#
# Usage (as root): scripts/bench-sched-variants.sh [window-seconds] [repetitions] [workloads]
#   defaults: 2 5 "sample pingpong"; raw lines and the tables stay in target/kcost/.
#   ONLY=REGEX runs only the variants whose name matches (the empty baseline always runs);
#   BASELINE=GIT-REV adds that revision's sched.bpf.o as variant "agent-BASELINE", beside "agent",
#   and a second copy of the agent's object, "agent-again": the agent against its copy, paired
#   by repetition, is the noise floor of the agent against its baseline.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
export LC_ALL=C
window=${1:-2}
reps=${2:-5}
workloads=${3:-sample pingpong}
OUT=target/kcost
rm -rf "$OUT"
mkdir -p "$OUT"

mvn -B -ntp -q -DskipTests package -pl sample-app -am
make -s -C bpf OUT="$PWD/$OUT/agent"
gcc -O2 -Wall -Wextra -o "$OUT/sched_variants" benchmarks/c/sched_variants.c -lbpf

# name and -D switches; "agent" is the agent's own object, for a check that the variants' logic
# costs what the probe's does.
VARIANTS=(
  "empty:-DSTAGE=0"
  "filter:-DSTAGE=1"
  "filter+clock:-DSTAGE=2"
  "filter+rq-clock:-DSTAGE=2 -DCLOCK_RQ"
  "hash,lookup-only:-DSTORE=1 -DSTAGE=3"
  "hash:-DSTORE=1"
  "hash,no-comm:-DSTORE=1 -DNO_COMM"
  "hash,no-nvcsw:-DSTORE=1 -DNO_NVCSW"
  "hash,no-ktime:-DSTORE=1 -DCLOCK_FROM_TASK"
  "hash,rq-clock:-DSTORE=1 -DCLOCK_RQ"
  "task-storage,lookup-only:-DSTORE=2 -DSTAGE=3"
  "task-storage:-DSTORE=2"
  "task-storage,rq-clock:-DSTORE=2 -DCLOCK_RQ"
  "slot-array,lookup-only:-DSTORE=3 -DSTAGE=3"
  "slot-array:-DSTORE=3"
  "slot-array,rq-clock:-DSTORE=3 -DCLOCK_RQ"
  "tid-array,lookup-only:-DSTORE=4 -DSTAGE=3"
  "tid-array:-DSTORE=4"
  "tid-array,rq-clock:-DSTORE=4 -DCLOCK_RQ"
)
objects=()
for v in "${VARIANTS[@]}"; do
  name=${v%%:*}
  if [[ -n ${ONLY:-} && $name != empty && ! $name =~ $ONLY ]]; then
    continue
  fi
  # shellcheck disable=SC2086
  clang -O2 -g -target bpf -D__TARGET_ARCH_x86 -Wall -Werror -Wno-unused-function -Ibpf/include \
    ${v#*:} -c bpf/test/sched_cost.bpf.c -o "$OUT/$name.o"
  objects+=("$OUT/$name.o")
done
if [[ -n ${BASELINE:-} ]]; then
  mkdir -p "$OUT/baseline-src"
  git archive "$BASELINE" bpf | tar -x -C "$OUT/baseline-src"
  make -s -C "$OUT/baseline-src/bpf" OUT="$PWD/$OUT/baseline"
  cp "$OUT/baseline/sched.bpf.o" "$OUT/agent-$BASELINE.o"
  objects+=("$OUT/agent-$BASELINE.o")
fi
cp "$OUT/agent/sched.bpf.o" "$OUT/agent.o"
objects+=("$OUT/agent.o")
if [[ -n ${BASELINE:-} ]]; then
  cp "$OUT/agent.o" "$OUT/agent-again.o"
  objects+=("$OUT/agent-again.o")
fi
clang -O2 -g -target bpf -D__TARGET_ARCH_x86 -Wall -Werror -Ibpf/include \
  -c bpf/test/sched_own_events.bpf.c -o "$OUT/own_events.o"

total=$(( (${#objects[@]} * reps * (window * 10 + 13) + 9) / 10 + 5 )) # window, catch-up and a load each
for w in $workloads; do
  case $w in
    sample) java -jar sample-app/target/sample-app.jar --duration="$total" >/dev/null 2>&1 & ;;
    pingpong) java scripts/PingPong.java "$total" >/dev/null 2>&1 & ;;
    *) echo "unknown workload $w" >&2; exit 2 ;;
  esac
  app=$!
  sleep 3
  echo "== $w: $(nproc) CPUs, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  "$OUT/sched_variants" "$app" "$window" "$reps" "$OUT/own_events.o" "${objects[@]}" >"$OUT/$w.txt"
  echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
  kill "$app" 2>/dev/null || true
  wait "$app" 2>/dev/null || true
  python3 - "$OUT/$w.txt" <<'EOF' | tee "$OUT/$w.md"
import collections, statistics, sys
# rep label program runs ns switches switches_own both_own wakeups wakeups_own
rows = [l.split() for l in open(sys.argv[1])]
progs = {"switch": "switch", "wakeup": "wakeup"}
per = collections.defaultdict(list)  # (label, kind) -> [(ns/run, ns/own event above baseline, own share)]
base = {}
for r in rows:
    rep, label, prog = int(r[0]), r[1][:-2], r[2]
    kind = "switch" if prog.startswith("sched_switch") else "wakeup" if prog in ("sched_wakeup", "sched_wakeup_btf") else None
    if kind is None or int(r[3]) == 0:
        continue
    runs, ns = int(r[3]), int(r[4])
    own = int(r[6]) if kind == "switch" else int(r[9])
    if label == "empty":
        base[(rep, kind)] = ns / runs
    per[(label, kind)].append((rep, runs, ns, own))
order = []
for r in rows:
    if r[1][:-2] not in order:
        order.append(r[1][:-2])
def fmt(xs):
    return f"{statistics.median(xs):.0f} ({min(xs):.0f}–{max(xs):.0f})"
print("| variant | switch: ns/run | switch: ns/own event above empty | wakeup: ns/run | wakeup: ns/own event above empty |")
print("|---|---|---|---|---|")
for label in sorted(order, key=lambda l: (l == "agent", order.index(l))):
    cells = []
    for kind in ("switch", "wakeup"):
        runs_ns = [ns / runs for rep, runs, ns, own in per[(label, kind)]]
        above = [(ns - runs * base[(rep, kind)]) / own for rep, runs, ns, own in per[(label, kind)] if own and (rep, kind) in base]
        cells += [fmt(runs_ns) if runs_ns else "", fmt(above) if above and label != "empty" else ""]
    print(f"| {label} | " + " | ".join(cells) + " |")
# The agent against its baseline revision, repetition by repetition (their windows are adjacent).
for base_label in [l for l in order if l.startswith("agent-")]:
    for kind in ("switch", "wakeup"):
        diffs = []
        for rep in sorted({rep for rep, _ in base}):
            pair = {}
            for label in ("agent", base_label):
                for r, runs, ns, own in per[(label, kind)]:
                    if r == rep and own and (rep, kind) in base:
                        pair[label] = (ns - runs * base[(rep, kind)]) / own
            if len(pair) == 2:
                diffs.append(pair["agent"] - pair[base_label])
        if diffs:
            print(f"\n{kind}: agent minus {base_label}, paired by repetition: median {statistics.median(diffs):+.0f} ns, "
                  f"higher in {sum(d > 0 for d in diffs)} of {len(diffs)}")
own_sw = [int(r[6]) / int(r[5]) for r in rows if r[2].startswith("sched_switch") and int(r[5])]
both = [int(r[7]) / max(1, int(r[6])) for r in rows if r[2].startswith("sched_switch")]
wk = [int(r[9]) / int(r[8]) for r in rows if r[2] in ("sched_wakeup", "sched_wakeup_btf") and int(r[8])]
runs_sw = [int(r[5]) for r in rows if r[2].startswith("sched_switch")]
print(f"\nswitches per window: {statistics.median(runs_sw):.0f}; own share of switches {statistics.median(own_sw):.0%}, "
      f"of which both prev and next own {statistics.median(both):.0%}; own share of wakeups {statistics.median(wk):.0%}")
EOF
done
