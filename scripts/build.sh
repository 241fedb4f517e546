#!/usr/bin/env bash
# Configures and builds Subliminal Lab into build/ (Release, Ninja).
# Usage: scripts/build.sh [extra cmake args...]   e.g. -DSUBLAB_BUILD_GUI=OFF
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${SUBLAB_BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$build_dir" --parallel "$(nproc)"
