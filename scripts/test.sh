#!/usr/bin/env bash
# One command for a newcomer and for CI: install what is missing, build everything, run all
# tests. Usage: scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# The oracles the Hugging Face tokenizer tests compare with (npm, pinned).
tests/oracles/install.sh
scripts/build.sh -DSUBLAB_BUILD_TESTS=ON -DSUBLAB_BUILD_BENCH=OFF
build_dir=${SUBLAB_BUILD_DIR:-build}
# Two cores: two test executables at a time, each with one torch thread.
ctest --test-dir "$build_dir" --output-on-failure --parallel 2
# Reliability (README "Reliability"): the torch-free parsers of outside bytes and their tests
# under ASan + UBSan, then every fuzz target for a fixed short budget (separate build folders).
scripts/sanitize.sh
scripts/fuzz.sh 15
