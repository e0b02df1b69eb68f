"""A small Jupyter front end for the end-to-end tests and the benchmark.

Kernels are started exactly as a notebook server starts them: `jupyter_client.KernelManager` resolves the
kernelspec by name, launches its argv and writes the connection file. The front end then talks to the kernel
over real ZeroMQ sockets (shell, control, stdin, iopub) with jupyter_client's `Session` (signed messages),
polling all sockets at once so that every message gets an arrival timestamp. Nothing here knows which kernel
implementation it is talking to.

Every wait has a deadline: a broken kernel makes a test fail with a description of what did arrive, never hang.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import zmq
from jupyter_client import KernelManager

REPO = Path(__file__).resolve().parents[2]
DEFAULT_KERNEL = "python-suspendable"
SUSPENDABLE_KERNEL = "python-suspendable"
SYSTEM_JUPYTER_DIR = "/usr/share/jupyter"

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def kernel_under_test() -> str:
    return os.environ.get("SUSPENDABLE_TEST_KERNEL", DEFAULT_KERNEL)


def suspendable_binary() -> Optional[Path]:
    """$SUSPENDABLE_BIN (what ctest passes), else the newest build*/suspendable of the checkout."""
    env = os.environ.get("SUSPENDABLE_BIN")
    if env:
        return Path(env)
    built = [c for c in REPO.glob("build*/suspendable") if c.is_file() and os.access(c, os.X_OK)]
    return max(built, key=lambda c: c.stat().st_mtime) if built else None


# ----------------------------------------------------------------------------------------------------------
# Hermetic environment
# ----------------------------------------------------------------------------------------------------------


def hermetic_environment(root: Path, binary: Optional[Path]) -> Dict[str, str]:
    """Directories under `root` for everything a kernel or front end writes (history, config, runtime files,
    matplotlib cache), and the python-suspendable kernelspec installed into `root/prefix` if `binary` is given.
    Returns the environment variables to set; Debian's system kernelspecs (/usr/share/jupyter) stay reachable."""
    root.mkdir(parents=True, exist_ok=True)
    dirs = {
        "HOME": "home",
        "IPYTHONDIR": "ipython",
        "JUPYTER_CONFIG_DIR": "jupyter-config",
        "JUPYTER_DATA_DIR": "jupyter-data",
        "JUPYTER_RUNTIME_DIR": "jupyter-runtime",
        "MPLCONFIGDIR": "matplotlib",
        "XDG_CONFIG_HOME": "xdg-config",
        "XDG_DATA_HOME": "xdg-data",
        "XDG_CACHE_HOME": "xdg-cache",
        "XDG_STATE_HOME": "xdg-state",
    }
    env = {}
    for var, sub in dirs.items():
        path = root / sub
        path.mkdir(parents=True, exist_ok=True)
        env[var] = str(path)
    prefix = root / "prefix"
    jupyter_path = [str(prefix / "share" / "jupyter"), SYSTEM_JUPYTER_DIR]
    if binary is not None:
        result = subprocess.run(
            [str(binary), "install-kernelspec", "--prefix", str(prefix)],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, **env},
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"{binary} install-kernelspec --prefix {prefix} failed ({result.returncode}):\n"
                f"{result.stdout}\n{result.stderr}"
            )
    env["JUPYTER_PATH"] = os.pathsep.join(jupyter_path)
    env["JUPYTER_PREFER_ENV_PATH"] = "0"
    # ipykernel's debugger prints a "frozen modules" warning to stderr at start; irrelevant to these tests.
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    env["PYTHONNOUSERSITE"] = "1"
    env["TERM"] = "xterm"
    return env


UNSET_VARS = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "JUPYTER_CONFIG_PATH", "MPLBACKEND")


# ----------------------------------------------------------------------------------------------------------
# The front end
# ----------------------------------------------------------------------------------------------------------


class KernelTimeout(AssertionError):
    pass


@dataclass
class Received:
    t: float  # time.monotonic() at arrival
    channel: str
    msg: dict

    @property
    def msg_type(self) -> str:
        return self.msg["header"]["msg_type"]

    @property
    def content(self) -> dict:
        return self.msg["content"]


