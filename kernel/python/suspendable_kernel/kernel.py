"""Request handlers of the kernel, called from C++ through call_json(name, args_json): JSON in,
JSON out, one function per request type."""
import json
import os
import sys
import traceback

from IPython.core.completer import provisionalcompleter, rectify_completions
from IPython.utils.tokenutil import line_at_cursor, token_at_cursor

import _suspendable_kernel

from . import comms, execution, shell as shell_module, stdin, streams, suspension

_shell = None


def call_json(name, args_json):
    try:
        reply = _HANDLERS[name](*json.loads(args_json))
    except BaseException as e:  # a handler failure must still produce a reply
        reply = {"status": "error", "ename": type(e).__name__, "evalue": str(e),
                 "traceback": traceback.format_exception(e)}
    return json.dumps(reply, default=repr)


def start():
    global _shell
    # As in ipykernel: figures show inline without %matplotlib inline.
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    # Modules next to the notebook are importable, as in every Python kernel (after our own packages,
    # which a user's file must not shadow).
    if "" not in sys.path:
        sys.path.insert(1, "")
    streams.install()
    comms.install()
    _shell = shell_module.create()
    suspension.install(_shell)
    suspension.restore_at_start()
    return {"status": "ok"}


def kernel_info():
    from suspendable import __version__

    v = sys.version_info
    return {
        "status": "ok",
        "implementation": "suspendable",
        "implementation_version": __version__,
        "language_info": {
            "name": "python",
            "version": f"{v.major}.{v.minor}.{v.micro}",
            "mimetype": "text/x-python",
            "codemirror_mode": {"name": "ipython", "version": 3},
            "pygments_lexer": "ipython3",
            "nbconvert_exporter": "python",
            "file_extension": ".py",
        },
        "banner": f"Python {sys.version.split()[0]} (suspendable {__version__}): "
                  "cells can be suspended and resumed later, anywhere.\n",
        "help_links": [
            {"text": "Python Reference", "url": f"https://docs.python.org/{v.major}.{v.minor}"},
            {"text": "IPython Reference", "url": "https://ipython.readthedocs.io/en/stable/"},
            {"text": "Suspend and resume cells (%suspend, %resume, %sessions)",
             "url": "https://github.com/suspendable/suspendable#using-it"},
        ],
        # Front ends detect the capability here: suspend_request on control, the magics, SIGUSR1.
        "suspendable": {"version": __version__, "suspend_request": True, "signal": "SIGUSR1",
                        "magics": ["%suspend", "%resume", "%sessions", "%checkpoint", "%autocheckpoint"]},
        "debugger": False,
    }


def execute(code, count, silent, store_history, user_expressions, allow_stdin):
    stdin.enable(allow_stdin)
    hello = suspension.greeting()
    if hello and not silent:
        sys.stdout.write(hello)
    ok = execution.run_cell(_shell, code, count, silent, store_history)
    for stream in (sys.__stdout__, sys.__stderr__):  # Python-level writes to fds 1 and 2
        if stream is not None:
            stream.flush()
    payload = _shell.payload_manager.read_payload()
    _shell.payload_manager.clear_payload()
    if ok == execution.SUSPENDED:
        # Not an error: the cell stopped on request. Cells queued behind it do not run; the %suspend
        # (and %resume, %sessions) cells do.
        info = suspension.announce_suspended()
        _suspendable_kernel.abort_queued_cells()
        return {"status": "aborted", "suspended": info, "payload": payload, "user_expressions": {}}
    if ok:
        reply = {"status": "ok", "payload": payload}
    else:
        ename, evalue, tb = _shell.last_error or ("Error", "", [])
        reply = {"status": "error", "ename": ename, "evalue": evalue, "traceback": tb, "payload": payload}
    reply["user_expressions"] = _shell.user_expressions(user_expressions or {}) if ok else {}
    return reply


def complete(code, cursor_pos):
    if cursor_pos is None or cursor_pos < 0:
        cursor_pos = len(code)
    try:
        with provisionalcompleter():
            raw = list(_shell.Completer.completions(code, cursor_pos))
            completions = list(rectify_completions(code, raw))
        matches = [c.text for c in completions]
        start = completions[0].start if completions else cursor_pos
        end = completions[0].end if completions else cursor_pos
        types = [{"start": c.start, "end": c.end, "text": c.text, "type": c.type,
                  "signature": c.signature} for c in completions]
        return {"status": "ok", "matches": matches, "cursor_start": start, "cursor_end": end,
                "metadata": {"_jupyter_types_experimental": types}}
    except Exception:
        line, offset = line_at_cursor(code, cursor_pos)
        text, matches = _shell.complete("", line, cursor_pos - offset)
        return {"status": "ok", "matches": matches, "cursor_start": cursor_pos - len(text),
                "cursor_end": cursor_pos, "metadata": {}}


def inspect(code, cursor_pos, detail_level):
    if cursor_pos is None or cursor_pos < 0:
        cursor_pos = len(code)
    name = token_at_cursor(code, cursor_pos)
    try:
        bundle = _shell.object_inspect_mime(name, detail_level=detail_level)
    except KeyError:
        return {"status": "ok", "found": False, "data": {}, "metadata": {}}
    if not _shell.enable_html_pager:
        bundle.pop("text/html", None)
    return {"status": "ok", "found": True, "data": bundle, "metadata": {}}


def is_complete(code):
    status, indent = _shell.input_transformer_manager.check_complete(code)
    reply = {"status": status}
    if status == "incomplete":
        reply["indent"] = " " * (indent or 0)
    return reply


def _history(entries):
    return {"status": "ok", "history": [list(e) for e in entries]}


def history_tail(n, raw, output):
    return _history(_shell.history_manager.get_tail(n, raw=raw, output=output, include_latest=True))


def history_range(session, start, stop, raw, output):
    return _history(_shell.history_manager.get_range(session, start, stop, raw=raw, output=output))


def history_search(pattern, raw, output, n, unique):
    return _history(_shell.history_manager.search(pattern, raw=raw, output=output, n=n, unique=unique))


def suspend_idle(request_json):
    suspension.suspend_idle(json.loads(request_json))
    return {"status": "ok"}


def shutdown():
    try:
        suspension.autosave_at_exit()
    except Exception as e:  # noqa: BLE001 - never block the exit; say why in the kernel's log
        sys.__stderr__.write(f"suspendable kernel: the session was not saved at shutdown: {e}\n")
    if _shell is not None:
        _shell.history_manager.end_session()
        _shell.history_manager.writeout_cache()
        if _shell.history_manager.save_thread is not None:
            _shell.history_manager.save_thread.stop()
    return {"status": "ok"}


def autosave_interrupted():
    try:
        suspension.autosave_interrupted()
    except Exception as e:  # noqa: BLE001 - the process exits next; say why in the kernel's log
        sys.__stderr__.write(f"suspendable kernel: the interrupted session was not saved: {e}\n")
    return {"status": "ok"}


_HANDLERS = {f.__name__: f for f in (start, kernel_info, execute, complete, inspect, is_complete, history_tail,
                                     history_range, history_search, suspend_idle, shutdown, autosave_interrupted)}
