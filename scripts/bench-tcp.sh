#!/usr/bin/env bash
# The TCP probe's cost, side by side in one run: scripts/TcpBench.java (connect per request, and
# bulk transfer, over loopback) under the agent with the scheduler probe only, and with the
# scheduler and TCP probes, interleaved round by round (the order rotating) so drift hits all
# alike; JFR records with ebpf.jfc in all. BASELINE=GIT-REV adds that revision's agent with both
# probes to the same rounds (built once into target/bench-baseline/).
# Per configuration, for the measured seconds only (TcpBench reads them from its own process):
# throughput, the process's CPU per unit and that of the agent's poller, JFR's, the JIT's and the
# GC's threads. A unit is a request (one connection, both of its ends in this JVM) or a MiB.
# Then KERNEL_ROUNDS more rounds (default 1) with kernel.bpf_stats_enabled on, for the TCP
# programs' runs and ns per unit and per run; they stay out of the other figures, as the
# statistics' two clock reads per program run would weigh on the TCP configurations' throughput.
# Usage (as root): [WARMUP=s] [BASELINE=rev] [KERNEL_ROUNDS=n] [MODES="connect bulk"] scripts/bench-tcp.sh [rounds] [seconds]
#   (default 5 rounds of 5 s, each after 20 s of warm-up: the agent polls once a second, and its
#   code paths are still being compiled after 5 s, which charged the TCP probe a one-time JIT cost)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
rounds=${1:-5}
seconds=${2:-5}
[ -f agent/target/ebpf-agent.jar ] || mvn -B -ntp -q -DskipTests package
out=$(mktemp -d)
stats_before=$(sysctl -n kernel.bpf_stats_enabled)
trap 'sysctl -q -w kernel.bpf_stats_enabled="$stats_before"; rm -rf "$out"' EXIT
kernel_rounds=${KERNEL_ROUNDS:-1}
sysctl -q -w kernel.bpf_stats_enabled=0
# Compiled once, so that each run starts the same way.
javac -d "$out/classes" scripts/TcpBench.java

configs=("sched agent/target/ebpf-agent.jar sched" "tcp agent/target/ebpf-agent.jar sched+tcp")
if [[ -n ${BASELINE:-} ]]; then
  rev=$(git rev-parse "$BASELINE")
  dir=target/bench-baseline/$rev
  if [[ ! -f $dir/agent/target/ebpf-agent.jar ]]; then
    rm -rf "$dir"
    mkdir -p "$dir"
    git archive "$rev" | tar -x -C "$dir"
    (cd "$dir" && mvn -B -ntp -q -DskipTests package -pl agent -am >/dev/null 2>&1)
  fi
  configs+=("base-tcp $dir/agent/target/ebpf-agent.jar sched+tcp")
fi

