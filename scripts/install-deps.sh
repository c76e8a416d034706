#!/usr/bin/env bash
# Installs, from Debian's packages only, whatever postwork needs that is missing.
# Idempotent: a second run installs nothing and exits 0 quickly.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache git
  libhiredis-dev libpq-dev nlohmann-json3-dev libfmt-dev libspdlog-dev libcli11-dev
  libcurl4-openssl-dev libgmime-3.0-dev libcpp-httplib-dev libssl-dev libtomlplusplus-dev nettle-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  redis-server redis-tools postgresql-15 postgresql-client-15 postgresql-contrib
  python3 python3-aiosmtpd python3-yaml procps iproute2 util-linux
  dovecot-imapd
  chromium prometheus
  # make fuzz / fuzz-ci: clang with the libFuzzer and sanitizer runtimes (Debian 12: 14).
  clang libclang-rt-14-dev
)
# chromium: the dashboard's browser test (Playwright drives /usr/bin/chromium).
# prometheus: for `promtool check metrics` in the /metrics format test.
# dovecot-imapd: the real IMAP server of the warmup tests and the dev demo (run privately,
# never as the system service).
ROOT="$(cd "$(dirname "$0")/.." && pwd)"

# The browser test's npm packages (playwright-core, pinned by
# tests/e2e/package-lock.json), into the git-ignored tests/e2e/node_modules.
install_e2e_packages() {
  if [[ -f "$ROOT/tests/e2e/node_modules/playwright-core/package.json" ]]; then return 0; fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "install-deps: installing nodejs npm"
    $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  fi
  echo "install-deps: npm ci in tests/e2e"
  (cd "$ROOT/tests/e2e" && npm ci --no-audit --no-fund --loglevel=error)
}
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  install_e2e_packages
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The Debian redis-server / postgresql packages start system services; postwork
# runs its own private servers and never touches those.
install_e2e_packages
