"""execute_request: streams, results, rich display, IPython's history variables, magics, shell escapes."""

import base64
import os
import re
import time

import pytest

from harness import strip_ansi

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


# -- streams --------------------------------------------------------------------------------------------------


def test_stdout_streams_while_the_cell_runs(kernel):
    ex = kernel.ok("import time\nprint('first')\ntime.sleep(1.5)\nprint('second')", timeout=30)
    streams = [r for r in ex.of_type("stream") if r.content["name"] == "stdout"]
    assert "".join(r.content["text"] for r in streams) == "first\nsecond\n", ex.describe()
    first = next(r for r in streams if "first" in r.content["text"])
    # `first` was printed 1.5 s before the cell ended: a streaming kernel delivers it long before the reply.
    lead = ex.reply.t - first.t
    assert lead > 1.0, f"'first' arrived only {lead:.2f}s before the reply (not streamed)\n{ex.describe()}"


def test_stderr_stream(kernel):
    ex = kernel.ok("import sys\nprint('to stderr', file=sys.stderr)\nprint('to stdout')")
    assert ex.stderr == "to stderr\n", ex.describe()
    assert ex.stdout == "to stdout\n", ex.describe()


def test_many_prints_arrive_complete_and_in_order(kernel):
    ex = kernel.ok("for i in range(2000):\n    print(i)")
    assert ex.stdout == "".join(f"{i}\n" for i in range(2000))


def test_execute_input_and_count(kernel):
    a = kernel.ok("x_count = 1")
    b = kernel.ok("x_count += 1")
    assert b.execution_count == a.execution_count + 1
    echo = b.of_type("execute_input")[0].content
    assert echo == {"code": "x_count += 1", "execution_count": b.execution_count}


def test_silent_execution(kernel):
    before = kernel.ok("pass").execution_count
    ex = kernel.ok("silent_value = 41\nsilent_value + 1", silent=True)
    assert ex.result is None, ex.describe()
    assert not ex.of_type("execute_input"), ex.describe()
    after = kernel.ok("silent_value").execution_count
    assert after == before + 1, "a silent execution must not increment the execution count"


def test_user_expressions(kernel):
    ex = kernel.ok("ue = 20", user_expressions={"double": "ue * 2", "bad": "no_such_name_ue"})
    ue = ex.content["user_expressions"]
    assert ue["double"]["status"] == "ok"
    assert ue["double"]["data"]["text/plain"] == "40"
    assert ue["bad"]["status"] == "error"
    assert ue["bad"]["ename"] == "NameError"


# -- results and rich display ---------------------------------------------------------------------------------


def test_execute_result_of_last_expression(kernel):
    ex = kernel.ok("a = 6\nb = 7\na * b")
    assert ex.result["text/plain"] == "42"
    res = ex.of_type("execute_result")[0].content
    assert res["execution_count"] == ex.execution_count


def test_no_result_for_statement_or_semicolon(kernel):
    assert kernel.ok("y_stmt = 5").result is None
    assert kernel.ok("y_stmt * 2;").result is None
    assert kernel.ok("None").result is None


def test_only_the_last_expression_is_displayed(kernel):
    ex = kernel.ok("1\n2\n3")
    assert ex.result["text/plain"] == "3"
    assert not ex.displays


def test_last_expression_spanning_lines(kernel):
    ex = kernel.ok("v = 10\n(v +\n 5)")
    assert ex.result["text/plain"] == "15"


def test_text_html_from_repr_html(kernel):
    code = (
        "class Rich:\n"
        "    def _repr_html_(self):\n"
        "        return '<b>rich</b>'\n"
        "    def __repr__(self):\n"
        "        return 'Rich()'\n"
        "Rich()"
    )
    ex = kernel.ok(code)
    assert ex.result["text/html"] == "<b>rich</b>"
    assert ex.result["text/plain"] == "Rich()"


def test_pandas_dataframe_html(kernel):
    ex = kernel.ok("import pandas as pd\npd.DataFrame({'a': [1, 2], 'b': [3, 4]})", timeout=60)
    assert "<table" in ex.result["text/html"]
    assert "a" in ex.result["text/plain"] and "b" in ex.result["text/plain"]


