# shellcheck shell=bash
# Sourced by the slurm/ ctest scripts: skipping (exit 77, ctest's "skipped") where a local
# cluster cannot run, counting failed checks, and the end of a test (logs of a failure, or PASS).

skip() {
  echo "SKIP: $*"
  exit 77
}

# require_slurm CMD...: root and every command, or skip saying how to get them.
require_slurm() {
  [[ $(id -u) -eq 0 ]] || skip "needs root to start munged and the Slurm daemons"
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null || skip "$c not found; install Slurm and munge with scripts/install-deps.sh"
  done
}

failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# finish "what passed" LOG...: on failed checks, the tail of each log and exit 1; else PASS.
finish() {
  local what=$1 f
  shift
  if [[ $failures -gt 0 ]]; then
    for f in "$@"; do
      echo "== $f"
      tail -n 20 "$f"
    done
    echo "$failures check(s) failed"
    exit 1
  fi
  echo "PASS: $what"
}
