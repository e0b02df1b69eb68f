"""`suspendable run` and `suspendable resume` inside Debian's python3.11 itself.

The command line executes ``/usr/bin/python3.11 -P -c BOOTSTRAP PKG_DIR EXT_DIR FUNCTION OPTIONS FIRST
[ARGS...]``: the program then runs at exactly that interpreter's speed (the binary's embedded
libpython is linked differently and runs pure-Python code up to ~15% slower), with the frame engine
and the file format loaded as extension modules from EXT_DIR. The signals that request a suspend
arrive blocked (the mask survives exec) and are unblocked once their handlers are installed.
"""

import json
import os
import signal
import sys


def main(argv):
    function, options, first, rest = argv[0], json.loads(argv[1]), argv[2], argv[3:]
    from . import session

    flags = {"skip_unsaveable": options["skip_unsaveable"], "bundle_modules": options["bundle_modules"]}
    if function == "run":
        sys.argv[:] = [first] + rest
        status = session.run_script(first, options["snapshot"], options["signals"], options["timeout"], flags)
    else:
        sys.argv[:] = [first]  # replaced by the snapshot's sys.argv
        status = session.resume_snapshot(first, options["snapshot"], options["signals"], options["timeout"], flags)
    # A request arriving while the interpreter shuts down is moot.
    signal.pthread_sigmask(signal.SIG_BLOCK, options["signals"])
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
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
