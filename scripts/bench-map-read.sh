#!/usr/bin/env bash
# Per-entry cost of reading a BPF hash map from Java: per-key lookup, batch lookup and batch
# lookup-and-delete, side by side in one run (as root). Prints a markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
mvn -B -ntp -q -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt -pl agent -am
java --enable-native-access=ALL-UNNAMED -cp "agent/target/test-classes:agent/target/classes:$(cat agent/target/classpath.txt)" \
  org.ebpfagent.bench.MapReadBenchmark
