#!/usr/bin/env bash
# Where the syscall probe's cost per syscall goes: variants of its logic (bpf/test/syscall_cost.bpf.c
# built with -D switches), the agent's own syscalls.bpf.o and nothing at all, attached one at a
# time, interleaved batch by batch, repeated, while benchmarks/c/syscall_variants.c times a tight
# loop of its own getppid and 1-byte reads of /dev/zero; each variant's filter aimed at the timing
# process ("own") and at a sleeping child ("other"). Per variant, the ns each syscall gains over
# nothing attached in the same round; the steps between consecutive stages: the kernel's share
# (syscall tracing on, a program's call), the tgid filter, the task storage, the clock reads,
# finding the thread's figures, the rest of the probe's logic; and candidate changes against the
# variant they change. Windows during which another process had programs on sys_enter/sys_exit,
# or the kernel's BPF statistics were on, are left out and counted.
#
# Usage (as root): scripts/bench-syscall-variants.sh [rounds] [calls] [batches]
#   defaults: 30 20000 15 (about 10 minutes with every variant on an idle 2-CPU machine, more on a
#   busy one); raw lines and the tables stay in target/syscall-variants/.
#   ONLY=REGEX runs only the variants whose name matches ("none" always runs);
#   BASELINE=GIT-REV adds that revision's syscalls.bpf.o as variant "agent-BASELINE", beside
#   "agent", and a second copy of the agent's object, "agent-again": the agent against its copy is
#   the noise floor of the agent against its baseline.
set -euo pipefail
cd "$(dirname "$0")/.."
export LC_ALL=C
rounds=${1:-30}
calls=${2:-20000}
batches=${3:-15}
OUT=target/syscall-variants
rm -rf "$OUT"
mkdir -p "$OUT"

make -s -C bpf OUT="$PWD/$OUT/agent"
# clang (which builds the BPF objects) builds the harness too: no other compiler is needed.
clang -O2 -Wall -Wextra -o "$OUT/syscall_variants" benchmarks/c/syscall_variants.c -lbpf