run() { # results round mode config jar probes: one run; appends its figures to results
  local results=$1 round=$2 mode=$3 config=$4 jar=$5 probes=$6 log="$out/run.log"
  java --enable-native-access=ALL-UNNAMED -javaagent:"$jar"=probes=$probes \
    "-XX:StartFlightRecording:settings=jfr-events/src/main/resources/ebpf.jfc,filename=$out/rec.jfr" \
    -Xlog:jfr+startup=warning -Dbench.progs="$out/progs.json" -cp "$out/classes" TcpBench "$mode" "$seconds" "${WARMUP:-20}" \
    >"$log" 2>/dev/null || true
  python3 - "$mode" "$config" "$log" "$out/progs.json" "$round" >>"$results" <<'PY' || true
import json, sys
mode, config, log, progs, round_ = sys.argv[1:]
# The TCP probe's programs: those using a map of tcp.bpf.o (its .rodata or its conns hash); the
# scheduler probe has a sched_process_exit program of the same name.
maps = {m["id"]: m.get("name", "") for m in json.load(open(progs + ".maps"))}
names = {p["id"]: p.get("name", "") for p in json.load(open(progs))
         if any(maps.get(m) in ("tcp.rodata", "conns") for m in p.get("map_ids", []))}
rate = units = cpu = None
alloc = {}
kernel = {}
for line in open(log):
    f = line.split()
    if f[:1] == ["RESULT"]:
        rate = float(f[2])
    elif f[:1] == ["WINDOW"]:
        units = int(f[1]) / (1 << 20 if mode == "bulk" else 1)
    elif f[:1] == ["CPU"]:
        cpu = dict(kv.split("=") for kv in f[1:])
    elif f[:1] == ["ALLOC"]:
        alloc = {"alloc_" + k: v for k, v in (kv.split("=") for kv in f[1:])}
    elif f[:1] == ["PROG"]:
        name = names.get(int(f[1]))
        if name:
            kernel[name] = (int(f[2]), int(f[3]))
if rate is not None and units:
    print(json.dumps({"mode": mode, "config": config, "round": int(round_), "rate": rate, "units": units,
                      **{k: int(v) / units for k, v in cpu.items()}, **{k: int(v) / units for k, v in alloc.items()},
                      "kernel": sum(ns for _, ns in kernel.values()) / units, "programs": kernel}))
PY
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
for ((r = 0; r < rounds + kernel_rounds; r++)); do
  results=$out/results
  if ((r == rounds)); then
    sysctl -q -w kernel.bpf_stats_enabled=1
  fi
  ((r >= rounds)) && results=$out/kernel
  for mode in ${MODES:-connect bulk}; do
    for ((i = 0; i < ${#configs[@]}; i++)); do
      config=${configs[(i + r) % ${#configs[@]}]}
      ((r >= rounds)) && [[ $config == sched\ * ]] && continue # nothing of TCP to count
      run "$results" "$r" "$mode" $config
    done
  done
done
sysctl -q -w kernel.bpf_stats_enabled=0
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

touch "$out/results" "$out/kernel"
python3 - "$out/results" "$rounds" "$seconds" "$out/kernel" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
krows = [json.loads(l) for l in open(sys.argv[4])]
configs = [c for c in ("sched", "tcp", "base-tcp") if any(r["config"] == c for r in rows)]
names = {"sched": "sched only", "tcp": "sched + tcp", "base-tcp": "sched + tcp, baseline"}
def cell(v, fmt):
    return f"{statistics.median(v):{fmt}} ({min(v):{fmt}}-{max(v):{fmt}})" if v else "-"
print(f"\n{sys.argv[2]} rounds of {sys.argv[3]} s, interleaved; median (min-max); per unit = per request "
      "(connect) or per MiB (bulk)\n")
print("| workload | configuration | throughput | ratio of medians | ratio in the same round: median (min-max) |")
print("|---|---|---|---|---|")
for mode, unit in (("connect", "requests/s"), ("bulk", "MiB/s")):
    base = {r["round"]: r["rate"] for r in rows if r["mode"] == mode and r["config"] == "sched"}
    for c in configs:
        got = [r for r in rows if r["mode"] == mode and r["config"] == c]
        if got:
            rates = [r["rate"] for r in got]
            ratio = paired = ""
            if base and c != "sched":
                ratio = f"{statistics.median(rates) / statistics.median(base.values()):.3f}"
                paired = cell([r["rate"] / base[r["round"]] for r in got if r["round"] in base], ".3f")
            print(f"| {mode} ({unit}) | {names[c]} | {cell(rates, '.0f')} | {ratio} | {paired} |")
print("\nCPU per unit (µs), median (min-max): the process; of it in the kernel, the agent's poller, JFR's threads, "
      "the JIT compilers and GC threads; and the TCP programs in the kernel (they run on the application's threads, "
      "in the process's figure; from the kernel rounds)\n")
print("| workload | configuration | process | in the kernel | poller | JFR | JIT | GC | TCP programs | heap allocated: process / poller (bytes) |")
print("|---|---|---|---|---|---|---|---|---|---|")
for mode in ("connect", "bulk"):
    for c in configs:
        got = [r for r in rows if r["mode"] == mode and r["config"] == c]
        if got:
            col = lambda k, fmt, rs=got: cell([r.get(k, 0) / 1000 for r in rs], fmt)
            kern = [r for r in krows if r["mode"] == mode and r["config"] == c]
            print(f"| {mode} | {names[c]} | {col('process', '.1f')} | {col('process_sys', '.1f')} | {col('poller', '.2f')} | {col('jfr', '.2f')} "
                  f"| {col('jit', '.2f')} | {col('gc', '.2f')} | {col('kernel', '.2f', kern) if c != 'sched' else '-'} "
                  f"| {cell([r.get('alloc_process', 0) for r in got], '.0f')} / {cell([r.get('alloc_poller', 0) for r in got], '.0f')} |")
print(f"\nThe TCP programs in the kernel rounds ({len(krows) // max(1, 2 * (len(configs) - 1))} of each configuration)\n")
print("| workload | configuration | program | runs per unit | ns per run |")
print("|---|---|---|---|---|")
for mode in ("connect", "bulk"):
    for c in configs[1:]:
        agg = {}
        units = 0
        for r in krows:
            if r["mode"] == mode and r["config"] == c:
                units += r["units"]
                for name, (cnt, ns) in r["programs"].items():
                    a = agg.setdefault(name, [0, 0])
                    a[0] += cnt
                    a[1] += ns
        for name, (cnt, ns) in sorted(agg.items()):
            if cnt:
                print(f"| {mode} | {names[c]} | {name} | {cnt / units:.2f} | {ns / cnt:.0f} |")
PY
