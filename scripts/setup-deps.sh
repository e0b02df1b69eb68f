#!/usr/bin/env bash
# Installs the Debian packages suspendable needs, only those that are missing.
# Idempotent: a second run with everything present makes no apt call at all.
set -euo pipefail

packages=(
  # build
  cmake g++ make pkg-config clang-format
  # embedded interpreter (Debian's CPython 3.11, with internal headers)
  python3.11 python3.11-dev libpython3.11-dev
  # xeus + its header-only dependencies
  xeus-dev libxeus6 cppzmq-dev libzmq3-dev nlohmann-json3-dev xtl-dev libssl-dev
  # snapshot format (clang-14 + its runtime: the libFuzzer target over the snapshot reader)
  libzstd-dev clang-14 libclang-rt-14-dev
  # kernel-side Python: IPython machinery for input transforms, display, completion
  python3-ipython python3-jedi python3-matplotlib python3-ipywidgets
  # Jupyter front ends used by users and by the tests
  python3-jupyter-client jupyter-client jupyter-console python3-nbclient python3-nbformat
  jupyter-nbconvert jupyter-notebook
  # tests and benchmarks
  libgtest-dev python3-pytest python3-pexpect python3-numpy python3-pandas python3-dill
  python3-ipykernel xpython tmux
  # browser test (tests/browser): the classic Notebook in headless Chromium, driven by playwright-core
  chromium
)
# node and npm for the browser test: Debian's, unless a node is installed already (NodeSource's nodejs
# bundles npm and conflicts with Debian's npm package).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "setup-deps: installing ${#missing[@]} missing packages: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup-deps: done"
