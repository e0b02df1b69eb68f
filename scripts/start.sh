#!/usr/bin/env bash
# The main job: install what is missing, build, install the "Python (suspendable)" kernelspec for this
# user, and start Jupyter Notebook on notebooks/ (headless: it prints the URL to open).
# PORT (default 8888) and IP (default 127.0.0.1) can be set in the environment.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build}
"$root/scripts/build.sh"
"$build/suspendable" install-kernelspec --user
args=(--no-browser --ip="${IP:-127.0.0.1}" --port="${PORT:-8888}" --notebook-dir="$root/notebooks")
[ "$(id -u)" -eq 0 ] && args+=(--allow-root)
echo "Starting Jupyter Notebook on $root/notebooks; open the URL printed below and pick \"Python (suspendable)\"."
exec /usr/bin/python3 -m notebook "${args[@]}"
