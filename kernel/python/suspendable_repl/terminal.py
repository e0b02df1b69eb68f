"""GNU readline for the console: line editing, tab completion (rlcompleter on the session's namespace)
and a history file that survives everything: each line is appended as soon as it is entered, so a
closed terminal or a kill loses none of it.

The file is ``repl_history`` in the suspendable home directory (``$SUSPENDABLE_HOME``, else
``$XDG_DATA_HOME/suspendable``, else ``~/.local/share/suspendable``), shared by all directories, as
Python's own ``~/.python_history`` is.
"""
import os

from suspendable import store

HISTORY_LENGTH = 10000

try:
    import readline
    import rlcompleter
except ImportError:  # a Python built without readline: plain input() still works
    readline = None


def history_path():
    return os.path.join(store.home_dir(), "repl_history")


class History:
    """The history file; each line read at the prompt (and by input() in between) is appended at once."""

    def __init__(self, path):
        self.path = path
        self.written = readline.get_current_history_length()

    def remember(self):
        """Appends the lines readline added to its in-memory history since the last call (it skips a
        line equal to the previous one, so counting is the only way to know)."""
        added = readline.get_current_history_length() - self.written
        if added <= 0:
            return
        try:
            readline.append_history_file(added, self.path)
        except OSError:
            pass  # the history is a convenience: a full disk must not stop the console
        self.written += added


class _NoHistory:
    def remember(self):
        pass


def setup(ns):
    """Completion on `ns`, and the history loaded (and trimmed) from the file. Returns the History."""
    if readline is None:
        return _NoHistory()
    readline.set_completer(rlcompleter.Completer(ns).complete)
    readline.parse_and_bind("tab: complete")
    path = history_path()
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        if os.path.exists(path):
            readline.read_history_file(path)
        readline.set_history_length(HISTORY_LENGTH)
        readline.write_history_file(path)  # trims it; append_history_file needs the file to exist
        os.chmod(path, 0o600)  # what people type includes secrets
    except OSError:
        return _NoHistory()  # read-only home: history stays in memory for this run
    return History(path)
