"""suspendable: suspend a running Python program or notebook cell and resume it later, anywhere.

In a program run by `suspendable run`:
    suspendable.checkpoint(path=None)  save here and continue (False now, True when resumed from it)
    suspendable.suspend(path=None)     save here and exit with status 75 (True when resumed)

In any session (program, notebook, REPL):
    @suspendable.on_resume             run a function after the session is restored from a snapshot
"""

__version__ = "0.1.0"


def checkpoint(path=None):
    """Saves the running program at this call and continues.

    Returns False now; when the program is later resumed from this snapshot, the same call returns True.
    """
    from . import session
    return session.checkpoint(path, _up=2)


def suspend(path=None):
    """Saves the running program at this call and exits with status 75 (a resume continues here)."""
    from . import session
    return session.suspend(path, _up=2)


def on_resume(fn):
    """Registers `fn()` to run after this session is restored from a snapshot file (reconnect a
    database, reopen a socket...); the function travels in the snapshot. Usable as a decorator::

        @suspendable.on_resume
        def reconnect():
            global db
            db = sqlite3.connect(DB_PATH)
    """
    from . import state
    return state.on_resume(fn)


def register(type_, save_fn, restore_fn):
    """Saves instances of `type_` as `save_fn(obj)` and rebuilds them at resume as `restore_fn(saved)`.

    For objects holding an OS resource, e.g. a database connection::

        suspendable.register(sqlite3.Connection,
                             lambda conn: conn.execute("PRAGMA database_list").fetchone()[2],  # its file
                             sqlite3.connect)
    """
    from . import graph
    return graph.register(type_, save_fn, restore_fn)


def __getattr__(name):
    # UnsavedObjectError (raised when a placeholder of an object that could not be saved is used) and
    # Unsaved live in graph, which needs the engine: imported on first use.
    if name in ("UnsavedObjectError", "Unsaved"):
        from . import graph
        return getattr(graph, name)
    raise AttributeError(f"module 'suspendable' has no attribute {name!r}")
