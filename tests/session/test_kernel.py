"""Kernel mode: an idle %suspend NAME, a kernel restart, %resume NAME brings back a subset of the catalog
(a DataFrame, numpy views, a class redefined after instances exist, closures, a generator, star imports)."""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))

import harness  # noqa: E402
from conftest import _binary  # noqa: E402

CELLS = [
    "from numpy import *\nimport numpy as np, pandas as pd, collections, functools, itertools, dataclasses",
    "class Model:\n    version = 1\n    def who(self): return 'old'\nold = Model()",
    "class Model:\n    version = 2\n    def who(self): return 'new'\nnew = Model()",
    "df = pd.DataFrame({'a': np.arange(5), 'b': list('vwxyz'), 'c': pd.Categorical(list('ppqqp'))})\n"
    "base = np.arange(20.0).reshape(4, 5); view = base[1:, ::2]\n"
    "dd = collections.defaultdict(lambda: 'dflt', k=1)\n"
    "@dataclasses.dataclass\nclass P:\n    x: int\n    y: int = 2\n"
    "pt = P(1); alias = pt\n"
    "def counter():\n    n = 0\n    def bump():\n        nonlocal n\n        n += 1\n        return n\n    return bump\n"
    "bump = counter(); bump()\n"
    "gen = (i * i for i in range(6)); next(gen)\n"
    "part = functools.partial(int, base=16)\n"
    "cyc = [1]; cyc.append(cyc)",
]

CHECK = ("(type(old) is not Model, old.who(), new.who(), type(new) is Model, type(old).version,"
         " df.equals(pd.DataFrame({'a': np.arange(5), 'b': list('vwxyz'), 'c': pd.Categorical(list('ppqqp'))})),"
         " np.shares_memory(base, view), view.tolist() == base[1:, ::2].tolist(), dd['missing'],"
         " alias is pt, pt == P(1), bump(), list(gen), part('ff'), cyc[1] is cyc, sqrt is np.sqrt)")
EXPECTED = "(True, 'old', 'new', True, 1, True, True, True, 'dflt', True, True, 2, [1, 4, 9, 16, 25], 255, True, True)"


def _flat(text):
    """IPython's pretty printer wraps long tuples."""
    return " ".join(text.split()).replace("( ", "(").replace(" )", ")")


@pytest.fixture
def kernel(tmp_path, monkeypatch):
    env = harness.hermetic_environment(tmp_path / "env", harness.Path(_binary()))
    for var in harness.UNSET_VARS:
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    k = harness.Kernel(harness.SUSPENDABLE_KERNEL, startup_timeout=60.0, cwd=str(tmp_path))
    yield k
    k.close()


def test_idle_suspend_restart_resume(kernel):
    for cell in CELLS:
        kernel.ok(cell)
    assert _flat(kernel.eval_text(CHECK)) == EXPECTED  # the expectations hold before saving
    for cell in CELLS[1:]:
        kernel.ok(cell)  # fresh state again (the check consumed and bumped)
    saved = kernel.ok("%suspend catalog-subset")
    assert "Saved the namespace as session 'catalog-subset'" in saved.stdout, saved.describe()
    kernel.restart()
    restored = kernel.ok("%resume catalog-subset")
    assert "Restored" in restored.stdout, restored.describe()
    assert _flat(kernel.eval_text(CHECK)) == EXPECTED
