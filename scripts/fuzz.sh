#!/usr/bin/env bash
# Runs every libFuzzer target (or the ones named) for FUZZ_SECONDS each.
#   scripts/fuzz.sh BUILD_DIR [target...]      e.g. scripts/fuzz.sh build-fuzz mime dsn
# The seed corpus in fuzz/corpus/<name>/ is read, never written: inputs the run
# finds go to BUILD_DIR/fuzz-corpus/<name>/ (kept between runs, so `make fuzz`
# goes on where it stopped), crash inputs to BUILD_DIR/fuzz-artifacts/.
# Exit status: non-zero when any target found a crash, a leak or a timeout;
# reproduce with `BUILD_DIR/fuzz/<name>_fuzzer <crash-file>`.
set -uo pipefail
cd "$(dirname "$0")/.."

build=${1:?usage: scripts/fuzz.sh BUILD_DIR [target...]}
shift
seconds=${FUZZ_SECONDS:-300}
targets=("$@")
if ((${#targets[@]} == 0)); then targets=(envelope template mime dsn config url); fi

artifacts="$build/fuzz-artifacts"
mkdir -p "$artifacts"
failed=()
for t in "${targets[@]}"; do
  bin="$build/fuzz/${t}_fuzzer"
  [[ -x $bin ]] || { echo "fuzz: $bin is missing (make fuzz builds it)" >&2; exit 2; }
  work="$build/fuzz-corpus/$t"
  mkdir -p "$work"
  log="$artifacts/$t.log"
  start=$(date +%s)
  # -rss_limit_mb: GMime and toml++ allocate per input; 2 GB is libFuzzer's
  # default, kept explicit. -timeout: one input may take at most 10 s.
  "$bin" "$work" "fuzz/corpus/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/$t-" >"$log" 2>&1
  rc=$?
  took=$(($(date +%s) - start))
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
  if ((rc == 0)); then
    echo "fuzz: $t ok in ${took}s (${runs:-?} runs, ${cov:-cov: ?}, corpus $(ls "$work" | wc -l))"
  else
    echo "fuzz: $t FAILED (exit $rc) after ${took}s; log $log:" >&2
    grep -E 'ERROR|SUMMARY|FUZZ_CHECK|Test unit written|uncaught|==[0-9]+==' "$log" | head -20 >&2
    failed+=("$t")
  fi
done
if ((${#failed[@]} > 0)); then
  echo "fuzz: crashes in: ${failed[*]} (inputs in $artifacts/)" >&2
  exit 1
fi
