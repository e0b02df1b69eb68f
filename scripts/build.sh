#!/usr/bin/env bash
# Installs missing Debian packages, then configures and builds (Release, warnings as errors) into
# build/ (override with BUILD_DIR). Idempotent and incremental.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build}
"$root/scripts/setup-deps.sh"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DSUSPENDABLE_WERROR=ON >/dev/null
cmake --build "$build" -j"$(nproc)"
