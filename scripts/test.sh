#!/usr/bin/env bash
# Builds everything and runs every test: unit tests, then the agent tests against the real kernel
# (they load BPF programs: run as root, or with CAP_BPF + CAP_PERFMON + CAP_SYS_ADMIN).
# Installs the Debian packages the build needs first, if any is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
source scripts/env.sh
mvn -B -ntp verify "$@"
