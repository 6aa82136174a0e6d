#!/usr/bin/env bash
# Installs what building and testing ebpf-agent needs on Debian 12 (run as root):
# clang for the BPF objects, libbpf (the agent binds libbpf.so.1 at run time; the headers build
# the objects), bpftool for the tests' independent map oracle, Maven. The JDK 25 the build uses
# comes with the machine (see scripts/env.sh).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends clang llvm make libbpf-dev libbpf1 bpftool maven util-linux procps
