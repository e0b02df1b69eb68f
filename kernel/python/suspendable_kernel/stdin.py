"""input() and getpass() through the Jupyter stdin channel."""
import builtins
import getpass

import _suspendable_kernel
from IPython.core.error import StdinNotImplementedError

_original_input = builtins.input
_original_getpass = getpass.getpass


def _refuse(*args, **kwargs):
    raise StdinNotImplementedError("input was called, but this frontend does not support input requests.")


def _input(prompt=""):
    return _suspendable_kernel.input_request(str(prompt), False)


def _getpass(prompt="Password: ", stream=None):
    return _suspendable_kernel.input_request(str(prompt), True)


def enable(allowed):
    """Route input()/getpass() for the next execution; `allowed` is the request's allow_stdin."""
    builtins.input = _input if allowed else _refuse
    getpass.getpass = _getpass if allowed else _refuse
