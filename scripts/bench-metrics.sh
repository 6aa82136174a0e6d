#!/usr/bin/env bash
# What the metrics cost, side by side in one run: the sample app under the agent with every probe
# (probes=sched+tcp+syscalls, 1 s polls) and a JFR recording, (a) without metrics, (b) with the
# Prometheus endpoint (metrics=0) and nobody scraping it, (c) with the endpoint scraped every
# second the way Prometheus scrapes (its Accept and Accept-Encoding: gzip headers), interleaved
# round by round. Per run, from the recording (scripts/MetricsCost.java): the poller thread's CPU
# and allocation per poll over the steady part (it feeds the figures and publishes the snapshot),
# and the endpoint's threads' CPU and allocation per scrape; with the scrapes' sizes. Prints a
# markdown table: medians with min-max over the rounds.
# (d) otlp: the agent pushing to an OTLP/HTTP sink (scripts/OtlpSink.java, on loopback) after every
# poll (otlpEvery=1): the exporter's threads' CPU and allocation per push over the same steady part,
# and their CPU before it (the SDK's loading and the first pushes), with the pushes' sizes.
# CONFIGS picks the configurations, e.g. CONFIGS="none otlp" (default: all four).
# Usage (as root): scripts/bench-metrics.sh [rounds] [seconds]   (default 5 rounds of 20 s)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
rounds=${1:-5}
seconds=${2:-20}
configs=${CONFIGS:-none endpoint scraped otlp}
mvn -B -ntp -q -DskipTests package
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
javac -d "$out/cls" scripts/MetricsCost.java
accept='application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'

run() { # config round: one run, appends "config polls pollerCpu pollerAlloc endpointCpu endpointAlloc scrapes gzipBytes spinM
        # otlpPushes otlpCpu otlpAlloc otlpCpuBefore pushBytes"
  local config=$1 log="$out/$1.$2.log" err="$out/$1.$2.err" rec="$out/rec.jfr" options=probes=sched+tcp+syscalls
  local sink="" sinklog="$out/sink.$2.log"
  case $config in
    endpoint|scraped) options="$options,metrics=0" ;;
    otlp)
      rm -f "$out/sink.port" "$sinklog"
      java scripts/OtlpSink.java "$out/sink.port" "$sinklog" &
      sink=$!
      while [ ! -s "$out/sink.port" ]; do sleep 0.1; done
      touch "$sinklog"
      options="$options,otlpEvery=1,otlp=http://127.0.0.1:$(cat "$out/sink.port")/v1/metrics" ;;
  esac
  java --enable-native-access=ALL-UNNAMED -javaagent:agent/target/ebpf-agent.jar="$options" \
    "-XX:StartFlightRecording:settings=default,settings=jfr-events/src/main/resources/ebpf.jfc,jdk.ThreadAllocationStatistics#period=1s,filename=$rec" \
    -Xlog:jfr+startup=warning -jar sample-app/target/sample-app.jar --duration="$seconds" >"$log" 2>"$err" &
  local pid=$! scrapes=0 gzip=0 url=""
  if [ "$config" = scraped ]; then
    while kill -0 "$pid" 2>/dev/null && [ -z "$url" ]; do
      url=$(grep -so 'http://[^ ]*/metrics' "$err" || true)
      sleep 0.1
    done
    while kill -0 "$pid" 2>/dev/null; do
      if size=$(curl -s -o /dev/null -w '%{size_download}' --max-time 5 -H "Accept: $accept" \
          -H 'Accept-Encoding: gzip' "$url"); then
        scrapes=$((scrapes + 1))
        gzip=$size
      fi
      sleep 1
    done
  fi
  wait "$pid"
  local cost spin otlp="0 0 0 0 0"
  if [ -n "$sink" ]; then
    kill "$sink"
    wait "$sink" 2>/dev/null || true
    cost=$(java -cp "$out/cls" MetricsCost "$rec" "$sinklog")
    otlp=$(echo "$cost" | cut -d' ' -f6-)
    cost=$(echo "$cost" | cut -d' ' -f1-5)
  else
    cost=$(java -cp "$out/cls" MetricsCost "$rec")
  fi
  spin=$(awk '/M iterations/ {s += $2} END {print s}' "$log")
  echo "$config $cost $scrapes $gzip $spin $otlp" >>"$out/results"
}

