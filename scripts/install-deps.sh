#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# install-deps.sh: installs the Debian packages renkei needs to build, test, fuzz and
# benchmark, but only those that are missing, so that `make` stays quick once a machine
# has them. Needs root (or sudo) the first time on a fresh Debian 12.
set -euo pipefail

packages=(
  build-essential meson ninja-build pkg-config
  libjansson-dev libsqlite3-dev libsodium-dev libcurl4-openssl-dev
  libgnutls28-dev libcmocka-dev libidn2-dev
  python3 curl sqlite3 openssl
  clang libclang-rt-14-dev
  wrk
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "renkei: installing missing Debian packages: ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO=sudo; else
    echo "renkei: not root and no sudo; install these as root: ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
