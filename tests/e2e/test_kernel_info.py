"""kernel_info, the kernelspec as installed, and the interpreter the kernel embeds."""

import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

import harness


def test_kernel_info_reply(kernel):
    info = kernel.request("kernel_info_request", {})
    assert info["status"] == "ok"
    major, minor = (int(x) for x in info["protocol_version"].split(".")[:2])
    assert major == 5 and minor >= 3, info["protocol_version"]
    assert info["implementation"], info
    assert info["implementation_version"], info
    assert info["banner"], info
    lang = info["language_info"]
    assert lang["name"] == "python"
    assert lang["version"].startswith("3.11."), lang
    assert lang["mimetype"] == "text/x-python"
    assert lang["file_extension"] == ".py"
    # What makes notebooks highlight %magics: IPython's lexer and codemirror mode.
    assert lang.get("pygments_lexer") == "ipython3", lang
    codemirror = lang.get("codemirror_mode")
    assert codemirror in ({"name": "ipython", "version": 3}, "ipython"), lang


def test_kernel_info_on_control_channel(kernel):
    # Front ends (JupyterLab) ask on control too, and it must be answered quickly.
    info = kernel.request("kernel_info_request", {}, channel="control", timeout=10)
    assert info["status"] == "ok"
    assert info["language_info"]["name"] == "python"


def test_embedded_interpreter(kernel):
    text = kernel.eval_text(
        "import sys, os\n"
        "(sys.version_info[:2], os.path.realpath(sys.executable), sys.implementation.name)"
    )
    assert text == "((3, 11), '/usr/bin/python3.11', 'cpython')", text


def test_execute_request_status_brackets(kernel):
    ex = kernel.ok("1 + 1")
    kinds = [r.msg_type for r in ex.iopub]
    states = [r.content["execution_state"] for r in ex.iopub if r.msg_type == "status"]
    assert states[0] == "busy" and states[-1] == "idle", kinds
    assert kinds[0] == "status" and kinds[-1] == "status", kinds
    inputs = ex.of_type("execute_input")
    assert len(inputs) == 1 and inputs[0].content["code"] == "1 + 1", kinds
    assert inputs[0].content["execution_count"] == ex.execution_count
    assert ex.result == {"text/plain": "2"} or ex.result["text/plain"] == "2"


def _png_size(path: Path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_installed_kernelspec(kernel_name, jupyter_env):
    if kernel_name != harness.SUSPENDABLE_KERNEL:
        pytest.skip("kernelspec layout is checked for python-suspendable only")
    out = subprocess.run(
        ["/usr/bin/python3", "-m", "jupyter", "kernelspec", "list", "--json"],
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout
    specs = json.loads(out)["kernelspecs"]
    assert kernel_name in specs, sorted(specs)
    entry = specs[kernel_name]
    resource_dir = Path(entry["resource_dir"])
    assert resource_dir == Path(jupyter_env["root"]) / "prefix/share/jupyter/kernels" / kernel_name
    spec = entry["spec"]
    assert spec["display_name"] == "Python (suspendable)"
    assert spec["language"] == "python"
    assert spec.get("interrupt_mode") == "signal"
    argv = spec["argv"]
    assert os.path.isabs(argv[0]) and os.path.samefile(argv[0], jupyter_env["binary"]), argv
    assert argv[1:] == ["kernel", "-f", "{connection_file}"], argv
    assert _png_size(resource_dir / "logo-32x32.png") == (32, 32)
    assert _png_size(resource_dir / "logo-64x64.png") == (64, 64)


def test_jupyter_client_blocking_client(kernel):
    """jupyter_client's own BlockingKernelClient (what jupyter console and many tools use) works too.

    `km.client()` shares the KernelManager's Session, so this second client connects to the kernel's ROUTER
    sockets with the same identity as the test's own front end - just like a notebook server reconnecting a
    websocket. ipykernel sets ZMQ_ROUTER_HANDOVER on shell, control and stdin for exactly this; without it
    the new connection is refused and the client never gets a reply (xeus 2.4 and xpython do not set it)."""
    kc = kernel.km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=30)
        outputs = []
        reply = kc.execute_interactive(
            "print('via execute_interactive')\n21 * 2",
            timeout=30,
            output_hook=lambda msg: outputs.append(msg),
        )
        assert reply["content"]["status"] == "ok"
        kinds = {m["header"]["msg_type"]: m["content"] for m in outputs}
        assert kinds["stream"]["text"] == "via execute_interactive\n"
        assert kinds["execute_result"]["data"]["text/plain"] == "42"
    finally:
        kc.stop_channels()
