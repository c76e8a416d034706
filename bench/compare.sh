#!/usr/bin/env bash
# postwork and BullMQ side by side: the scenarios of `postwork bench`, each run
# alternately by postwork and by BullMQ (bench/bullmq/*.js) against the same
# private Redis (and postwork's private PostgreSQL, fsync on), then the
# postwork / BullMQ ratios against the targets of issue 7.
#   bench/compare.sh [--runs N] [--quick] [--scenario NAME] [--payload-bytes N] [--json]
# BullMQ is installed into bench/.peers (git-ignored) the first time.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
postwork="${POSTWORK_BIN:-$root/build/postwork}"
peers="$here/.peers"
bullmq_version="${BULLMQ_VERSION:-6.7.0}"
ioredis_version="${IOREDIS_VERSION:-5}"  # BullMQ 6 takes ioredis as a peer dependency

if [ ! -x "$postwork" ]; then
  echo "compare.sh: $postwork not found; build first (cmake --build build)" >&2
  exit 2
fi
command -v node >/dev/null || { echo "compare.sh: node is needed for BullMQ" >&2; exit 2; }
if [ ! -f "$peers/node_modules/bullmq/package.json" ] || [ ! -f "$peers/node_modules/ioredis/package.json" ]; then
  echo "compare.sh: installing bullmq@$bullmq_version and ioredis@$ioredis_version into $peers" >&2
  mkdir -p "$peers"
  npm install --prefix "$peers" --no-save --no-package-lock --no-audit --no-fund \
    "bullmq@$bullmq_version" "ioredis@$ioredis_version" >&2
fi
export NODE_PATH="$peers/node_modules"
exec "$postwork" bench --peer "node '$here/bullmq/bench.js'" --peer-name bullmq "$@"
