#!/usr/bin/env bash
# Installs the test oracles' npm packages (pinned by package-lock.json) into tests/oracles/
# node_modules; skips when that lock file is installed already. Called by scripts/test.sh; needs
# npm (scripts/install-deps.sh) and the npm registry the first time.
set -euo pipefail
cd "$(dirname "$0")"
if cmp -s package-lock.json node_modules/.sublab-installed-lock 2>/dev/null; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "tests/oracles/install.sh: npm is missing; run scripts/install-deps.sh" >&2
  exit 1
fi
npm ci --no-audit --no-fund --loglevel=error
cp package-lock.json node_modules/.sublab-installed-lock
