#!/usr/bin/env bash
# Makes sure the Debian 12 packages that building and testing ebpf-agent need are installed:
# clang for the BPF objects, libbpf (the agent binds libbpf.so.1 at run time; the headers build
# the objects), bpftool for the tests' independent map oracle, Maven, util-linux (unshare,
# setpriv), procps, iproute2 and nftables (the TCP tests), python3 (other processes in tests),
# strace (the syscall probe's independent count) and prometheus (the server the metrics endpoint's
# test scrapes into; the test runs its own, never the package's service, which is stopped and
# disabled here if the install started it). One dpkg-query when all are there; otherwise apt-get installs the missing
# ones, which needs root. scripts/test.sh and scripts/run-sample.sh run it first. The JDK 25 the
# build uses comes with the machine (see scripts/env.sh).
set -euo pipefail
packages=(clang llvm make libbpf-dev libbpf1 bpftool maven util-linux procps iproute2 nftables python3 strace prometheus)

if ! command -v dpkg-query >/dev/null; then
  for tool in clang make bpftool mvn unshare setpriv ss nft python3 strace prometheus; do
    command -v "$tool" >/dev/null || {
      echo "ebpf-agent: $tool not found; not a Debian system, so install the equivalents of: ${packages[*]}" >&2
      exit 1
    }
  done
  exit 0
fi
installed=" $(dpkg-query -W -f='${Package}=${db:Status-Status} ' "${packages[@]}" 2>/dev/null || true)"
missing=()
for p in "${packages[@]}"; do
  [[ $installed == *" $p=installed "* ]] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "ebpf-agent: missing Debian packages: ${missing[*]}; install them as root (bash scripts/install-deps.sh)" >&2
  exit 1
fi
echo "ebpf-agent: installing the missing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
if [[ " ${missing[*]} " == *" prometheus "* ]]; then
  # The package's own server (port 9090, /var/lib/prometheus) is nothing the tests use.
  if [ -d /run/systemd/system ]; then
    systemctl disable --now prometheus.service >/dev/null 2>&1 || true
  elif [ -x /etc/init.d/prometheus ]; then
    /etc/init.d/prometheus stop >/dev/null 2>&1 || true
    update-rc.d prometheus disable >/dev/null 2>&1 || true
  fi
fi
