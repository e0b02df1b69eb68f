"""The IPython shell inside the kernel: magics, input transformers, rich display, history, completion
and introspection all come from IPython; what reaches the front end goes through _suspendable_kernel."""
import json
import sys
import warnings

import _suspendable_kernel
from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.core import page, payloadpage
from traitlets import Any, Type

from . import comms
from .jsonable import clean, clean_bundle


def _safe_str(obj):
    """str() of an exception whose __str__ may itself raise (the kernel must still report it)."""
    try:
        return str(obj)
    except BaseException:  # noqa: BLE001
        return f"<exception str() failed: {type(obj).__name__}>"


class KernelDisplayHook(DisplayHook):
    """The last expression of a cell becomes an execute_result (IPython still updates _, __, Out)."""

    quiet_cell = False

    def quiet(self):
        # IPython looks at the last *history* entry for a trailing ';', which is wrong for cells that are
        # not stored; the cell runner decides per cell instead.
        return self.quiet_cell

    def start_displayhook(self):
        self._bundle = ({}, {})

    def write_output_prompt(self):
        pass

    def write_format_data(self, format_dict, md_dict=None):
        self._bundle = (format_dict, md_dict or {})

    def finish_displayhook(self):
        data, metadata = self._bundle
        if data:
            _suspendable_kernel.execute_result(self.prompt_count, json.dumps(clean_bundle(data)),
                                               json.dumps(clean(metadata)))


class KernelDisplayPublisher(DisplayPublisher):
    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
        _suspendable_kernel.display_data(json.dumps(clean_bundle(data)), json.dumps(clean(metadata or {})),
                                         json.dumps(clean(transient or {})), bool(update))

    def clear_output(self, wait=False):
        _suspendable_kernel.clear_output(bool(wait))


class KernelShell(InteractiveShell):
    displayhook_class = Type(KernelDisplayHook)
    display_pub_class = Type(KernelDisplayPublisher)
    # ipywidgets and other ipykernel-era libraries look for get_ipython().kernel.comm_manager.
    kernel = Any()

    def init_io(self):
        pass  # the kernel installs its own sys.stdout/sys.stderr

    def enable_gui(self, gui=None):
        if gui not in (None, "inline"):
            warnings.warn(f"GUI event loop {gui!r} is not supported in this kernel; use %matplotlib inline")

    def showtraceback(self, exc_tuple=None, *args, **kwargs):
        etype, evalue, _ = exc_tuple or sys.exc_info()
        if isinstance(evalue, UsageError) and etype is not UsageError:
            # IPython shortens `etype is UsageError` only; the errors of this kernel's magics
            # (SuspendError, a UsageError) are one line as well, named as they are.
            self._showtraceback(etype, evalue, [f"{etype.__name__}: {evalue}"])
            return
        super().showtraceback(exc_tuple, *args, **kwargs)

    def _showtraceback(self, etype, evalue, stb):
        sys.stdout.flush()
        sys.stderr.flush()
        self.last_error = (getattr(etype, "__name__", repr(etype)), _safe_str(evalue), [str(s) for s in stb])
        _suspendable_kernel.execution_error(self.last_error[0], self.last_error[1], self.last_error[2])

    def ask_exit(self):
        # exit()/quit(): the front end decides (jupyter console quits, the notebook ignores it).
        self.payload_manager.write_payload({"source": "ask_exit", "keepkernel": self.keepkernel_on_exit})

    keepkernel_on_exit = None

    def set_next_input(self, text, replace=False):
        self.payload_manager.write_payload({"source": "set_next_input", "text": text, "replace": replace})


def create():
    """The shell for the embedded interpreter. User code runs in the real __main__ namespace, so
    classes and functions defined in cells belong to __main__ as in a script."""
    main = sys.modules["__main__"]
    shell = KernelShell.instance(user_module=main)
    shell.kernel = comms.kernel_proxy()
    shell.set_hook("show_in_pager", page.as_hook(payloadpage.page), 99)
    shell.history_manager.db_cache_size = 0  # write every input: history must survive a kill
    return shell
