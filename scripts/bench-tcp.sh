#!/usr/bin/env bash
# The TCP probe's cost, side by side in one run: scripts/TcpBench.java (connect per request, and
# bulk transfer, over loopback) under the agent with the scheduler probe only, and with the
# scheduler and TCP probes, interleaved round by round (the order rotating) so drift hits all
# alike; JFR records with ebpf.jfc in all. BASELINE=GIT-REV adds that revision's agent with both
# probes to the same rounds (built once into target/bench-baseline/).
# Per configuration, for the measured seconds only (TcpBench reads them from its own process):
# throughput, the process's CPU per unit, the agent's poller thread's CPU per unit, and the TCP
# programs' ns in the kernel per unit (kernel.bpf_stats_enabled is on for every run, so that all
# configurations pay its two clock reads per program run alike; STATS=0 leaves it off and the
# kernel column empty). A unit is a request (one connection, both of its ends in this JVM) or a
# MiB. Then the TCP programs' runs and ns per run, per configuration.
# Usage (as root): [WARMUP=s] [BASELINE=rev] [STATS=0] scripts/bench-tcp.sh [rounds] [seconds]
#   (default 5 rounds of 5 s, each after 5 s of warm-up)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
rounds=${1:-5}
seconds=${2:-5}
[ -f agent/target/ebpf-agent.jar ] || mvn -B -ntp -q -DskipTests package
out=$(mktemp -d)
stats_before=$(sysctl -n kernel.bpf_stats_enabled)
trap 'sysctl -q -w kernel.bpf_stats_enabled="$stats_before"; rm -rf "$out"' EXIT
sysctl -q -w kernel.bpf_stats_enabled="${STATS:-1}"
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

run() { # mode config jar probes: one run; appends its figures to results, its programs to kernel
  local mode=$1 config=$2 jar=$3 probes=$4 log="$out/run.log"
  java --enable-native-access=ALL-UNNAMED -javaagent:"$jar"=probes=$probes \
    "-XX:StartFlightRecording:settings=jfr-events/src/main/resources/ebpf.jfc,filename=$out/rec.jfr" \
    -Xlog:jfr+startup=warning -Dbench.progs="$out/progs.json" -cp "$out/classes" TcpBench "$mode" "$seconds" "${WARMUP:-5}" \
    >"$log" 2>/dev/null || true
  python3 - "$mode" "$config" "$log" "$out/progs.json" >>"$out/results" <<'PY' || true
import json, sys
mode, config, log, progs = sys.argv[1:]
names = {p["id"]: p.get("name", "") for p in json.load(open(progs))}
rate = units = cpu = None
kernel = {}
for line in open(log):
    f = line.split()
    if f[:1] == ["RESULT"]:
        rate = float(f[2])
    elif f[:1] == ["WINDOW"]:
        units = int(f[1]) / (1 << 20 if mode == "bulk" else 1)
    elif f[:1] == ["CPU"]:
        cpu = dict(kv.split("=") for kv in f[1:])
    elif f[:1] == ["PROG"]:
        name = names.get(int(f[1]), "")
        if name.startswith(("inet_sock", "sock_send", "sock_recv", "tcp_")):
            kernel[name] = (int(f[2]), int(f[3]))
if rate is not None and units:
    print(json.dumps({"mode": mode, "config": config, "rate": rate, "units": units,
                      **{k: int(v) / units for k, v in cpu.items()},
                      "kernel": sum(ns for _, ns in kernel.values()) / units, "programs": kernel}))
PY
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs, kernel.bpf_stats_enabled=${STATS:-1}"
for ((r = 0; r < rounds; r++)); do
  for mode in connect bulk; do
    for ((i = 0; i < ${#configs[@]}; i++)); do
      run "$mode" ${configs[(i + r) % ${#configs[@]}]}
    done
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$out/results" "$rounds" "$seconds" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
configs = [c for c in ("sched", "tcp", "base-tcp") if any(r["config"] == c for r in rows)]
names = {"sched": "sched only", "tcp": "sched + tcp", "base-tcp": "sched + tcp, baseline"}
def cell(v, fmt):
    return f"{statistics.median(v):{fmt}} ({min(v):{fmt}}-{max(v):{fmt}})" if v else "-"
print(f"\n{sys.argv[2]} rounds of {sys.argv[3]} s, interleaved; median (min-max); per unit = per request "
      "(connect) or per MiB (bulk)\n")
print("| workload | configuration | throughput | ratio to sched only |")
print("|---|---|---|---|")
for mode, unit in (("connect", "requests/s"), ("bulk", "MiB/s")):
    base = [r["rate"] for r in rows if r["mode"] == mode and r["config"] == "sched"]
    for c in configs:
        rates = [r["rate"] for r in rows if r["mode"] == mode and r["config"] == c]
        if rates:
            ratio = f"{statistics.median(rates) / statistics.median(base):.3f}" if base and c != "sched" else ""
            print(f"| {mode} ({unit}) | {names[c]} | {cell(rates, '.0f')} | {ratio} |")
print("\nCPU per unit (µs), median (min-max): the process; of it, the agent's poller, JFR's threads, the JIT "
      "compilers and GC threads; and the TCP programs in the kernel (run on the application's threads, in the "
      "process's figure)\n")
print("| workload | configuration | process | poller | JFR | JIT | GC | TCP programs |")
print("|---|---|---|---|---|---|---|---|")
for mode in ("connect", "bulk"):
    for c in configs:
        got = [r for r in rows if r["mode"] == mode and r["config"] == c]
        if got:
            col = lambda k, fmt: cell([r.get(k, 0) / 1000 for r in got], fmt)
            print(f"| {mode} | {names[c]} | {col('process', '.1f')} | {col('poller', '.2f')} | {col('jfr', '.2f')} "
                  f"| {col('jit', '.2f')} | {col('gc', '.2f')} | {col('kernel', '.2f') if c != 'sched' else '-'} |")
print("\n| workload | configuration | program | runs per unit | ns per run |")
print("|---|---|---|---|---|")
for mode in ("connect", "bulk"):
    for c in configs[1:]:
        agg = {}
        units = 0
        for r in rows:
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