# One scrape's size, uncompressed: of a run like the others, at its end.
size_run() {
  java --enable-native-access=ALL-UNNAMED -javaagent:agent/target/ebpf-agent.jar=probes=sched+tcp+syscalls,metrics=0 \
    -jar sample-app/target/sample-app.jar --duration=15 >/dev/null 2>"$out/size.err" &
  local pid=$! url=""
  while [ -z "$url" ]; do url=$(grep -so 'http://[^ ]*/metrics' "$out/size.err" || true); sleep 0.1; done
  sleep 8
  curl -s -H "Accept: $accept" "$url" >"$out/scrape.txt" || true
  wait "$pid"
  echo "$(wc -c <"$out/scrape.txt") $(grep -vc '^#' "$out/scrape.txt")" >"$out/size"
}

for ((r = 1; r <= rounds; r++)); do
  for config in $configs; do
    run "$config" "$r"
  done
done
case " $configs " in *" endpoint "*|*" scraped "*) size_run ;; *) echo "0 0" >"$out/size" ;; esac

python3 - "$out/results" "$rounds" "$seconds" "$out/size" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
by = {}
for c, polls, pcpu, palloc, ecpu, ealloc, scrapes, gz, spin, opush, ocpu, oalloc, obefore, obytes in rows:
    by.setdefault(c, []).append(dict(polls=int(polls), pcpu=int(pcpu), palloc=int(palloc), ecpu=int(ecpu),
                                     ealloc=int(ealloc), scrapes=int(scrapes), gz=int(gz), spin=float(spin),
                                     opush=int(opush), ocpu=int(ocpu), oalloc=int(oalloc), obefore=int(obefore),
                                     obytes=int(obytes)))
def med(v, fmt="{:.0f}"):
    return f"{fmt.format(statistics.median(v))} ({fmt.format(min(v))}-{fmt.format(max(v))})"
size, samples = open(sys.argv[4]).read().split()
print(f"{sys.argv[2]} rounds of {sys.argv[3]} s, interleaved; median (min-max); sample app with probes=sched+tcp+syscalls\n")
print("| configuration | poller CPU per poll (us) | poller allocation per poll (bytes) | endpoint CPU per scrape (ms) | endpoint allocation per scrape (KB) | spinner work (M iterations) |")
print("|---|---|---|---|---|---|")
names = {"none": "agent, no metrics", "endpoint": "agent + metrics=0, not scraped", "scraped": "agent + metrics=0, scraped every 1 s",
         "otlp": "agent + otlp=, pushed every poll (1 s)"}
for c in ("none", "endpoint", "scraped", "otlp"):
    if c not in by:
        continue
    r = by[c]
    pc = [x["pcpu"] / x["polls"] / 1e3 for x in r]
    pa = [x["palloc"] / x["polls"] for x in r]
    if c == "scraped":
        ec = med([x["ecpu"] / x["scrapes"] / 1e6 for x in r], "{:.2f}")
        ea = med([x["ealloc"] / x["scrapes"] / 1024 for x in r])
    else:
        ec = ea = "-"
    print(f"| {names[c]} | {med(pc)} | {med(pa)} | {ec} | {ea} | {med([x['spin'] for x in r])} |")
if "otlp" in by:
    r = [x for x in by["otlp"] if x["opush"] > 0]
    print("\n| OTLP exporter (its threads: ebpf-agent-otlp, -otlp-http, the JDK client's HttpClient-*) | per push, steady | |")
    print("|---|---|---|")
    print(f"| CPU (ms) | {med([x['ocpu'] / x['opush'] / 1e6 for x in r], '{:.2f}')} | |")
    print(f"| allocation (KB) | {med([x['oalloc'] / x['opush'] / 1024 for x in r])} | |")
    print(f"| request size (KB, protobuf, uncompressed) | {med([x['obytes'] / 1024 for x in r])} | |")
    print(f"| CPU before the steady part (ms: the SDK's loading, the first pushes) | {med([x['obefore'] / 1e6 for x in r])} | |")
    print(f"| pushes in the steady part | {med([x['opush'] for x in r])} | of {med([x['polls'] for x in r])} polls |")
if int(size):
    gz = [x["gz"] for x in by.get("scraped", [])] or [0]
    print(f"\n- one scrape: {int(size) / 1024:.0f} KB of OpenMetrics text, {samples} samples, "
          f"{statistics.median(gz) / 1024:.0f} KB gzip'd (median of the last scrape per run)")
base = statistics.median([x["pcpu"] / x["polls"] for x in by["none"]])
abase = statistics.median([x["palloc"] / x["polls"] for x in by["none"]])
for c in ("endpoint", "scraped", "otlp"):
    if c not in by:
        continue
    m = statistics.median([x["pcpu"] / x["polls"] for x in by[c]])
    a = statistics.median([x["palloc"] / x["polls"] for x in by[c]]) - abase
    print(f"- {names[c]}: poller CPU per poll {(m - base) / 1e3:+.0f} us ({(m / base - 1) * 100:+.1f}%), allocation per poll {a:+.0f} bytes against no metrics")
PY
