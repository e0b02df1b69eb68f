"""Comms with an ipykernel-compatible API (ipywidgets 6 does `from ipykernel.comm import Comm` and
uses `get_ipython().kernel.comm_manager`). Messages travel through xeus' comm manager in C++."""
import importlib
import importlib.abc
import importlib.util
import json
import sys
import uuid

import _suspendable_kernel

from .jsonable import clean


def _dumps(obj):
    return json.dumps(clean(obj if obj is not None else {}))


class Comm:
    """A comm opened by the kernel (or adopted from a front end's comm_open)."""

    def __init__(self, target_name="", data=None, metadata=None, buffers=None, comm_id=None,
                 primary=True, target_module=None, topic=None, _open_data=None, _close_data=None, **kwargs):
        self.comm_id = comm_id or uuid.uuid4().hex
        self.target_name = target_name
        self.target_module = target_module
        self.primary = primary
        self.kernel = kernel_proxy()
        self._msg_callback = None
        self._close_callback = None
        self._closed = True
        if primary:
            self.open(data=data, metadata=metadata, buffers=buffers)
        else:
            self._closed = False

    def open(self, data=None, metadata=None, buffers=None):
        manager().register_comm(self)
        _suspendable_kernel.comm_open(self.target_name, self.comm_id, _dumps(data), _dumps(metadata),
                                      list(buffers or []))
        self._closed = False

    def send(self, data=None, metadata=None, buffers=None):
        if self._closed:
            return
        _suspendable_kernel.comm_send(self.comm_id, _dumps(data), _dumps(metadata), list(buffers or []))

    def close(self, data=None, metadata=None, buffers=None, deleting=False):
        if self._closed:
            return
        self._closed = True
        _suspendable_kernel.comm_close(self.comm_id, _dumps(data), _dumps(metadata), list(buffers or []))
        manager().unregister_comm(self)

    def on_msg(self, callback):
        self._msg_callback = callback

    def on_close(self, callback):
        self._close_callback = callback

    def handle_msg(self, msg):
        if self._msg_callback is not None:
            self._msg_callback(msg)

    def handle_close(self, msg):
        self._closed = True
        if self._close_callback is not None:
            self._close_callback(msg)


class CommManager:
    def __init__(self):
        self.comms = {}
        self.targets = {}

    def register_target(self, target_name, f):
        if isinstance(f, str):
            module, _, name = f.rpartition(".")
            f = getattr(importlib.import_module(module), name)
        self.targets[target_name] = f
        _suspendable_kernel.comm_register_target(target_name)

    def unregister_target(self, target_name, f=None):
        _suspendable_kernel.comm_unregister_target(target_name)
        return self.targets.pop(target_name, None)

    def register_comm(self, comm):
        self.comms[comm.comm_id] = comm
        return comm.comm_id

    def unregister_comm(self, comm):
        return self.comms.pop(comm.comm_id, None)

    def get_comm(self, comm_id):
        return self.comms.get(comm_id)

    # Called from C++ (comm_bridge) for messages the front end sent.
    def dispatch(self, event, comm_id, target, message_json, buffers):
        msg = json.loads(message_json)
        msg["buffers"] = [memoryview(b) for b in buffers]
        msg["msg_type"] = msg.get("header", {}).get("msg_type")
        msg["msg_id"] = msg.get("header", {}).get("msg_id")
        if event == "open":
            callback = self.targets.get(target)
            comm = Comm(target_name=target, comm_id=comm_id, primary=False)
            self.register_comm(comm)
            if callback is None:
                comm.close()
                return
            try:
                callback(comm, msg)
            except Exception:
                comm.close()
                raise
        elif event == "msg":
            comm = self.get_comm(comm_id)
            if comm is not None:
                comm.handle_msg(msg)
        elif event == "close":
            comm = self.comms.pop(comm_id, None)
            if comm is not None:
                comm.handle_close(msg)


class _KernelProxy:
    """What `get_ipython().kernel` offers to libraries written for ipykernel."""

    def __init__(self):
        self.comm_manager = CommManager()

    def get_parent(self, channel="shell"):
        return {"header": json.loads(_suspendable_kernel.parent_header() or "{}")}


_proxy = None


def kernel_proxy():
    global _proxy
    if _proxy is None:
        _proxy = _KernelProxy()
    return _proxy


def manager():
    return kernel_proxy().comm_manager


class _IpykernelCommFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves `ipykernel.comm` from this module so widgets bind to our Comm; the rest of ipykernel (if
    installed) is imported normally."""

    names = ("ipykernel.comm", "ipykernel.comm.comm", "ipykernel.comm.manager")

    def find_spec(self, fullname, path, target=None):
        if fullname in self.names:
            return importlib.util.spec_from_loader(fullname, self, is_package=fullname == "ipykernel.comm")
        return None

    def create_module(self, spec):
        return sys.modules[__name__]

    def exec_module(self, module):
        pass


def install():
    sys.meta_path.insert(0, _IpykernelCommFinder())
    _suspendable_kernel.set_comm_dispatcher(manager().dispatch)
