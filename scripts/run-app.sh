#!/usr/bin/env bash
# One command for a newcomer: install what is missing, build, and start Subliminal Lab on the
# default project database. Extra arguments go to the app (e.g. --db FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}${QT_QPA_PLATFORM:-}" ]]; then
  # Said before the build, so nobody waits for a window that cannot open.
  echo "run-app.sh: no display here (DISPLAY is not set): the app will be built, but it cannot" \
    "open its window. Then run it under a virtual display, e.g." \
    "xvfb-run -a build/app/gui/subliminal-lab --demo owl-numbers-tiny --screenshot shot.png," \
    "or use the command-line tool: build/app/sublab --help" >&2
fi
scripts/install-deps.sh
scripts/build.sh -DSUBLAB_BUILD_TESTS=OFF -DSUBLAB_BUILD_BENCH=OFF
build_dir=${SUBLAB_BUILD_DIR:-build}
if [[ -x "$build_dir/app/gui/subliminal-lab" ]]; then
  exec "$build_dir/app/gui/subliminal-lab" "$@"
fi
# Headless fallback (no GUI built): run the quick preset through the CLI.
exec "$build_dir/app/sublab" run --preset owl-numbers-quick "$@"