def test_matplotlib_inline_png(kernel):
    kernel.ok("%matplotlib inline", timeout=90)
    ex = kernel.ok("import matplotlib.pyplot as plt\nplt.plot([1, 3, 2])\nplt.title('e2e')", timeout=90)
    pngs = [d["data"]["image/png"] for d in ex.displays if "image/png" in d["data"]]
    assert len(pngs) == 1, ex.describe()
    assert base64.b64decode(pngs[0])[:8] == PNG_MAGIC
    # The figure is shown once, after the cell: the execute_result is the Text object.
    assert "Text" in ex.result["text/plain"]


def test_matplotlib_inline_is_the_default_backend(fresh_kernel):
    """A plot in a new kernel shows up without any %matplotlib magic, as with ipykernel."""
    k = fresh_kernel
    ex = k.ok("import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()", timeout=90)
    assert any("image/png" in d["data"] for d in ex.displays), ex.describe()


def test_display_and_update_display(kernel):
    code = (
        "from IPython.display import display, HTML, update_display\n"
        "display('plain one')\n"
        "display(HTML('<i>v1</i>'), display_id='e2e-disp')\n"
        "update_display(HTML('<i>v2</i>'), display_id='e2e-disp')\n"
        "h = display('handle v1', display_id=True)\n"
        "h.update('handle v2')\n"
    )
    ex = kernel.ok(code)
    displays = ex.of_type("display_data")
    assert displays[0].content["data"]["text/plain"] == "'plain one'"
    html = displays[1].content
    assert html["data"]["text/html"] == "<i>v1</i>"
    assert html["transient"]["display_id"] == "e2e-disp"
    updates = ex.of_type("update_display_data")
    assert len(updates) == 2, ex.describe()
    assert updates[0].content["data"]["text/html"] == "<i>v2</i>"
    assert updates[0].content["transient"]["display_id"] == "e2e-disp"
    handle_id = displays[2].content["transient"]["display_id"]
    assert handle_id and updates[1].content["transient"]["display_id"] == handle_id
    assert updates[1].content["data"]["text/plain"] == "'handle v2'"


def test_display_raw_mimebundle_and_metadata(kernel):
    code = (
        "from IPython.display import display, Image\n"
        "display({'text/plain': 'p', 'text/markdown': '**m**'}, raw=True)\n"
        "import base64\n"
        "png = base64.b64decode('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
        "+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==')\n"
        "display(Image(data=png, width=20))\n"
    )
    ex = kernel.ok(code)
    first, image = ex.displays
    assert first["data"] == {"text/plain": "p", "text/markdown": "**m**"}
    assert base64.b64decode(image["data"]["image/png"])[:8] == PNG_MAGIC
    assert image["metadata"]["image/png"]["width"] == 20


def test_clear_output(kernel):
    code = (
        "from IPython.display import clear_output\n"
        "print('before')\n"
        "clear_output(wait=True)\n"
        "print('after')\n"
    )
    ex = kernel.ok(code)
    kinds = [(r.msg_type, r.content.get("text")) for r in ex.iopub if r.msg_type in ("stream", "clear_output")]
    assert kinds == [("stream", "before\n"), ("clear_output", None), ("stream", "after\n")], ex.describe()
    assert ex.of_type("clear_output")[0].content["wait"] is True


# -- IPython's history variables ------------------------------------------------------------------------------


def test_underscore_variables_out_and_in(kernel):
    first = kernel.ok("6 * 7")
    second = kernel.ok("'abc'")
    n1, n2 = first.execution_count, second.execution_count
    assert kernel.eval_text("(_, __)") == "('abc', 42)"
    assert kernel.eval_text(f"Out[{n1}], Out[{n2}]") == "(42, 'abc')"
    assert kernel.eval_text(f"In[{n1}], In[{n2}]") == "('6 * 7', \"'abc'\")"
    assert kernel.eval_text(f"_{n1} + 0") == "42"
    assert kernel.eval_text("type(Out).__name__, type(In).__name__") == "('dict', 'list')"


