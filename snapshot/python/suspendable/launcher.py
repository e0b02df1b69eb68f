"""`suspendable run` and `suspendable resume` inside Debian's python3.11 itself.

The command line executes ``/usr/bin/python3.11 -P -c BOOTSTRAP PKG_DIR EXT_DIR FUNCTION SNAPSHOT
SIGNALS TIMEOUT FLAGS FIRST [ARGS...]``: the program then runs at exactly that interpreter's speed (the binary's embedded
libpython is linked differently and runs pure-Python code up to ~15% slower), with the frame engine
and the file format loaded as extension modules from EXT_DIR. The signals that request a suspend
arrive blocked (the mask survives exec) and are unblocked once their handlers are installed.

Everything a script does not import itself costs it start-up time, so this module and the session
it starts import only what python3.11 has already imported at that point (no json, re, enum).
"""

import _signal
import os
import sys


def main(argv):
    function, snapshot, signals, timeout, flag_names, first, rest = *argv[:6], argv[6:]
    signals = [int(s) for s in signals.split(",") if s]
    timeout = float(timeout)
    flags = {name: name in flag_names.split(",") for name in ("skip_unsaveable", "bundle_modules")}
    from . import session

    if function == "run":
        sys.argv[:] = [first] + rest
        status = session.run_script(first, snapshot, signals, timeout, flags)
    else:
        sys.argv[:] = [first]  # replaced by the snapshot's sys.argv
        status = session.resume_snapshot(first, snapshot, signals, timeout, flags)
    # A request arriving while the interpreter shuts down is moot.
    _signal.pthread_sigmask(_signal.SIG_BLOCK, signals)
    if status < 0:
        _die_by_signal(-status)
    raise SystemExit(status)


def _die_by_signal(signum):
    """As python3.11 ends after an uncaught KeyboardInterrupt: exit handlers, then the signal itself."""
    import atexit
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001
            pass
    _signal.signal(signum, _signal.SIG_DFL)
    os.kill(os.getpid(), signum)