@dataclass
class Execution:
    code: str
    msg_id: str
    t_sent: float
    aborts_queue: bool = True  # an error reply makes the kernel abort queued requests (stop_on_error, not silent)
    reply: Optional[Received] = None
    iopub: List[Received] = field(default_factory=list)
    stdin: List[Received] = field(default_factory=list)

    # -- convenience views ------------------------------------------------------------------------------
    @property
    def status(self) -> str:
        return self.reply.content["status"]

    @property
    def content(self) -> dict:
        return self.reply.content

    @property
    def execution_count(self):
        return self.reply.content.get("execution_count")

    def of_type(self, *types: str) -> List[Received]:
        return [r for r in self.iopub if r.msg_type in types]

    def stream(self, name: str = "stdout") -> str:
        return "".join(r.content["text"] for r in self.of_type("stream") if r.content["name"] == name)

    @property
    def stdout(self) -> str:
        return self.stream("stdout")

    @property
    def stderr(self) -> str:
        return self.stream("stderr")

    @property
    def result(self) -> Optional[dict]:
        """The data bundle of the execute_result, if any."""
        results = self.of_type("execute_result")
        assert len(results) <= 1, f"more than one execute_result: {results}"
        return results[0].content["data"] if results else None

    @property
    def displays(self) -> List[dict]:
        return [r.content for r in self.of_type("display_data")]

    @property
    def error(self) -> Optional[dict]:
        errors = self.of_type("error")
        return errors[-1].content if errors else None

    def all_text(self) -> str:
        """Everything a user would read: streams, text/plain of results and displays, traceback, payload pages."""
        parts = []
        for r in self.iopub:
            c = r.content
            if r.msg_type == "stream":
                parts.append(c["text"])
            elif r.msg_type in ("execute_result", "display_data", "update_display_data"):
                parts.append(str(c["data"].get("text/plain", "")))
            elif r.msg_type == "error":
                parts.append("\n".join(c.get("traceback", [])))
                parts.append(f"{c.get('ename')}: {c.get('evalue')}")
        if self.reply is not None:
            for p in self.reply.content.get("payload", []) or []:
                data = p.get("data", {})
                parts.append(str(data.get("text/plain", "")) if isinstance(data, dict) else str(data))
        return strip_ansi("\n".join(parts))

    def describe(self) -> str:
        lines = [f"execute {self.code!r} (msg_id {self.msg_id})"]
        if self.reply is None:
            lines.append("  no execute_reply")
        else:
            lines.append(f"  reply after {self.reply.t - self.t_sent:.3f}s: {self.reply.content}")
        for r in self.iopub:
            lines.append(f"  +{r.t - self.t_sent:.3f}s iopub {r.msg_type}: {str(r.content)[:300]}")
        for r in self.stdin:
            lines.append(f"  +{r.t - self.t_sent:.3f}s stdin {r.msg_type}: {r.content}")
        return "\n".join(lines)