# name and -D switches, in the order of the stages: each adds one part to the one before.
VARIANTS=(
  "empty-enter-only:-DSTAGE=0 -DENTER_ONLY"
  "empty:-DSTAGE=0"
  "filter:-DSTAGE=1"
  "storage:-DSTAGE=2"
  "clocks:-DSTAGE=3"
  "figures:-DSTAGE=4"
  "logic:-DSTAGE=5"
  "logic,hash:-DSTAGE=5 -DFIGURES=1"
  "logic,hash,small-key:-DSTAGE=5 -DFIGURES=1 -DSMALL_KEY"
  "logic,slot-cache:-DSTAGE=5 -DFIGURES=2"
  "logic,epoch-global:-DSTAGE=5 -DEPOCH=1"
  "logic,no-epoch:-DSTAGE=5 -DNO_EPOCH"
  "logic,no-hist:-DSTAGE=5 -DNO_HIST"
  "logic,hist-branchless:-DSTAGE=5 -DHIST=1"
  "logic,filter-task:-DSTAGE=5 -DFILTER_TASK"
  "filter,task:-DSTAGE=1 -DFILTER_TASK"
  "exit-only-counts:-DSTAGE=5 -DEXIT_ONLY"
)
objects=(none)
for v in "${VARIANTS[@]}"; do
  name=${v%%:*}
  if [[ -n ${ONLY:-} && ! $name =~ $ONLY ]]; then
    continue
  fi
  # shellcheck disable=SC2086
  clang -O2 -g -target bpf -D__TARGET_ARCH_x86 -Wall -Werror -Wno-unused-function -Ibpf/include \
    ${v#*:} -c bpf/test/syscall_cost.bpf.c -o "$OUT/$name.o"
  objects+=("$OUT/$name.o")
done
if [[ -n ${BASELINE:-} ]]; then
  mkdir -p "$OUT/baseline-src"
  git archive "$BASELINE" bpf | tar -x -C "$OUT/baseline-src"
  make -s -C "$OUT/baseline-src/bpf" OUT="$PWD/$OUT/baseline"
  cp "$OUT/baseline/syscalls.bpf.o" "$OUT/agent-$BASELINE.o"
  objects+=("$OUT/agent-$BASELINE.o")
fi
if [[ -z ${ONLY:-} || agent =~ $ONLY || -n ${BASELINE:-} ]]; then
  cp "$OUT/agent/syscalls.bpf.o" "$OUT/agent.o"
  objects+=("$OUT/agent.o")
fi
if [[ -n ${BASELINE:-} ]]; then
  cp "$OUT/agent.o" "$OUT/agent-again.o"
  objects+=("$OUT/agent-again.o")
fi

echo "== $(nproc) CPUs, $(uname -r), clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)," \
  "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$OUT/syscall_variants" "$rounds" "$calls" "$batches" "${objects[@]}" >"$OUT/raw.txt"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$OUT/raw.txt" <<'EOF' | tee "$OUT/tables.md"
import collections, statistics, sys
# round label target syscall cpu_ns wall_ns foreign_links stats_enabled
rows = [l.split() for l in open(sys.argv[1])]
rounds = sorted({int(r[0]) for r in rows})
kept = [r for r in rows if r[6] == "0" and r[7] == "0"]
order = []
for r in rows:
    if r[1] not in order:
        order.append(r[1])
windows = {tuple(r[:3]) for r in rows}
print(f"{len(rounds)} rounds of {len(order)} variants x 2 targets; {len(windows - {tuple(r[:3]) for r in kept})} of"
      f" {len(windows)} windows left out (another process's programs on sys_enter/sys_exit, or BPF statistics on,"
      f" during the window). A difference is taken between two windows of one round, both kept.")
if not kept:
    sys.exit(0)
col = {"cpu": 4, "wall": 5}
v = collections.defaultdict(dict)  # (label, target, syscall, clock) -> {round: ns per call}
for r in kept:
    for clock, i in col.items():
        v[(r[1], r[2], r[3], clock)][int(r[0])] = float(r[i])

def q(xs, p):
    xs = sorted(xs)
    k = (len(xs) - 1) * p
    lo = int(k)
    return xs[lo] + (xs[min(lo + 1, len(xs) - 1)] - xs[lo]) * (k - lo)

def fmt(xs, sign=False):
    if not xs:
        return ""
    f = "{:+.1f}" if sign else "{:.1f}"
    return f"{f.format(statistics.median(xs))} ({f.format(q(xs, .25))}…{f.format(q(xs, .75))})"

def paired(a, b, target, syscall, clock):
    x, y = v[(a, target, syscall, clock)], v[(b, target, syscall, clock)]
    return [x[r] - y[r] for r in x if r in y]

cases = [(t, s) for s in ("getppid", "read") for t in ("own", "other")]
for clock in ("cpu", "wall"):
    what = "thread CPU" if clock == "cpu" else "wall"
    print(f"\n{what} ns per call, and added over nothing attached in the same round: median (interquartile range) over the rounds\n")
    print("| variant | " + " | ".join(f"{s} {t}" for t, s in cases) + " |")
    print("|---|" + "---|" * len(cases))
    for label in order:
        cells = []
        for t, s in cases:
            if label == "none":
                cells.append(fmt(list(v[(label, t, s, clock)].values())))
            else:
                cells.append(fmt(paired(label, "none", t, s, clock), sign=True))
        print(f"| {label} | " + " | ".join(cells) + " |")

# The steps between consecutive stages, round by round.
steps = [
    ("syscall tracing on (the kernel's work for every syscall, before any program)", None),
    ("a program's call (each of entry and exit)", ("empty", "empty-enter-only")),
    ("the tgid filter (both programs)", ("filter", "empty")),
    ("task storage", ("storage", "filter")),
    ("two clock reads", ("clocks", "storage")),
    ("the thread's figures found (its slot), calls and time counted", ("figures", "clocks")),
    ("the rest of the probe's logic (epoch, longest, histogram, errors, slow)", ("logic", "figures")),
    ("the agent's object against the variants' copy of its logic", ("agent", "logic")),
]
print("\nThe steps, thread CPU ns per syscall, round by round: median (interquartile range)\n")
print("| step | " + " | ".join(f"{s} {t}" for t, s in cases) + " |")
print("|---|" + "---|" * len(cases))
for name, pair in steps:
    cells = []
    for t, s in cases:
        if pair is None:
            # 2 x (one program) - (two programs): what tracing costs with no program called
            e1, e2 = v[("empty-enter-only", t, s, "cpu")], v[("empty", t, s, "cpu")]
            n = v[("none", t, s, "cpu")]
            xs = [2 * (e1[r] - n[r]) - (e2[r] - n[r]) for r in n if r in e1 and r in e2]
        elif pair[0] in order and pair[1] in order:
            xs = paired(pair[0], pair[1], t, s, "cpu")
        else:
            xs = []
        cells.append(fmt(xs, sign=True))
    print(f"| {name} | " + " | ".join(cells) + " |")
# Candidates against the logic they would replace, and the agent against its baseline.
others = [l for l in order if l.startswith(("logic,", "filter,"))] + [l for l in order if l.startswith("agent-")]
if others:
    print("\nCandidates, thread CPU ns per syscall against the one they replace, round by round: median (interquartile range), lower in n of N rounds\n")
    print("| variant | against | " + " | ".join(f"{s} {t}" for t, s in cases) + " |")
    print("|---|---|" + "---|" * len(cases))
    for other in others:
        # a candidate against the variant it changes (its name less the last part); the agent
        # against its baseline or its own copy
        label, base = (other, other.rsplit(",", 1)[0]) if not other.startswith("agent-") else ("agent", other)
        if label not in order or base not in order:
            continue
        cells = []
        for t, s in cases:
            xs = paired(label, base, t, s, "cpu")
            cells.append(f"{fmt(xs, sign=True)}, {sum(x < 0 for x in xs)}/{len(xs)}" if xs else "")
        print(f"| {label} | {base} | " + " | ".join(cells) + " |")
EOF
