#!/usr/bin/env bash
# Installs what Subliminal Lab needs on Debian 12 (bookworm) with apt; skips what is present.
# Usage: scripts/install-deps.sh [--headless]   (--headless: no Qt GUI packages)
set -euo pipefail

packages=(build-essential cmake ninja-build pkg-config clang-format
          libtorch-dev libopenblas0-openmp libsqlite3-dev sqlite3 nlohmann-json3-dev libcli11-dev
          zlib1g-dev libjemalloc-dev dataset-fashion-mnist
          libpcre2-dev libutf8proc-dev  # the Hugging Face tokenizer (engine/hf)
          qt6-base-dev
          clang libclang-rt-14-dev  # libFuzzer and the sanitizer runtimes (scripts/fuzz.sh)
          slurm-wlm munge  # a one-node Slurm cluster for the tests (scripts/slurm-local.sh)
          python3-torch)   # the plain PyTorch oracle of the Hugging Face model tests (tests/oracles/)
# The tokenizer and chat-template oracles (tests/oracles) run on Node with npm; a Node from elsewhere (e.g.
# NodeSource, which bundles npm and conflicts with Debian's npm package) is kept.
if ! command -v npm >/dev/null; then
  packages+=(nodejs npm)
fi
if [[ "${1:-}" != "--headless" ]]; then
  packages+=(qt6-svg-dev libqcustomplot-dev xvfb xauth)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: everything is installed already" >&2
  exit 0
fi

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null; then
    sudo_cmd=(sudo)
  else
    echo "install-deps: need root to install: ${missing[*]} (run as root or install sudo)" >&2
    exit 1
  fi
fi
echo "install-deps: installing ${missing[*]}" >&2
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
  "${missing[@]}" >/dev/null
