#!/usr/bin/env bash
# Writes the syscall number -> name tables the agent names syscalls with, one per architecture it
# runs on, from the kernel's UAPI headers (Debian's linux-libc-dev). Run again when a kernel adds
# syscalls.
#   x86-64:  asm/unistd_64.h, one "#define __NR_name number" per syscall.
#   AArch64: asm-generic/unistd.h, the generic table, with the options arm64's own asm/unistd.h
#            turns on before including it (renameat, newstat, set/getrlimit, clone3, memfd_secret); the C
#            preprocessor resolves its indirections (__NR_fcntl -> __NR3264_fcntl -> 25).
set -euo pipefail
cd "$(dirname "$0")/.."
INCLUDE=${1:-/usr/include}
OUT=agent/src/main/resources/org/ebpfagent/agent/probe
mkdir -p "$OUT"

x86="$OUT/syscalls-x86_64.txt"
{
  echo "# x86-64 syscall numbers and names, from the Linux UAPI header asm/unistd_64.h (scripts/gen-syscall-table.sh)"
  awk '$1 == "#define" && $2 ~ /^__NR_/ { sub(/^__NR_/, "", $2); print $3, $2 }' \
    "$INCLUDE/x86_64-linux-gnu/asm/unistd_64.h" | sort -n
} > "$x86"
echo "wrote $x86 ($(grep -vc '^#' "$x86") syscalls)"

arm="$OUT/syscalls-aarch64.txt"
generic="$INCLUDE/asm-generic/unistd.h"
{
  echo "# AArch64 syscall numbers and names, from the Linux UAPI header asm-generic/unistd.h as arm64 configures it (scripts/gen-syscall-table.sh)"
  {
    echo "#define __BITS_PER_LONG 64"
    for want in RENAMEAT NEW_STAT SET_GET_RLIMIT SYS_CLONE3 MEMFD_SECRET; do echo "#define __ARCH_WANT_$want"; done
    echo "#include <asm-generic/unistd.h>"
    grep -oE '^#define __NR_[a-z0-9_]+' "$generic" | awk '{ n = $2; sub(/^__NR_/, "", n); print $2, n }' | sort -u
  } | cpp -P -nostdinc -I "$INCLUDE" -I "$INCLUDE/x86_64-linux-gnu" - \
    | awk '$1 ~ /^[0-9]+$/ && NF == 2 && $2 != "syscalls" { print $1, $2 }' | sort -n -u
} > "$arm"
echo "wrote $arm ($(grep -vc '^#' "$arm") syscalls)"
