#!/usr/bin/env bash
# Writes the x86-64 syscall number -> name table the agent uses to name off-CPU reasons, from the
# kernel's UAPI header (Debian's linux-libc-dev). Run again when a kernel adds syscalls.
set -euo pipefail
cd "$(dirname "$0")/.."
HEADER=${1:-/usr/include/x86_64-linux-gnu/asm/unistd_64.h}
OUT=agent/src/main/resources/org/ebpfagent/agent/sched/syscalls-x86_64.txt
mkdir -p "$(dirname "$OUT")"
{
  echo "# x86-64 syscall numbers and names, from the Linux UAPI header asm/unistd_64.h (scripts/gen-syscall-table.sh)"
  awk '$1 == "#define" && $2 ~ /^__NR_/ { sub(/^__NR_/, "", $2); print $3, $2 }' "$HEADER" | sort -n
} > "$OUT"
echo "wrote $OUT ($(grep -vc '^#' "$OUT") syscalls)"
