#!/usr/bin/env bash
# Kernel memory held by the agent's BPF maps, read from outside the JVM: an idle JVM with N
# threads (scripts/IdleThreads.java) under the agent with default options, and after two polls the
# `memlock` of each of its BPF map descriptors (/proc/PID/fdinfo; names from bpftool), per map and
# in all. BASELINE=GIT-REV builds that revision's agent too and measures it beside this one.
# Usage (as root): scripts/bench-kernel-memory.sh [threads...]   (default: 20 300 3000)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
counts=("$@")
[[ ${#counts[@]} -gt 0 ]] || counts=(20 300 3000)
mvn -B -ntp -q -DskipTests package -pl agent -am
jars=("this=agent/target/ebpf-agent.jar")
if [[ -n ${BASELINE:-} ]]; then
  dir=target/kmem-baseline
  if [[ ! -f $dir/$BASELINE.built ]]; then
    rm -rf "$dir"
    mkdir -p "$dir"
    git archive "$BASELINE" | tar -x -C "$dir"
    (cd "$dir" && mvn -B -ntp -q -DskipTests package -pl agent -am >/dev/null)
    touch "$dir/$BASELINE.built"
  fi
  jars=("$BASELINE=$dir/agent/target/ebpf-agent.jar" "${jars[@]}")
fi

maps() { # PID: "name memlock" per BPF map the process holds, once per map id
  local pid=$1
  declare -A seen=()
  for fd in /proc/"$pid"/fd/*; do
    [[ $(readlink "$fd" 2>/dev/null) == anon_inode:bpf-map ]] || continue
    local info=/proc/$pid/fdinfo/${fd##*/} id
    id=$(awk '/^map_id:/ { print $2 }' "$info")
    [[ -z ${seen[$id]:-} ]] || continue
    seen[$id]=1
    printf '%s %s\n' "$(bpftool -j map show id "$id" | python3 -c 'import json, sys; print(json.load(sys.stdin)["name"])')" \
      "$(awk '/^memlock:/ { print $2 }' "$info")"
  done
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| agent | threads | memlock in all | per map (bytes) |"
echo "|---|---|---|---|"
for n in "${counts[@]}"; do
  for entry in "${jars[@]}"; do
    label=${entry%%=*}
    out=$(mktemp)
    java --enable-native-access=ALL-UNNAMED -javaagent:"${entry#*=}" scripts/IdleThreads.java "$n" 120 >"$out" 2>&1 &
    pid=$!
    until grep -q READY "$out" && grep -q "probe attached" "$out"; do sleep 0.2; done
    sleep 2.5 # two polls
    maps "$pid" | awk -v n="$n" -v l="$label" '
      { total += $2; per = per sprintf(" %s=%d", $1, $2) }
      END { printf "| %s | %d | %.2f MiB |%s |\n", l, n, total / 1048576, per }'
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    rm -f "$out"
  done
done
