"""Every notebooks/*.ipynb runs top to bottom on the kernel under test (nbclient, as `jupyter nbconvert
--execute` does) and shows what its cells promise.

Convention for demo notebooks (cell metadata, all optional):
  "expect":       a string or list of strings; each must occur in the cell's output text (stream text,
                  text/plain, text/html, text/markdown of results and displays, and for errors
                  "ename: evalue" plus the traceback, ANSI colours removed)
  "expect_mime":  a MIME type or list of them; each must be the type of some output of the cell
  "expect_ename": for a cell tagged "raises-exception": the exception name it must raise
Tag "widget": the cell needs ipywidgets. Bookworm's nbclient 0.7.2 crashes on the comm_open of Debian's
ipywidgets 6.0 (it reads data["state"], widget protocol 2; ipywidgets 6 speaks protocol 1), so the
`jupyter nbconvert --execute` command-line test runs the notebook without its "widget" cells; the nbclient test
runs every cell with a client that accepts both protocols.
A notebook that uses the suspension magics (%suspend, %resume, %checkpoint, %autocheckpoint, %sessions,
%migrate) or `import suspendable` runs only on python-suspendable (skipped on the reference kernels).
Every code cell not tagged "raises-exception" must run without error, and a cell tagged "raises-exception"
must raise. The notebook's kernelspec metadata must name python-suspendable.
"""

import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from harness import REPO, strip_ansi

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
TEXT_MIMES = ("text/plain", "text/html", "text/markdown", "text/latex")
SUSPENSION = re.compile(r"^\s*(%(suspend|resume|checkpoint|autocheckpoint|sessions|migrate)\b|import suspendable\b"
                        r"|from suspendable\b)", re.M)


def needs_suspension(nb) -> bool:
    return any(c.cell_type == "code" and SUSPENSION.search(c.source) for c in nb.cells)


def _as_list(value):
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def cell_text(cell) -> str:
    parts = []
    for out in cell.get("outputs", []):
        kind = out["output_type"]
        if kind == "stream":
            parts.append(out["text"])
        elif kind in ("execute_result", "display_data"):
            for mime in TEXT_MIMES:
                if mime in out["data"]:
                    parts.append(str(out["data"][mime]))
        elif kind == "error":
            parts.append(f"{out['ename']}: {out['evalue']}")
            parts.append("\n".join(out["traceback"]))
    return strip_ansi("\n".join(parts))


def cell_mimes(cell) -> set:
    mimes = set()
    for out in cell.get("outputs", []):
        mimes.update(out.get("data", {}).keys())
    return mimes


def check_outputs(nb) -> list:
    problems = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        where = f"cell {index} ({cell.source.splitlines()[0] if cell.source else ''!r})"
        meta = cell.metadata
        errors = [o for o in cell.outputs if o["output_type"] == "error"]
        raises = "raises-exception" in meta.get("tags", [])
        if raises and not errors:
            problems.append(f"{where}: tagged raises-exception but raised nothing")
        if not raises and errors:
            problems.append(f"{where}: raised {errors[0]['ename']}: {errors[0]['evalue']}")
        if "expect_ename" in meta and (not errors or errors[0]["ename"] != meta["expect_ename"]):
            problems.append(f"{where}: expected {meta['expect_ename']}, got {[e['ename'] for e in errors]}")
        if cell.execution_count is None:
            problems.append(f"{where}: not executed")
        text = cell_text(cell)
        for wanted in _as_list(meta.get("expect")):
            if wanted not in text:
                problems.append(f"{where}: {wanted!r} not in output:\n{text[:2000]}")
        mimes = cell_mimes(cell)
        for mime in _as_list(meta.get("expect_mime")):
            if mime not in mimes:
                problems.append(f"{where}: no {mime} output (have {sorted(mimes)})")
    return problems


@pytest.fixture
def workdir(tmp_path):
    """Notebooks run in a copy of notebooks/, so files they write stay out of the checkout."""
    dest = tmp_path / "notebooks"
    shutil.copytree(REPO / "notebooks", dest)
    return dest


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no .ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_valid(path):
    nb = nbformat.read(str(path), as_version=4)
    nbformat.validate(nb)
    assert nb.nbformat == 4
    assert nb.metadata["kernelspec"]["name"] == "python-suspendable"
    assert nb.metadata["kernelspec"]["display_name"] == "Python (suspendable)"
    # Demo notebooks are committed without outputs.
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"{path.name} has stored outputs"


class Protocol1TolerantClient(NotebookClient):
    """nbclient 0.7.2 assumes widget protocol 2 (state under data["state"]) for every jupyter.widget
    comm_open; Debian's ipywidgets 6.0 sends the state as the data (protocol 1). Wrap it in that form."""

    def on_comm_open_jupyter_widget(self, msg):
        data = msg["content"]["data"]
        if "state" not in data:
            msg = {**msg, "content": {**msg["content"], "data": {"state": data, "buffer_paths": []}}}
        return super().on_comm_open_jupyter_widget(msg)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path, kernel_name, workdir):
    nb = nbformat.read(str(path), as_version=4)
    if kernel_name != "python-suspendable" and needs_suspension(nb):
        pytest.skip(f"{path.name} uses suspension; kernel {kernel_name} has none")
    client = Protocol1TolerantClient(
        nb,
        kernel_name=kernel_name,
        timeout=120,
        startup_timeout=60,
        resources={"metadata": {"path": str(workdir)}},
    )
    client.execute()
    problems = check_outputs(nb)
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


def test_nbconvert_execute_command(kernel_name, workdir):
    """The command a user types: jupyter nbconvert --to notebook --execute."""
    nb = nbformat.read(str(NOTEBOOKS[0]), as_version=4)
    nb.cells = [c for c in nb.cells if "widget" not in c.metadata.get("tags", [])]
    source = workdir / "no-widgets.ipynb"
    nbformat.write(nb, str(source))
    result = subprocess.run(
        ["/usr/bin/python3", "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
         f"--ExecutePreprocessor.kernel_name={kernel_name}", "--ExecutePreprocessor.timeout=120",
         "--output", "executed.ipynb", str(source)],
        capture_output=True, text=True, timeout=300, cwd=workdir,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    nb = nbformat.read(str(workdir / "executed.ipynb"), as_version=4)
    assert nb.metadata["language_info"]["version"].startswith("3.11.")
    problems = check_outputs(nb)
    assert not problems, "\n".join(problems)