# -- magics and shell escapes ---------------------------------------------------------------------------------


def test_line_magic(kernel):
    kernel.ok("%env E2E_MAGIC_VAR=from-magic")
    assert kernel.eval_text("import os\nos.environ['E2E_MAGIC_VAR']") == "'from-magic'"
    ex = kernel.ok("%time sum(range(10))")
    assert "Wall time" in ex.stdout, ex.describe()
    assert ex.result["text/plain"] == "45"


def test_magic_assignment(kernel):
    kernel.ok("here = %pwd")
    assert kernel.eval_text("import os\nhere == os.getcwd()") == "True"


def test_cell_magic_capture(kernel):
    ex = kernel.ok("%%capture captured\nprint('hidden output')\n")
    assert "hidden output" not in ex.stdout
    assert kernel.eval_text("captured.stdout") == "'hidden output\\n'"


def test_cell_magic_writefile(kernel, tmp_path):
    target = tmp_path / "written.txt"
    ex = kernel.ok(f"%%writefile {target}\nline one\nline two\n")
    assert target.read_text() == "line one\nline two\n"
    assert "Writing" in ex.stdout


def test_magics_inside_a_cell(kernel):
    code = "a_m = 1\n%env E2E_INNER=inner\nb_m = 2\nimport os\n(a_m + b_m, os.environ['E2E_INNER'])"
    assert kernel.eval_text(code) == "(3, 'inner')"


def test_shell_escape(kernel):
    ex = kernel.ok("!echo hi")
    assert ex.stdout.strip() == "hi", ex.describe()
    kernel.ok("lines = !printf 'a\\nb\\n'")
    assert kernel.eval_text("list(lines)") == "['a', 'b']"


def test_question_mark_help(kernel):
    kernel.ok("def documented():\n    '''The xyzzy docstring.'''\n")
    ex = kernel.ok("documented?")
    assert "The xyzzy docstring." in ex.all_text(), ex.describe()
    ex = kernel.ok("documented??")
    assert "def documented" in ex.all_text(), ex.describe()


# -- errors ---------------------------------------------------------------------------------------------------


def _traceback(ex) -> str:
    return strip_ansi("\n".join(ex.content.get("traceback", [])))


def test_name_error(kernel):
    ex = kernel.execute("ok_line = 1\nundefined_name_xyz + 1\n")
    assert ex.status == "error"
    assert ex.content["ename"] == "NameError"
    assert ex.content["evalue"] == "name 'undefined_name_xyz' is not defined"
    err = ex.error
    assert err is not None, "an error message must be published on iopub"
    assert (err["ename"], err["evalue"]) == (ex.content["ename"], ex.content["evalue"])
    tb = _traceback(ex)
    assert re.search(r"line 2\b", tb), tb
    assert "undefined_name_xyz + 1" in tb, tb
    # Only the user's code: no frames of the kernel's own machinery.
    for internal in ("suspendable_kernel", "ipykernel", "interactiveshell.py"):
        assert internal not in tb, tb
    # The kernel keeps going and kept the cell's first line.
    assert kernel.eval_text("ok_line") == "1"


def test_traceback_through_functions(kernel):
    kernel.ok("def inner_f(x):\n    return 1 / x\n\ndef outer_f():\n    return inner_f(0)\n")
    ex = kernel.execute("value = 3\nouter_f()")
    assert ex.content["ename"] == "ZeroDivisionError"
    assert ex.content["evalue"] == "division by zero"
    tb = _traceback(ex)
    for text in ("outer_f()", "return inner_f(0)", "return 1 / x"):
        assert text in tb, tb
    assert tb.index("outer_f()") < tb.index("return 1 / x"), tb


def test_syntax_error(kernel):
    ex = kernel.execute("x_ok = 1\ny_bad = = 2\n")
    assert ex.status == "error"
    assert ex.content["ename"] == "SyntaxError"
    tb = _traceback(ex)
    assert "y_bad = = 2" in tb, tb
    assert re.search(r"line 2\b", tb), tb
    # Nothing of a cell that does not compile runs.
    assert kernel.execute("x_ok").content["ename"] == "NameError"


