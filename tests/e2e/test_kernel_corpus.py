"""The engine's corpus programs as notebook cells: suspended in the kernel at a stride of safe points,
resumed in the same kernel, stdout byte-identical to an uninterrupted run of the same cell.

These programs spend much of their time in frames entered from C (decorator wrappers, __init__,
__enter__/__exit__, descriptors, operator dunders, builtin hooks), so most suspensions take a chain
through C layers off the stack by raising past frames whose handlers are switched off (unwind.cpp),
and the resume continues those layers from the live capture.

The K-th safe point is chosen as tests/engine/differential.py does for `suspendable run`: the cell
itself first arms the engine with `skip=K`, with a request as if `%suspend` had been queued.
"""

from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[1] / "engine" / "corpus"
STRIDE = 5

pytestmark = pytest.mark.usefixtures("suspendable_only")

ARM_AT = """\
import json as _json, _suspendable_engine as _engine, _suspendable_kernel as _kernel
from suspendable_kernel import suspension as _suspension
_kernel.restore_suspend_request(_json.dumps({{"origin": "magic", "code": "%suspend corpus"}}))
_engine.configure(base_code=_suspension._state.base_code, callback=_suspension._on_safe_point, timeout=30,
                  private_prefix=_suspension._PACKAGE_DIR, on_abandon=_suspension._on_abandon, skip={skip})
_engine.arm()
"""


def _stdout(ex):
    return "".join(r.content["text"] for r in ex.of_type("stream") if r.content["name"] == "stdout")


@pytest.mark.parametrize("program", ["p09_with_blocks", "p19_decorators", "p20_init_work",
                                     "p22_operator_dunders", "p38_c_layers", "p42_builtin_hooks",
                                     "p43_native_iterators"])
def test_suspended_at_every_stride_point_and_resumed_in_the_same_kernel(kernel, program):
    source = (CORPUS / f"{program}.py").read_text()
    expected = _stdout(kernel.ok(source, timeout=120))
    suspended, failures = 0, []
    for skip in range(0, 100000, STRIDE):
        first = kernel.execute(ARM_AT.format(skip=skip) + source, timeout=120)
        if first.status == "ok":
            assert _stdout(first) == expected, first.describe()
            break  # fewer than `skip` safe points: the cell ran to its end
        resumed = kernel.execute("%resume corpus", timeout=120)
        suspended += 1
        if first.status != "aborted" or resumed.status != "ok" or _stdout(first) + _stdout(resumed) != expected:
            failures.append(f"safe point {skip}: cell {first.status}, resume {resumed.status}\n"
                            f"{first.describe()}\n{resumed.describe()}")
    assert suspended > 20, f"only {suspended} suspensions"
    assert not failures, f"{len(failures)} of {suspended} failed; first:\n{failures[0]}"
