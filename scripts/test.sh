#!/usr/bin/env bash
# Every test: install what is missing, build, run unit (GoogleTest), engine (differential suite) and
# end-to-end (pytest against the real kernel and CLI) tests through ctest. Non-zero exit on failure.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build}
"$root/scripts/build.sh"
cd "$build"
ctest --output-on-failure --timeout 1200 "$@"
