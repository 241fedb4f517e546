#!/usr/bin/env bash
# Fails (exit 1) when a tracked C++ file differs from what the repository's .clang-format makes of
# it, and lists those files. Run by the test suite (ctest: format/clang-format) and by CI.
# Usage: scripts/check-format.sh [--fix]   (--fix rewrites the files in place instead)
set -euo pipefail
cd "$(dirname "$0")/.."
formatter=""
for candidate in clang-format-14 clang-format; do
  if command -v "$candidate" >/dev/null; then formatter=$candidate; break; fi
done
if [[ -z "$formatter" ]]; then
  echo "check-format: clang-format is not installed (scripts/install-deps.sh installs it)" >&2
  exit 1
fi
mapfile -t files < <(git ls-files '*.cpp' '*.h' 2>/dev/null || find app engine storage ui tests bench -name '*.cpp' -o -name '*.h')
if [[ "${1:-}" == "--fix" ]]; then
  "$formatter" -i "${files[@]}"
  exit 0
fi
bad=()
for f in "${files[@]}"; do
  if ! "$formatter" --dry-run -Werror "$f" >/dev/null 2>&1; then bad+=("$f"); fi
done
if [[ ${#bad[@]} -gt 0 ]]; then
  echo "check-format: ${#bad[@]} file(s) differ from .clang-format ($("$formatter" --version)):" >&2
  printf '  %s\n' "${bad[@]}" >&2
  echo "run scripts/check-format.sh --fix and commit the result" >&2
  exit 1
fi
echo "check-format: ${#files[@]} files formatted as .clang-format says"
