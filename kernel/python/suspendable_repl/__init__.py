"""`suspendable repl`: a Python console (like `python3.11 -i`) whose session survives exits, closed
terminals and long statements.

console   the read-compile-run loop, signals (Ctrl-C, Ctrl-\\, SIGUSR1, SIGHUP, SIGTERM), suspending a
          running statement at a safe point and continuing it
commands  %resume, %save NAME, %sessions, %help (also spelled :resume ...)
persist   what a saved session holds, written and read through the session store
terminal  GNU readline: line editing, tab completion, the persistent history file
"""