def test_indentation_error(kernel):
    ex = kernel.execute("if True:\nprint('x')\n")
    assert ex.status == "error"
    assert ex.content["ename"] == "IndentationError"


@pytest.mark.parametrize(
    "code, ename, evalue",
    [
        ("import sys\nsys.exit(3)", "SystemExit", "3"),
        ("raise SystemExit('bye')", "SystemExit", "bye"),
        ("raise KeyboardInterrupt", "KeyboardInterrupt", ""),
        ("raise BaseException('base')", "BaseException", "base"),
    ],
)
def test_the_kernel_survives(kernel, code, ename, evalue):
    kernel.ok(f"survivor = {ename!r}")
    ex = kernel.execute(code)
    assert ex.status == "error", ex.describe()
    assert ex.content["ename"] == ename
    assert ex.content["evalue"] == evalue
    assert kernel.is_alive()
    assert kernel.eval_text("survivor") == repr(ename)


def test_error_in_repr_is_reported(kernel):
    code = "class BadRepr:\n    def __repr__(self):\n        raise RuntimeError('repr failed')\nBadRepr()"
    ex = kernel.execute(code)
    # IPython reports the formatter's exception (as an error or on stderr); the kernel goes on.
    assert "repr failed" in ex.all_text(), ex.describe()
    assert kernel.eval_text("1 + 1") == "2"


def test_stop_on_error_aborts_queued_cells(kernel):
    failing = kernel.send_execute("import time\ntime.sleep(0.5)\nraise ValueError('boom')")
    queued = kernel.send_execute("queued_ran = True")
    kernel.collect(failing)
    kernel.collect(queued)
    assert failing.status == "error" and failing.content["ename"] == "ValueError"
    assert queued.status in ("aborted", "error"), queued.describe()
    assert not queued.of_type("execute_input", "execute_result", "stream"), queued.describe()
    time.sleep(0.2)
    assert kernel.execute("queued_ran").content["ename"] == "NameError"


def test_stop_on_error_false_keeps_the_queue(kernel):
    failing = kernel.send_execute("raise ValueError('boom2')", stop_on_error=False)
    queued = kernel.send_execute("queued_ran2 = True")
    kernel.collect(failing)
    kernel.collect(queued)
    assert failing.status == "error"
    assert queued.status == "ok", queued.describe()
    assert kernel.eval_text("queued_ran2") == "True"


# -- what users do without thinking about it ------------------------------------------------------------------


def test_unicode_and_partial_lines(kernel):
    ex = kernel.ok("print('héllo ✓ 漢字')\nprint('no newline', end='')\nprint(' ...continued')")
    assert ex.stdout == "héllo ✓ 漢字\nno newline ...continued\n"


def test_output_order_of_prints_and_displays(kernel):
    ex = kernel.ok("print('a')\ndisplay('b')\nprint('c')\n'd'")
    seq = []
    for r in ex.iopub:
        if r.msg_type == "stream":
            seq.extend(line for line in r.content["text"].splitlines())
        elif r.msg_type in ("display_data", "execute_result"):
            seq.append(r.content["data"]["text/plain"])
    assert seq == ["a", "'b'", "c", "'d'"], ex.describe()


def test_print_from_a_thread(kernel):
    ex = kernel.ok(
        "import threading\n"
        "t = threading.Thread(target=lambda: print('from a thread'))\n"
        "t.start(); t.join()\n"
        "import time; time.sleep(0.2)"
    )
    assert "from a thread" in ex.stdout, ex.describe()


def test_warning_is_shown(kernel):
    ex = kernel.ok("import warnings\nwarnings.warn('careful, e2e')")
    assert "UserWarning: careful, e2e" in ex.stderr, ex.describe()


def test_top_level_await(kernel):
    ex = kernel.ok("import asyncio\nawait asyncio.sleep(0.05)\n'awaited'")
    assert ex.result["text/plain"] == "'awaited'"


