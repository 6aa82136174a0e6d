#!/usr/bin/env bash
# Per-entry cost of reading a BPF map, Java (the agent's FFM readers, under JMH) against C
# (libbpf), on the same BPF object, maps and sizes, in one run; writes docs/bench-map-read.md.
# Run as root (the benchmarks create BPF maps). About 5 minutes on 2 cores, at most about 9.5
# when other work forces pairs to be measured again; raw output stays in target/bench/.
#
#   bash scripts/bench.sh
#   BENCH_SIZES="10000" bash scripts/bench.sh    # other N (default 1000 10000 100000)
#   C_REPS=31 bash scripts/bench.sh              # C repetitions per path and N (default 21)
#
# Each Java benchmark and N is one JMH fork, bracketed by the C program measuring the same path
# and N right before and right after it. Keep the machine otherwise idle: the report shows, per
# pair, how much CPU other processes took meanwhile, and busy pairs are measured again.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
export LC_ALL=C

if [ "$(id -u)" != 0 ]; then
  echo "bench.sh: run as root (the benchmarks create BPF maps)" >&2
  exit 1
fi

OUT=target/bench
REPORT=docs/bench-map-read.md
SIZES=(${BENCH_SIZES:-1000 10000 100000})
C_REPS=${C_REPS:-21}
# Per fork: 3 warm-up iterations of 1 s, 8 measured of 1 s, each on a fresh map (see
# MapReadBenchmark). Benchmark method -> C path [-> the label the C results take, for a Java
# path compared with a C path that another pair measures too].
JMH_OPTS=(-f 1 -wi 3 -w 1s -i 8 -r 1s -prof gc)
PAIRS=(
  hashLookupPerKey:hash_lookup_per_key
  hashGetNextKeyLookup:hash_get_next_key_lookup
  hashLookupBatch:hash_lookup_batch
  hashLookupBatchView:hash_lookup_batch:hash_lookup_batch@view
  hashEntriesRecords:hash_lookup_batch:hash_lookup_batch@records
  hashLookupAndDeleteBatch:hash_lookup_and_delete_batch
  percpuHashLookupBatch:percpu_hash_lookup_batch
  arrayMmapRead:array_mmap_read
  arrayMmapReadAcquire:array_mmap_read_acquire
)
# A pair during which other processes took more than NOISY_PERCENT of a CPU is measured again,
# up to RETRIES more times, if the pairs still to run (about PAIR_SECONDS each) fit in
# TIME_BUDGET seconds from the start of the measurements.
NOISY_PERCENT=${NOISY_PERCENT:-10}
RETRIES=${RETRIES:-2}
TIME_BUDGET=${TIME_BUDGET:-540}
PAIR_SECONDS=20
rm -rf "$OUT"
mkdir -p "$OUT"

echo "== build (mvn package: the benchmarks module and what it needs)"
mvn -B -ntp -q -DskipTests package dependency:build-classpath \
  -Dmdep.outputFile=target/classpath.txt -pl benchmarks -am
OBJECT=benchmarks/target/classes/org/ebpfagent/bpf/test/bench_maps.bpf.o
CP="benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"
gcc -O2 -Wall -Wextra -o "$OUT/map_read_bench" benchmarks/c/map_read_bench.c -lbpf

# CPU ticks (USER_HZ) all processes spent, and those this script's finished children spent.
busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
own_ticks() { awk '{print $16 + $17}' "/proc/$$/stat"; }
HZ=$(getconf CLK_TCK)

STARTED=$(date +%s)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
# The C program's header (libbpf version) starts the C results; the measurements come in pairs.
"$OUT/map_read_bench" -r 1 -p hash_lookup_batch "$OBJECT" 1000 | grep '^#' >"$OUT/c-before.csv"
: >"$OUT/c-after.csv"
: >"$OUT/others.csv"

