#!/usr/bin/env bash
# Installs, from Debian's packages only, whatever postwork needs that is missing.
# Idempotent: a second run installs nothing and exits 0 quickly.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache git
  libhiredis-dev libpq-dev nlohmann-json3-dev libfmt-dev libspdlog-dev libcli11-dev
  libcurl4-openssl-dev libgmime-3.0-dev libcpp-httplib-dev libssl-dev libtomlplusplus-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  redis-server redis-tools postgresql-15 postgresql-client-15 postgresql-contrib
  python3 python3-aiosmtpd procps iproute2 util-linux
  # make fuzz / fuzz-ci: clang with the libFuzzer and sanitizer runtimes (Debian 12: 14).
  clang libclang-rt-14-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The Debian redis-server / postgresql packages start system services; postwork
# runs its own private servers and never touches those.