class Kernel:
    """One kernel process started from its kernelspec, plus a front end connected to it."""

    def __init__(self, kernel_name: str, startup_timeout: float = 60.0, cwd: Optional[str] = None):
        self.kernel_name = kernel_name
        self.km = KernelManager(kernel_name=kernel_name)
        self.t_launch = time.monotonic()
        kwargs = {"cwd": cwd} if cwd else {}
        self.km.start_kernel(**kwargs)
        self._sockets: Dict[str, zmq.Socket] = {}
        self._connect()
        self.kernel_info = self.wait_ready(startup_timeout)

    # -- sockets ------------------------------------------------------------------------------------------
    def _connect(self) -> None:
        self.session = self.km.session
        ident = self.session.bsession
        self._sockets = {
            "shell": self.km.connect_shell(identity=ident),
            "control": self.km.connect_control(identity=ident),
            "stdin": self.km.connect_stdin(identity=ident),
            "iopub": self.km.connect_iopub(),
        }
        self._poller = zmq.Poller()
        for sock in self._sockets.values():
            self._poller.register(sock, zmq.POLLIN)
        # Messages by parent msg_id, per channel.
        self._inbox: Dict[str, Dict[str, List[Received]]] = {c: {} for c in self._sockets}
        self.unparented: List[Received] = []  # iopub messages without parent (e.g. starting status)

    def _disconnect(self) -> None:
        for sock in self._sockets.values():
            sock.close(linger=0)
        self._sockets = {}

    def send(self, channel: str, msg_type: str, content: dict, metadata: Optional[dict] = None) -> str:
        msg = self.session.msg(msg_type, content, metadata=metadata)
        self.session.send(self._sockets[channel], msg)
        return msg["header"]["msg_id"]

    def pump(self, timeout: float) -> int:
        """Receive whatever arrives within `timeout` seconds (returns at the first batch). Returns how many."""
        n = 0
        events = dict(self._poller.poll(max(0, int(timeout * 1000))))
        for channel, sock in self._sockets.items():
            if sock not in events:
                continue
            while True:
                try:
                    _, msg = self.session.recv(sock, mode=zmq.NOBLOCK)
                except zmq.ZMQError:
                    break
                if msg is None:
                    break
                n += 1
                rec = Received(time.monotonic(), channel, msg)
                parent = (msg.get("parent_header") or {}).get("msg_id")
                if parent:
                    self._inbox[channel].setdefault(parent, []).append(rec)
                else:
                    self.unparented.append(rec)
        return n

    def messages(self, channel: str, parent: str) -> List[Received]:
        return self._inbox[channel].get(parent, [])

    def drain(self, quiet: float = 0.05) -> None:
        """Read everything pending and forget it."""
        while self.pump(quiet):
            pass
        for box in self._inbox.values():
            box.clear()
        self.unparented.clear()

    def _deadline_error(self, what: str, timeout: float, parent: Optional[str] = None) -> KernelTimeout:
        alive = self.km.is_alive()
        seen = []
        if parent:
            for channel in self._inbox:
                for r in self.messages(channel, parent):
                    seen.append(f"  {channel} {r.msg_type}: {str(r.content)[:300]}")
        return KernelTimeout(
            f"{self.kernel_name}: no {what} within {timeout}s (kernel process alive: {alive})\n" + "\n".join(seen)
        )

    # -- generic requests ---------------------------------------------------------------------------------
    def wait_reply(self, channel: str, msg_id: str, timeout: float) -> Received:
        deadline = time.monotonic() + timeout
        while True:
            replies = [r for r in self.messages(channel, msg_id) if r.msg_type.endswith("_reply")]
            if replies:
                return replies[0]
            left = deadline - time.monotonic()
            if left <= 0:
                raise self._deadline_error(f"{channel} reply to {msg_id}", timeout, msg_id)
            self.pump(min(left, 0.5))

    def wait_idle(self, msg_id: str, timeout: float) -> List[Received]:
        deadline = time.monotonic() + timeout
        while True:
            msgs = self.messages("iopub", msg_id)
            if any(r.msg_type == "status" and r.content["execution_state"] == "idle" for r in msgs):
                return msgs
            left = deadline - time.monotonic()
            if left <= 0:
                raise self._deadline_error(f"iopub status idle for {msg_id}", timeout, msg_id)
            self.pump(min(left, 0.5))

    def request(self, msg_type: str, content: dict, channel: str = "shell", timeout: float = 30.0) -> dict:
        """Send a request, return the reply message content (and wait for the iopub idle that brackets it)."""
        msg_id = self.send(channel, msg_type, content)
        reply = self.wait_reply(channel, msg_id, timeout)
        if channel == "shell":
            self.wait_idle(msg_id, timeout)
        return reply.content

    def wait_ready(self, timeout: float) -> dict:
        """Like jupyter_client's wait_for_ready: kernel_info_request until a reply arrives and iopub delivers
        (iopub is a PUB socket: messages sent before our subscription is active are lost)."""
        deadline = time.monotonic() + timeout
        while True:
            if not self.km.is_alive():
                raise AssertionError(f"{self.kernel_name}: kernel process died during start-up")
            msg_id = self.send("shell", "kernel_info_request", {})
            step_end = min(deadline, time.monotonic() + 1.0)
            while time.monotonic() < step_end:
                self.pump(0.05)
                replies = [r for r in self.messages("shell", msg_id) if r.msg_type == "kernel_info_reply"]
                if replies and self.messages("iopub", msg_id):
                    info = replies[0].content
                    self.drain()
                    return info
            if time.monotonic() >= deadline:
                raise KernelTimeout(f"{self.kernel_name}: no kernel_info_reply + iopub within {timeout}s")

    # -- execution ----------------------------------------------------------------------------------------
    def send_execute(
        self,
        code: str,
        silent: bool = False,
        store_history: bool = True,
        allow_stdin: bool = False,
        stop_on_error: bool = True,
        user_expressions: Optional[dict] = None,
    ) -> Execution:
        content = {
            "code": code,
            "silent": silent,
            "store_history": store_history,
            "user_expressions": user_expressions or {},
            "allow_stdin": allow_stdin,
            "stop_on_error": stop_on_error,
        }
        t = time.monotonic()
        msg_id = self.send("shell", "execute_request", content)
        return Execution(code=code, msg_id=msg_id, t_sent=t, aborts_queue=stop_on_error and not silent)

    def collect(
        self,
        ex: Execution,
        timeout: float = 30.0,
        stdin_handler: Optional[Callable[[dict], Optional[str]]] = None,
    ) -> Execution:
        """Wait for the execute_reply and the iopub `idle` of `ex`, answering input_requests with
        `stdin_handler(content) -> str`."""
        deadline = time.monotonic() + timeout
        answered = 0
        while True:
            stdin_msgs = self.messages("stdin", ex.msg_id)
            for r in stdin_msgs[answered:]:
                answered += 1
                if r.msg_type == "input_request" and stdin_handler is not None:
                    value = stdin_handler(r.content)
                    if value is not None:
                        self.send("stdin", "input_reply", {"value": value})
            ex.stdin = list(stdin_msgs)
            ex.iopub = list(self.messages("iopub", ex.msg_id))
            replies = [r for r in self.messages("shell", ex.msg_id) if r.msg_type == "execute_reply"]
            ex.reply = replies[0] if replies else None
            idle = any(r.msg_type == "status" and r.content["execution_state"] == "idle" for r in ex.iopub)
            if ex.reply is not None and idle:
                if ex.status == "error" and ex.aborts_queue:
                    # After a failed cell a kernel aborts the requests already queued. ipykernel ends that
                    # window asynchronously, a moment *after* sending the error reply: a request sent within
                    # microseconds of the reply can still be aborted. A human never types that fast.
                    time.sleep(0.1)
                return ex
            left = deadline - time.monotonic()
            if left <= 0:
                raise KernelTimeout(
                    f"{self.kernel_name}: execution not finished within {timeout}s "
                    f"(kernel process alive: {self.km.is_alive()})\n{ex.describe()}"
                )
            self.pump(min(left, 0.2))

    def execute(self, code: str, timeout: float = 30.0, stdin_handler=None, **kwargs) -> Execution:
        ex = self.send_execute(code, **kwargs)
        return self.collect(ex, timeout=timeout, stdin_handler=stdin_handler)

    def ok(self, code: str, timeout: float = 30.0, **kwargs) -> Execution:
        """Execute and assert the reply is ok (with a readable failure message)."""
        ex = self.execute(code, timeout=timeout, **kwargs)
        assert ex.status == "ok", f"expected status ok\n{ex.describe()}"
        return ex

    def eval_text(self, expr: str, timeout: float = 30.0) -> str:
        """text/plain of evaluating `expr` as the last expression of a cell."""
        ex = self.ok(expr, timeout=timeout)
        assert ex.result is not None, f"no execute_result\n{ex.describe()}"
        return ex.result["text/plain"]

    # -- lifecycle ----------------------------------------------------------------------------------------
    @property
    def pid(self) -> Optional[int]:
        prov = getattr(self.km, "provisioner", None)
        proc = getattr(prov, "process", None)
        return proc.pid if proc is not None else None

    @property
    def process(self):
        prov = getattr(self.km, "provisioner", None)
        return getattr(prov, "process", None)

    def is_alive(self) -> bool:
        return self.km.is_alive()

    def interrupt(self) -> None:
        self.km.interrupt_kernel()

    def restart(self, timeout: float = 60.0) -> dict:
        self._disconnect()
        self.km.restart_kernel(now=False)
        self._connect()
        self.kernel_info = self.wait_ready(timeout)
        return self.kernel_info

    def shutdown_request(self, timeout: float = 10.0) -> Tuple[dict, float, Optional[int]]:
        """What a front end does to stop a kernel: shutdown_request on control, then wait for the process.
        Returns (reply content, seconds until the process exited, exit status)."""
        t0 = time.monotonic()
        msg_id = self.send("control", "shutdown_request", {"restart": False})
        reply = self.wait_reply("control", msg_id, timeout)
        proc = self.process
        status = None
        if proc is not None:
            try:
                status = proc.wait(timeout=max(0.1, timeout - (time.monotonic() - t0)))
            except subprocess.TimeoutExpired:
                status = None
        elapsed = time.monotonic() - t0
        return reply.content, elapsed, status

    def close(self) -> None:
        try:
            if self.km.has_kernel:
                if self.km.is_alive():
                    try:
                        self.km.shutdown_kernel(now=False)
                    except Exception:
                        self.km.shutdown_kernel(now=True)
                else:
                    self.km.shutdown_kernel(now=True)
        finally:
            self._disconnect()
            try:
                self.km.cleanup_resources()
            except Exception:
                pass


def have_kernelspec(name: str) -> bool:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(name)
        return True
    except NoSuchKernel:
        return False


def which_python() -> str:
    return shutil.which("python3", path="/usr/bin") or "/usr/bin/python3"
