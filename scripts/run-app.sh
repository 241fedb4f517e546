#!/usr/bin/env bash
# One command for a newcomer: install what is missing, build, and start Subliminal Lab on the
# default project database. Extra arguments go to the app (e.g. --db FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh -DSUBLAB_BUILD_TESTS=OFF -DSUBLAB_BUILD_BENCH=OFF
build_dir=${SUBLAB_BUILD_DIR:-build}
if [[ -x "$build_dir/app/gui/subliminal-lab" ]]; then
  exec "$build_dir/app/gui/subliminal-lab" "$@"
fi
# Headless fallback (no GUI built): run the quick preset through the CLI.
exec "$build_dir/app/sublab" run --preset owl-numbers-quick "$@"
