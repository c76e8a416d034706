#!/bin/bash
# Redis's cost per job of the engine's scripts, measured apart from the worker
# and PostgreSQL (docs/benchmarks.md, "Redis instructions per job").
#   bench/redis-ir/run.sh [LUA_DIR] [ir|cpu]
# ir  (default): instructions Redis executes per job under callgrind (valgrind),
#                repeatable to about 0.3% on a noisy machine; N=5000 jobs.
# cpu:           Redis CPU per job from INFO, median and all of 5 runs; N=20000.
# Both start a private redis-server on a free loopback port and stop it by PID.
set -euo pipefail
LUA=${1:-$(dirname "$0")/../../lua}
MODE=${2:-ir}
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
if [ "$MODE" = ir ]; then
  command -v valgrind >/dev/null || { echo "run.sh: ir mode needs valgrind (apt-get install valgrind)" >&2; exit 2; }
  valgrind --tool=callgrind --callgrind-out-file="$DIR/cg.out" \
    redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no >/dev/null 2>"$DIR/vg.log" &
else
  redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no >/dev/null 2>&1 &
fi
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$DIR"' EXIT
for _ in $(seq 1 150); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.2; done
if [ "$MODE" = ir ]; then
  N=${N:-5000}
  RPORT=$PORT N=$N HOOK="callgrind_control $SERVER" python3 "$HERE/drive.py" "$LUA" >/dev/null
  redis-cli -p "$PORT" shutdown nosave >/dev/null 2>&1 || true
  wait $SERVER || true
  dump=$(ls "$DIR"/cg.out.* | head -1)
  ir=$(awk '/^(summary|totals):/ {print $2; exit}' "$dump")
  echo "instructions per job: $((ir / N)) (N=$N)"
else
  for _ in 1 2 3 4 5; do RPORT=$PORT N=${N:-20000} python3 "$HERE/drive.py" "$LUA"; done |
    sort -n | awk '{a[NR]=$1} END {printf "Redis CPU per job: median %s us (runs %s %s %s %s %s)\n", a[3], a[1], a[2], a[3], a[4], a[5]}'
fi
