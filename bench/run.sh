#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# run.sh: runs every benchmark of bench/ against build/src/cli/renkei (or $RENKEI_BIN) and
# prints one table of figures, with the machine it ran on. Benchmarks never pass or fail;
# a benchmark that cannot run says so in its row. COUNT sets memory.py's object count.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
export RENKEI_BIN=${RENKEI_BIN:-$PWD/build/src/cli/renkei}

cpu=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
mem=$(awk '/^MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)
echo "# renkei benchmarks, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(git rev-parse --short HEAD 2>/dev/null)"
echo "# machine: $(nproc) CPUs ($cpu), $mem RAM; binary $RENKEI_BIN"
echo
echo "| benchmark | figure | detail | | |"
echo "|---|---|---|---|---|"
python3 "$here/ingest.py" || echo "| ingest | failed (exit $?) |"
bash "$here/serve.sh" || echo "| serve | failed (exit $?) |"
python3 "$here/memory.py" --count "${COUNT:-1000000}" || echo "| memory | failed (exit $?) |"
