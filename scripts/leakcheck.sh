#!/usr/bin/env bash
# LeakSanitizer over a long worker run: enqueues LEAKCHECK_JOBS (100,000)
# no-op queue:diagnostic jobs, drains them with one ASan-built `postwork
# worker`, stops it with SIGTERM and fails unless it exited 0 with an empty
# LeakSanitizer report. Private Redis and PostgreSQL come from `postwork
# services`.
#   scripts/leakcheck.sh BUILD_ASAN        (make leakcheck)
set -euo pipefail
cd "$(dirname "$0")/.."

build=${1:?usage: scripts/leakcheck.sh BUILD_ASAN}
bin="$PWD/$build/postwork"
jobs=${LEAKCHECK_JOBS:-100000}
out="$PWD/$build/leakcheck"

if [[ -z ${LEAKCHECK_INNER:-} ]]; then
  rm -rf "$out" && mkdir -p "$out"
  LEAKCHECK_INNER=1 exec "$bin" services -- "$0" "$build"
fi

# Inside `postwork services`: the URLs of its private servers.
export POSTWORK_REDIS_URL=$POSTWORK_TEST_REDIS_URL
export POSTWORK_DATABASE_URL=$POSTWORK_TEST_DATABASE_URL
export POSTWORK_LOG_FORMAT=text
# Every process here is ASan-built; each writes its report to its own file
# (log_path appends the pid) so the worker's report can be told apart.
export ASAN_OPTIONS="detect_leaks=1:log_path=$out/asan"
export UBSAN_OPTIONS="print_stacktrace=1:log_path=$out/ubsan"

"$bin" migrate up >"$out/migrate.log" 2>&1

start=$(date +%s)
python3 -c "import sys; sys.stdout.write('{}\n' * int(sys.argv[1]))" "$jobs" >"$out/jobs.ndjson"
"$bin" enqueue diagnostic --file "$out/jobs.ndjson" >"$out/enqueue.log" 2>&1
echo "leakcheck: enqueued $jobs jobs in $(($(date +%s) - start))s"

completed() {
  psql "$POSTWORK_DATABASE_URL" -Atc "SELECT count(*) FROM jobs WHERE status = 'completed'"
}

start=$(date +%s)
"$bin" worker --queues diagnostic --concurrency 10 >"$out/worker.log" 2>&1 &
worker=$!
deadline=$((start + ${LEAKCHECK_TIMEOUT:-1800}))
while (($(completed) < jobs)); do
  if ! kill -0 "$worker" 2>/dev/null; then
    echo "leakcheck: the worker died early; see $out/worker.log and $out/asan.*" >&2
    exit 1
  fi
  if (($(date +%s) > deadline)); then
    echo "leakcheck: only $(completed) of $jobs jobs completed in time" >&2
    kill -TERM "$worker"
    wait "$worker" || true
    exit 1
  fi
  sleep 2
done
took=$(($(date +%s) - start))
echo "leakcheck: the worker completed $jobs jobs in ${took}s"

kill -TERM "$worker"
rc=0
wait "$worker" || rc=$?
reports=$(ls "$out"/asan.* "$out"/ubsan.* 2>/dev/null || true)
if ((rc != 0)) || [[ -n $reports ]]; then
  echo "leakcheck: FAILED: worker exit $rc; sanitizer reports: ${reports:-none}" >&2
  for f in $reports; do head -40 "$f" >&2; done
  exit 1
fi
echo "leakcheck: no leaks: the worker exited 0 after SIGTERM and LeakSanitizer reported nothing"
