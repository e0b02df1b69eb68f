"""Fixtures for the end-to-end tests.

Which kernel: `--kernel NAME`, else $SUSPENDABLE_TEST_KERNEL, else python-suspendable. Run the suite with
`SUSPENDABLE_TEST_KERNEL=python3` (Debian's ipykernel) to check the tests themselves.

Hermetic: one temporary root per session holds HOME, IPYTHONDIR (history database), Jupyter config/data/runtime
dirs and the matplotlib cache; the python-suspendable kernelspec is installed there with
`$SUSPENDABLE_BIN install-kernelspec --prefix` and found through JUPYTER_PATH, ahead of /usr/share/jupyter
(Debian's python3 and xpython kernelspecs).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402


def pytest_addoption(parser):
    parser.addoption("--kernel", default=None, help="kernelspec name to test (default $SUSPENDABLE_TEST_KERNEL)")


@pytest.fixture(scope="session")
def kernel_name(request) -> str:
    return request.config.getoption("--kernel") or harness.kernel_under_test()


@pytest.fixture
def suspendable_only(kernel_name):
    """For features of this kernel alone (suspension, checkpoints): skipped on the reference kernels."""
    if kernel_name != harness.SUSPENDABLE_KERNEL:
        pytest.skip("a feature of the python-suspendable kernel")


@pytest.fixture(scope="session", autouse=True)
def jupyter_env(tmp_path_factory, kernel_name):
    """The hermetic environment, applied to os.environ for the whole session (kernels inherit it)."""
    root = tmp_path_factory.mktemp("e2e-env")
    binary = None
    if kernel_name == harness.SUSPENDABLE_KERNEL:
        binary = harness.suspendable_binary()
        if binary is None or not binary.is_file():
            pytest.exit(
                f"kernel {kernel_name}: the suspendable binary was not found (set SUSPENDABLE_BIN; "
                f"got {binary})",
                returncode=1,
            )
    env = harness.hermetic_environment(root, binary)
    mp = pytest.MonkeyPatch()
    for var in harness.UNSET_VARS:
        mp.delenv(var, raising=False)
    for var, value in env.items():
        mp.setenv(var, value)
    if not harness.have_kernelspec(kernel_name):
        mp.undo()
        pytest.exit(f"kernelspec {kernel_name!r} not found on JUPYTER_PATH={env['JUPYTER_PATH']}", returncode=1)
    yield {"root": root, "env": env, "binary": binary}
    mp.undo()


def _start(kernel_name: str, cwd=None) -> harness.Kernel:
    return harness.Kernel(kernel_name, startup_timeout=60.0, cwd=cwd)


@pytest.fixture(scope="module")
def _module_kernel(kernel_name, jupyter_env, tmp_path_factory):
    holder = {"kernel": None}
    workdir = tmp_path_factory.mktemp("cwd")
    holder["cwd"] = str(workdir)
    holder["kernel"] = _start(kernel_name, cwd=str(workdir))
    yield holder
    if holder["kernel"] is not None:
        holder["kernel"].close()


@pytest.fixture
def kernel(_module_kernel, kernel_name) -> harness.Kernel:
    """A kernel shared by the tests of one module (restarted if a previous test killed it)."""
    k = _module_kernel["kernel"]
    if k is None or not k.is_alive():
        if k is not None:
            k.close()
        k = _module_kernel["kernel"] = _start(kernel_name, cwd=_module_kernel["cwd"])
    k.drain(0.01)
    return k


@pytest.fixture
def fresh_kernel(kernel_name, jupyter_env, tmp_path) -> harness.Kernel:
    """A kernel of its own, for tests that interrupt, restart or stop it."""
    k = _start(kernel_name, cwd=str(tmp_path))
    yield k
    k.close()


@pytest.fixture
def is_reference(kernel_name) -> bool:
    """True when running against Debian's ipykernel (the reference implementation)."""
    return kernel_name == "python3"