# One pair: C, the JMH fork, C again, for one path and N. Results go to $OUT/pair/ until the pair
# is accepted, with the CPU other processes took meanwhile (% of one CPU) in $OUT/pair/others.
# Not in a subshell: its children's CPU must reach this shell's own counters (own_ticks).
run_pair() {
  local method=$1 path=$2 n=$3 label=$4 t0 t1 b0 b1 o0 o1
  rm -rf "$OUT/pair" && mkdir -p "$OUT/pair"
  t0=$(date +%s%N); b0=$(busy_ticks); o0=$(own_ticks)
  # A second's pause before each C run lets the kernel finish freeing the previous process's maps.
  sleep 1
  "$OUT/map_read_bench" -r "$C_REPS" -p "$path" "$OBJECT" "$n" | grep '^c,' | sed "s/^c,$path,/c,$label,/" >"$OUT/pair/c-before.csv"
  java --enable-native-access=ALL-UNNAMED -cp "$CP" org.openjdk.jmh.Main "${JMH_OPTS[@]}" \
    -p entries="$n" -rf csv -rff "$OUT/pair/jmh-$method-$n.csv" \
    "org.ebpfagent.benchmarks.MapReadBenchmark.$method\$" >"$OUT/pair/jmh.log" 2>&1 || {
    cat "$OUT/pair/jmh.log" >&2
    echo "bench.sh: JMH failed (log above, also in $OUT/pair/jmh.log)" >&2
    exit 1
  }
  sleep 1
  "$OUT/map_read_bench" -r "$C_REPS" -p "$path" "$OBJECT" "$n" | grep '^c,' | sed "s/^c,$path,/c,$label,/" >"$OUT/pair/c-after.csv"
  t1=$(date +%s%N); b1=$(busy_ticks); o1=$(own_ticks)
  awk -v busy=$((b1 - b0)) -v own=$((o1 - o0)) -v ns=$((t1 - t0)) -v hz="$HZ" \
    'BEGIN { o = (busy - own) / hz / (ns / 1e9) * 100; printf "%.1f\n", o < 0 ? 0 : o }' >"$OUT/pair/others"
}

left=$((${#PAIRS[@]} * ${#SIZES[@]}))
for pair in "${PAIRS[@]}"; do
  IFS=: read -r method path label <<<"$pair"
  label=${label:-$path}
  for n in "${SIZES[@]}"; do
    attempt=1
    while true; do
      run_pair "$method" "$path" "$n" "$label"
      others=$(cat "$OUT/pair/others")
      java_ns=$(grep -h "MapReadBenchmark.$method\"" "$OUT/pair/jmh-$method-$n.csv" | cut -d, -f5)
      echo "== $label N=$n: C $(cut -d, -f4 "$OUT/pair/c-before.csv") / $(cut -d, -f4 "$OUT/pair/c-after.csv")" \
        "ns/entry, Java $(awk -v s="$java_ns" -v n="$n" 'BEGIN { printf "%.2f", s / n }') ns/entry;" \
        "other processes ${others}% of a CPU"
      # A pair that shared the machine is measured again while the time budget lasts.
      if awk -v o="$others" -v lim="$NOISY_PERCENT" 'BEGIN { exit !(o <= lim) }' ||
        [ "$attempt" -gt "$RETRIES" ] ||
        [ $(($(date +%s) - STARTED + left * PAIR_SECONDS)) -gt "$TIME_BUDGET" ]; then
        break
      fi
      echo "   (other processes were busy: measuring this pair again)"
      attempt=$((attempt + 1))
    done
    cat "$OUT/pair/c-before.csv" >>"$OUT/c-before.csv"
    cat "$OUT/pair/c-after.csv" >>"$OUT/c-after.csv"
    cp "$OUT/pair/jmh-$method-$n.csv" "$OUT/"
    cat "$OUT/pair/jmh.log" >>"$OUT/jmh.log"
    echo "$method,$n,$others,$attempt" >>"$OUT/others.csv"
    left=$((left - 1))
  done
done
rm -rf "$OUT/pair"

LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
ELAPSED=$(($(date +%s) - STARTED))
LIBBPF_SO=$(readlink -f "$(ldconfig -p | awk '/libbpf\.so\.1 .*x86-64/ {print $NF; exit}')" || true)
LIBBPF_PKG=$(dpkg-query -W -f='${Version}' libbpf1 2>/dev/null || echo unknown)
LIBBPF_API=$(grep -m1 '^# libbpf' "$OUT/c-before.csv" | cut -d' ' -f3 | tr -d ,)
JMH_CSVS=()
for f in "$OUT"/jmh-*.csv; do JMH_CSVS+=(--jmh-csv "$f"); done

java -cp "$CP" org.ebpfagent.benchmarks.BenchReport \
  --c "$OUT/c-before.csv" --c "$OUT/c-after.csv" "${JMH_CSVS[@]}" --jmh-log "$OUT/jmh.log" \
  --others "$OUT/others.csv" --out "$REPORT" \
  --info "libbpf=$LIBBPF_API (Debian libbpf1 $LIBBPF_PKG, $LIBBPF_SO), the same library for C and Java" \
  --info "C compiler=$(gcc --version | head -1), -O2" \
  --info "JMH=1.37, ${JMH_OPTS[*]}, one fork per benchmark and N" \
  --info "C repetitions=$C_REPS per path and N, before and after each fork" \
  --info "source=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo ' + uncommitted changes')" \
  --info "load average=before $LOAD_BEFORE, after $LOAD_AFTER (1/5/15 min); the run took ${ELAPSED} s"
echo "== wrote $REPORT"

# Ring-buffer reader, Java against C (its own script and report, docs/bench-ringbuf.md).
if [ "${BENCH_RINGBUF:-1}" = 1 ]; then
  BENCH_SKIP_BUILD=1 bash scripts/bench-ringbuf.sh
fi
