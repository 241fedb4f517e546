#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz, clang + ASan + UBSan, no libtorch) into build-fuzz/
# and runs each for a fixed budget, starting from the committed seeds and regression inputs.
# Prints executions and libFuzzer's coverage (cov: edges, ft: features) per target; a crash,
# leak, sanitizer report or broken invariant fails the script and leaves the input in
# build-fuzz/fuzz-artifacts/ (fix it, then commit the input under tests/fuzz/regressions/TARGET/).
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 15)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-15}
build_dir=${SUBLAB_FUZZ_BUILD_DIR:-build-fuzz}
if ! command -v clang++ >/dev/null; then
  echo "fuzz: clang++ is missing; install clang and libclang-rt-14-dev (scripts/install-deps.sh)" >&2
  exit 1
fi
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DSUBLAB_FUZZ=ON "${launcher[@]}" >/dev/null
cmake --build "$build_dir" --parallel "$(nproc)"

export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
targets=(number_filter idx_reader tokenizer_load tokenizer_encode chat_template database
         slurm_manifest dataset_reader)
work="$build_dir/fuzz-work"
artifacts="$build_dir/fuzz-artifacts"
mkdir -p "$artifacts" "$work"
# One target: fresh working corpus (new inputs never land in the repository by accident), then
# a result line "target executions cov ft result" in $work/$t.result.
run_target() {
  local t=$1 log="$build_dir/fuzz-$1.log" result=ok
  rm -rf "${work:?}/$t"
  mkdir -p "$work/$t"
  cp tests/fuzz/corpus/"$t"/* "$work/$t/"
  if [[ -d tests/fuzz/regressions/$t ]]; then cp tests/fuzz/regressions/"$t"/* "$work/$t/"; fi
  if ! "$build_dir/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$artifacts/$t-" "$work/$t" >"$log" 2>&1; then
    result="FAILED (see $log and $artifacts/)"
  fi
  local execs cov ft
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
  printf '%-18s %10s %8s %8s  %s\n' "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$result" \
    >"$work/$t.result"
}

# Each target is single-threaded: as many at once as there are cores.
jobs=$(nproc)
running=0
for t in "${targets[@]}"; do
  run_target "$t" &
  running=$((running + 1))
  if [[ $running -ge $jobs ]]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait
failed=0
printf '%-18s %10s %8s %8s  %s\n' target executions cov ft result
for t in "${targets[@]}"; do
  cat "$work/$t.result"
  grep -q ' ok$' "$work/$t.result" || failed=1
done
if [[ $failed -ne 0 ]]; then
  echo "fuzz: a target failed; the input that did it is in $artifacts/" >&2
  exit 1
fi