def test_main_module_and_pickling_cell_classes(kernel):
    code = (
        "import pickle\n"
        "class Point:\n"
        "    def __init__(self, x):\n"
        "        self.x = x\n"
        "p = pickle.loads(pickle.dumps(Point(5)))\n"
        "(__name__, type(p).__module__, p.x)"
    )
    assert kernel.eval_text(code) == "('__main__', '__main__', 5)"


def test_getsource_of_a_cell_function(kernel):
    kernel.ok("def cell_function(a):\n    # marker comment e2e\n    return a * 2\n")
    ex = kernel.ok("import inspect\nprint(inspect.getsource(cell_function))")
    assert "# marker comment e2e" in ex.stdout, ex.describe()


def test_run_magic(kernel, tmp_path):
    script = tmp_path / "script_e2e.py"
    script.write_text("print('script ran')\nfrom_script = 123\n")
    ex = kernel.ok(f"%run {script}")
    assert "script ran" in ex.stdout
    assert kernel.eval_text("from_script") == "123"


def test_bash_cell_magic(kernel):
    ex = kernel.ok("%%bash\necho $((40 + 2))")
    assert ex.stdout.strip() == "42", ex.describe()


def test_empty_and_comment_only_cells(kernel):
    for code in ("", "   \n", "# just a comment"):
        ex = kernel.ok(code)
        assert ex.result is None and not ex.of_type("stream", "error"), ex.describe()


def test_chained_exception_traceback(kernel):
    ex = kernel.execute(
        "try:\n    {}['missing']\nexcept KeyError as e:\n    raise ValueError('wrapped') from e"
    )
    assert (ex.content["ename"], ex.content["evalue"]) == ("ValueError", "wrapped")
    tb = _traceback(ex)
    assert "KeyError" in tb and "direct cause" in tb, tb


def test_recursion_error_is_survived(kernel):
    ex = kernel.execute("def down(n):\n    return down(n + 1)\ndown(0)")
    assert ex.content["ename"] == "RecursionError", ex.describe()
    assert kernel.eval_text("'alive after recursion'") == "'alive after recursion'"


def test_output_without_trailing_newline_arrives_before_idle(kernel):
    ex = kernel.ok("import sys\nsys.stdout.write('tail-no-newline')")
    assert ex.stdout == "tail-no-newline", ex.describe()


def test_large_output(kernel):
    ex = kernel.ok("print('x' * 5_000_000)", timeout=60)
    assert len(ex.stdout) == 5_000_001 and ex.stdout.endswith("x\n")


def test_many_small_writes_are_fast(kernel):
    t0 = time.monotonic()
    ex = kernel.ok("for i in range(100_000):\n    print(i)", timeout=60)
    elapsed = time.monotonic() - t0
    assert ex.stdout == "".join(f"{i}\n" for i in range(100_000))
    assert elapsed < 15, f"100k prints took {elapsed:.1f}s"
    assert len(ex.of_type("stream")) < 5000, "streams should be batched, not one message per write"


def test_store_history_false(kernel, is_reference):
    if not is_reference:
        # xeus 2.4.1's interpreter counts every non-silent execution and keeps the counter private;
        # documented in the README's known limits.
        pytest.xfail("xeus 2.4.1 advances execution_count for store_history=False")
    before = kernel.ok("'counted'").execution_count
    ex = kernel.ok("'not stored'", store_history=False)
    after = kernel.ok("'counted again'").execution_count
    assert after == before + 1, (before, ex.execution_count, after)


def test_future_imports_persist_across_cells(kernel):
    kernel.ok("from __future__ import annotations")
    kernel.ok("def annotated(x: NotDefinedAnywhere) -> AlsoNotDefined:\n    return x")
    assert kernel.eval_text("annotated.__annotations__['x']") == "'NotDefinedAnywhere'"


def test_working_directory_and_local_imports(kernel):
    """The kernel starts in the directory the front end asks for (the notebook's), and modules there import."""
    cwd = kernel.eval_text("import os\nos.getcwd()").strip("'")
    with open(os.path.join(cwd, "local_helper_e2e.py"), "w") as f:
        f.write("VALUE = 'imported from the notebook directory'\n")
    assert kernel.eval_text("import local_helper_e2e\nlocal_helper_e2e.VALUE") == \
        "'imported from the notebook directory'"


