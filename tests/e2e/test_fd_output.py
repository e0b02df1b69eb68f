"""Output written to file descriptors 1 and 2 rather than sys.stdout (child processes, C code) reaches
the cell that produced it, as in ipykernel; bytes that are not UTF-8 never cost the message."""

import pytest


pytestmark = pytest.mark.usefixtures("suspendable_only")


def test_child_process_output_belongs_to_its_cell(kernel):
    ex = kernel.ok("import os\nrc = os.system('echo from-child; echo child-err >&2')")
    assert ex.stdout == "from-child\n", ex.describe()
    assert ex.stderr == "child-err\n", ex.describe()
    after = kernel.ok("print('next cell')")
    assert after.stdout == "next cell\n", after.describe()


def test_c_level_printf_is_shown(kernel):
    ex = kernel.ok("import ctypes\nlibc = ctypes.CDLL(None)\nlibc.printf(b'C says \\xc3\\xa9\\n')\nNone")
    assert ex.stdout == "C says \u00e9\n", ex.describe()


def test_invalid_utf8_is_replaced_not_lost(kernel):
    ex = kernel.ok("import subprocess\nr = subprocess.run(['printf', '\\\\377 raw then text\\\\n'])")
    assert ex.stdout == "\ufffd raw then text\n", ex.describe()
    assert kernel.ok("print('still alive')").stdout == "still alive\n"


def test_output_interleaves_with_python_prints_in_order(kernel):
    ex = kernel.ok("import os\nprint('a', flush=True)\nos.system('echo b')\nprint('c')")
    assert ex.stdout == "a\nb\nc\n", ex.describe()
