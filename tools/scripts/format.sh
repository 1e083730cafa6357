#!/usr/bin/env bash
# Formats the project's C++ sources with the repository's .clang-format (clang-format 14).
#   tools/scripts/format.sh            rewrite the files in place
#   tools/scripts/format.sh --check    change nothing; list the files that differ, exit 1 if any
#   tools/scripts/format.sh [--check] FILE...   only these files
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
check=0
if [ "${1:-}" = "--check" ]; then
  check=1
  shift
fi
cf=$(command -v clang-format-14 || command -v clang-format || true)
if [ -z "$cf" ]; then
  echo "format.sh: clang-format 14 not found (apt-get install clang-format)" >&2
  exit 2
fi
if [ $# -gt 0 ]; then
  files=("$@")
else
  # Tracked C++ files of the modules only: build trees and data files are never touched.
  mapfile -t files < <(git ls-files -- 'core/*' 'transport/*' 'storage/*' 'bench/*' 'tests/*' 'tools/*' \
    | grep -E '\.(cpp|hpp|h|ipp)$')
fi
if [ "$check" -eq 1 ]; then
  bad=()
  for f in "${files[@]}"; do
    "$cf" --style=file --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
  done
  if [ ${#bad[@]} -gt 0 ]; then
    printf 'not formatted: %s\n' "${bad[@]}"
    echo "format.sh: ${#bad[@]} of ${#files[@]} files differ; run tools/scripts/format.sh" >&2
    exit 1
  fi
  echo "format.sh: ${#files[@]} files formatted"
else
  printf '%s\0' "${files[@]}" | xargs -0 -n 32 "$cf" --style=file -i
fi