def test_autoreload_extension(kernel):
    kernel.ok("%load_ext autoreload\n%autoreload 2")
    assert kernel.eval_text("'autoreload on'") == "'autoreload on'"


def test_figure_as_last_expression_and_svg(kernel):
    kernel.ok("%matplotlib inline", timeout=90)
    ex = kernel.ok("import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.plot([3, 1, 2])\nfig", timeout=60)
    assert "image/png" in ex.result, ex.describe()
    kernel.ok("%config InlineBackend.figure_formats = ['svg']")
    try:
        ex = kernel.ok("plt.plot([1, 2, 3])\nplt.show()", timeout=60)
        svgs = [d["data"]["image/svg+xml"] for d in ex.displays if "image/svg+xml" in d["data"]]
        assert svgs and "<svg" in svgs[0], ex.describe()
    finally:
        kernel.ok("%config InlineBackend.figure_formats = ['png']")


def test_pdb_uses_stdin(kernel):
    """pdb in a cell talks through input_request, like every other input."""
    answers = iter(["p secret * 2", "c"])
    ex = kernel.execute("secret = 21\nimport pdb; pdb.set_trace()\nafter_pdb = secret + 1", allow_stdin=True,
                        stdin_handler=lambda req: next(answers, "c"), timeout=30)
    assert ex.status == "ok", ex.describe()
    assert "42" in ex.stdout, ex.describe()
    assert kernel.eval_text("after_pdb") == "22"


def test_exception_with_unicode_message(kernel):
    ex = kernel.execute("raise ValueError('ünïcödé ✓ 漢字')")
    assert (ex.content["ename"], ex.content["evalue"]) == ("ValueError", "ünïcödé ✓ 漢字")


def test_exception_whose_str_fails(kernel):
    ex = kernel.execute(
        "class Nasty(Exception):\n    def __str__(self):\n        raise RuntimeError('no str for you')\n"
        "raise Nasty()"
    )
    # ipykernel reports the RuntimeError raised while formatting; either is fair. What a user needs: an error
    # shown in the cell (iopub `error`, which is what front ends display) and a kernel that goes on.
    assert ex.status == "error" and ex.content["ename"] in ("Nasty", "RuntimeError"), ex.describe()
    assert ex.error is not None, f"no error message on iopub: the user sees nothing\n{ex.describe()}"
    assert "suspendable_kernel" not in _traceback(ex), _traceback(ex)
    assert kernel.eval_text("'survived'") == "'survived'"


def test_subprocess_with_sys_executable(kernel):
    ex = kernel.ok("import subprocess, sys\n"
                   "subprocess.run([sys.executable, '-c', 'import sys; print(sys.version_info[:2])'],\n"
                   "               capture_output=True, text=True, check=True).stdout")
    assert ex.result["text/plain"] == "'(3, 11)\\n'"


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_multiprocessing_pool(kernel, method):
    ex = kernel.ok(
        "import multiprocessing\n"
        f"with multiprocessing.get_context('{method}').Pool(2) as pool:\n"
        "    squares = pool.map(abs, [-1, -2, -3])\n"
        "squares",
        timeout=60,
    )
    assert ex.result["text/plain"] == "[1, 2, 3]"
    assert kernel.eval_text("'parent fine'") == "'parent fine'"


def test_a_forked_child_dies_of_sigterm(kernel):
    # A child forked by a cell is not a kernel: the kernel's SIGTERM/SIGHUP/SIGUSR1 handlers must not
    # follow it (multiprocessing's Pool.terminate() sends SIGTERM and then waits for the worker).
    ex = kernel.ok(
        "import multiprocessing, time\n"
        "p = multiprocessing.get_context('fork').Process(target=time.sleep, args=(60,))\n"
        "p.start(); time.sleep(0.3)\n"
        "p.terminate(); p.join(10)\n"
        "p.exitcode",
        timeout=60,
    )
    assert ex.result["text/plain"] == "-15", ex.describe()
