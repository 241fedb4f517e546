#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer runs (SUBLAB_SANITIZE=ON, headless).
# Usage: scripts/sanitize.sh          the CI step: only the torch-free parsers of outside bytes
#                                     (number filter, IDX reader, tokenizer, chat templates,
#                                     statistics, storage and manifests through the committed
#                                     fuzz inputs) and their tests, into build-sanitize/
#        scripts/sanitize.sh --full   everything: the engine, storage, lab and CLI test
#                                     executables with libtorch, into build-sanitize-full/
#                                     (about 25 min of building on 2 cores); run it before
#                                     resolving an issue that touches the engine.
set -euo pipefail
cd "$(dirname "$0")/.."
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export OMP_NUM_THREADS=1
if [[ "${1:-}" == "--full" ]]; then
  build_dir=${SUBLAB_SANITIZE_BUILD_DIR:-build-sanitize-full}
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSUBLAB_SANITIZE=ON \
    -DSUBLAB_BUILD_GUI=OFF -DSUBLAB_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null
  cmake --build "$build_dir" --parallel "$(nproc)"
  # The golden run compares four full presets (minutes each under ASan) and the Slurm tests
  # start a cluster: both are left to scripts/test.sh.
  ctest --test-dir "$build_dir" --output-on-failure --parallel 2 \
    -E '^(app/test_golden|slurm/|format/)'
else
  build_dir=${SUBLAB_SANITIZE_BUILD_DIR:-build-sanitize}
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSUBLAB_SANITIZE=ON \
    -DSUBLAB_PARSERS_ONLY=ON "${launcher[@]}" >/dev/null
  cmake --build "$build_dir" --parallel "$(nproc)"
  ctest --test-dir "$build_dir" --output-on-failure --parallel 2
fi
