"""The console's commands, typed as a line of their own: ``%resume [NAME]``, ``%save NAME``,
``%sessions``, ``%help`` - also spelled ``:resume`` etc. (no Python statement starts with % or :).
Session names and the listing are the store's, shared with the kernel and `suspendable sessions`."""
import os
import shlex
import time

from suspendable import session, store

from . import persist

PREFIXES = ("%", ":")

HELP = """\
Commands (a line of their own; %name or :name):
  %resume          continue the suspended statement here, in the foreground
  %resume NAME     restore the saved session NAME into this one (and continue its suspended statement)
  %save NAME       save the session (namespace and a suspended statement) as NAME
  %sessions        list saved sessions
  %help            this text
Keys: Ctrl-C interrupts the running statement (KeyboardInterrupt); Ctrl-\\ (or SIGUSR1) suspends it at
its next safe point and saves the session; Ctrl-D or exit() leaves, saving the session. Closing the
terminal (SIGHUP) or SIGTERM saves it too. `suspendable repl --resume` restores the last session of
this directory."""


class CommandError(Exception):
    """A command that cannot be done; shown as one line, without a traceback."""


def _split(line):
    """(command name, arguments) of a command line, or (None, None)."""
    text = line.strip()
    if not text or text[0] not in PREFIXES:
        return None, None
    words = text[1:].split(None, 1)
    if not words or words[0] not in _COMMANDS:
        return None, None
    return words[0], shlex.split(words[1]) if len(words) > 1 else []


def is_command(line):
    return _split(line)[0] is not None


def run(console, line):
    name, args = _split(line)
    try:
        _COMMANDS[name](console, args)
    except (CommandError, persist.SaveError, persist.LoadError, ValueError, OSError) as e:
        print(f"%{name}: {e}", flush=True)


def resume(console, args):
    """%resume [NAME]: the statement suspended here; with NAME, a saved session restored first."""
    if len(args) > 1:
        raise CommandError("usage: %resume [NAME]")
    if args and (args[0] != console.name or console.waiting is None):
        path = store.resolve(args[0])
        if not os.path.exists(path):
            raise CommandError(f"no session named {args[0]!r} (see %sessions)")
        manifest = console.restore(path)
        console.resumed_from = console.resumed_from or os.path.basename(path)[:-len(store.SUFFIX)]
        print(f"Restored session {args[0]!r}: {persist.describe_saved(manifest)}.", flush=True)
    if console.waiting is None:
        if not args:
            raise CommandError("no statement is suspended in this session (to restore a saved session: "
                               "%resume NAME; %sessions lists them)")
        return
    console.resume_waiting()


def save(console, args):
    """%save NAME: the whole session under a name of its own (never pruned)."""
    if len(args) != 1:
        raise CommandError("usage: %save NAME")
    name = store.validate_name(args[0])
    started = time.monotonic()
    name, path, size, _ = console.save(console.waiting, name)
    print(f"Saved the session as '{name}': {session._human(size)} in {(time.monotonic() - started) * 1000:.0f} ms "
          f"({path}).\nRestore it with: suspendable repl --resume {name}   (or here: %resume {name})", flush=True)


def sessions(console, args):
    """%sessions: the listing of `suspendable sessions list`."""
    if args:
        raise CommandError("usage: %sessions")
    store.main(["list"])


def help_(console, args):
    print(HELP, flush=True)


_COMMANDS = {"resume": resume, "save": save, "sessions": sessions, "help": help_}
