#!/usr/bin/env bash
# Writes the errno number -> name table the agent uses to name failed connects and syscalls, from
# the kernel's UAPI headers (Debian's linux-libc-dev). x86-64 and AArch64 share asm-generic's
# numbers. Where two names share a number (EAGAIN/EWOULDBLOCK), the first defined is kept.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-/usr/include/asm-generic}
OUT=agent/src/main/resources/org/ebpfagent/agent/probe/errno.txt
mkdir -p "$(dirname "$OUT")"
{
  echo "# errno numbers and names, from the Linux UAPI headers asm-generic/errno-base.h and errno.h (scripts/gen-errno-table.sh)"
  cat "$DIR/errno-base.h" "$DIR/errno.h" \
    | awk '$1 == "#define" && $2 ~ /^E[A-Z0-9]+$/ && $3 ~ /^[0-9]+$/ && !seen[$3]++ { print $3, $2 }' | sort -n
  # The kernel's restart codes (include/linux/errno.h, not exported to user space): a syscall
  # interrupted by a signal returns one of them at the syscall-exit tracepoint, and the kernel
  # then restarts it or turns it into EINTR. The syscall probe counts them apart from errors.
  printf '%s\n' "512 ERESTARTSYS" "513 ERESTARTNOINTR" "514 ERESTARTNOHAND" "515 ENOIOCTLCMD" \
    "516 ERESTART_RESTARTBLOCK"
} > "$OUT"
echo "wrote $OUT ($(grep -vc '^#' "$OUT") errno names)"
