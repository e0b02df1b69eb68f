"""The console: read a statement, compile it as `python3.11 -i` does (codeop, mode 'single', so an
expression's value is printed), and run it under the snapshot engine as the base code of a possible
suspension (like a notebook cell).

Signals:
- SIGINT (Ctrl-C): KeyboardInterrupt, as in Python (the statement stops, the prompt returns).
- SIGQUIT (Ctrl-\\) and SIGUSR1: the running statement stops at its next safe point, the session
  (namespace + that statement's frames) is saved and the prompt returns; %resume continues it. At the
  prompt they save the session.
- SIGHUP (terminal closed) and SIGTERM: the session is saved and the console exits; a running statement
  is suspended if it reaches a safe point within EXIT_TIMEOUT, else the namespace is saved with a note
  that the statement was interrupted.

Python-level handlers run on the main thread between bytecodes (also inside time.sleep and readline's
wait for input). At the prompt they raise out of input(); while a statement runs they only arm the
engine, whose safe-point callback does the work; anywhere else they leave a note for the loop.
"""
import argparse
import atexit
import codeop
import datetime
import linecache
import os
import re
import signal
import sys
import traceback

import _suspendable_cells as _cells
import _suspendable_engine as _engine
from suspendable import __version__, session, store

from . import commands, persist, terminal

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
SUSPEND_SIGNALS = (signal.SIGQUIT, signal.SIGUSR1)
EXIT_SIGNALS = (signal.SIGHUP, signal.SIGTERM)
SUSPEND_TIMEOUT = 10.0  # seconds a suspend request waits for a safe point (then: keeps running)
EXIT_TIMEOUT = 3.0      # the same at SIGHUP/SIGTERM (then: the namespace is saved, the statement is lost)

IDLE, PROMPT, RUNNING = "idle", "prompt", "running"


class _Request(BaseException):
    """Raised by a signal handler out of input() at the prompt."""

    def __init__(self, what):
        super().__init__(what)
        self.what = what


class Statement:
    """A statement suspended in this process: its captured (frames, exc) wait for %resume."""

    def __init__(self, captured, count, where):
        self.captured = captured
        self.count = count
        self.where = where


def say(text):
    """A line from the console itself, on stderr; never raises (the terminal may be gone)."""
    try:
        sys.stdout.flush()
        sys.stderr.write(f"[suspendable] {text}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def input_filename(count):
    return f"<repl-{count}>"


def place(where):
    """'work() at line 3 of input [2]' - where a frame stopped, in the user's terms."""
    match = re.fullmatch(r"<repl-(\d+)>", str(where.get("file", "")))
    spot = f"line {where['line']} of input [{match.group(1)}]" if match else f"{where['file']}:{where['line']}"
    function = where.get("function") or "<module>"
    return spot if function == "<module>" else f"{function}() at {spot}"


def statement_label(where):
    """'input [5], stopped in work() at line 3 of input [2]'."""
    return f"input [{where.get('input')}], stopped in {place(where)}"


def _signal_name(signum):
    return signal.Signals(signum).name


class Console:
    """One REPL session: the namespace of __main__, the inputs so far, at most one suspended statement."""

    def __init__(self, ns, key):
        self.ns = ns
        self.key = key                # "repl:" + the directory: whose automatic saves are ours
        self.compiler = codeop.CommandCompiler()
        self.count = 0                # inputs run so far; input N is compiled as <repl-N>
        self.inputs = {}              # filename -> source (tracebacks, and kept in the snapshot)
        self.waiting = None           # Statement suspended in this process, or None
        self.name = None              # this run's automatic session (after its first save)
        self.resumed_from = None      # the session this run was restored from
        self.history = None           # the readline history file
        self.phase = IDLE
        self.base_code = None         # the code running under the engine (a statement or a resumed chain)
        self.running_count = None     # its input number
        self.request = None           # "suspend" / "exit", asked of the running statement
        self.pending_save = False     # a suspend request that arrived while neither prompting nor running
        self.exit_signal = None       # SIGHUP/SIGTERM received: save and leave
        self.saving = False

    # ------------------------------------------------------------ saving
    def fields(self, waiting, interrupted=None):
        """The manifest's "repl" entry: readable without unpickling (listing, restore messages)."""
        return {"key": self.key, "count": self.count, "inputs": self.inputs,
                "waiting": waiting.where if waiting is not None else None,
                "interrupted": interrupted, "resumed_from": self.resumed_from}

    def save(self, waiting=None, name=None, *, skip_unsaveable=False, interrupted=None):
        """Writes the session (namespace + `waiting`) as this run's automatic save, or as `name`.
        Returns (name, path, size, skipped); raises persist.SaveError."""
        self.saving = True
        try:
            saved = persist.write(self.ns, self.fields(waiting, interrupted), self.key, name or self.name,
                                  waiting.captured if waiting is not None else None, auto=name is None,
                                  skip_unsaveable=skip_unsaveable)
        finally:
            self.saving = False
        if name is None:
            self.name = saved[0]
            store.prune(self.key, store.keep_autosaves())
        return saved

    def save_final(self, interrupted=None):
        """At exit: everything that can be saved is (unsaveable globals are left out, and named)."""
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # see finish()
        try:
            name, path, size, skipped = self.save(self.waiting, skip_unsaveable=True, interrupted=interrupted)
        except persist.SaveError as e:
            if self.waiting is None:
                say(f"the session was NOT saved: {e}")
                return
            # The waiting statement was saved when it was suspended; keep that file, save the rest anew.
            say(f"the suspended statement could not be saved again ({e}); it stays in session '{self.name}'")
            self.name, self.waiting = None, None
            return self.save_final(interrupted)
        _report_skipped(skipped)
        what = persist.describe(persist.saved_globals(self.ns), self.waiting)
        say(f"session saved as '{name}' ({session._human(size)}): {what}. "
            f"Restore it with: suspendable repl --resume")

    def save_idle(self):
        """Ctrl-\\ or SIGUSR1 with nothing running: the session is saved now."""
        try:
            name, path, size, _ = self.save(self.waiting)
        except persist.SaveError as e:
            say(f"not saved: {e}")
            return
        say(f"session saved as '{name}' ({session._human(size)}); nothing was running.")

    # ------------------------------------------------------------ signals
    def install_signals(self):
        for s in SUSPEND_SIGNALS:
            signal.signal(s, self._on_suspend_signal)
        for s in EXIT_SIGNALS:
            signal.signal(s, self._on_exit_signal)
        # The command line blocked them until now (a request during start-up waits instead of killing).
        signal.pthread_sigmask(signal.SIG_UNBLOCK, SUSPEND_SIGNALS + EXIT_SIGNALS)

    def _on_suspend_signal(self, signum, frame):
        if self.phase == PROMPT:
            raise _Request("suspend")
        if self.phase != RUNNING:
            self.pending_save = True
        elif self.request is None and self.waiting is not None:
            say(f"not suspended: {statement_label(self.waiting.where)} is already waiting (a session holds "
                "one); %resume it first. This statement keeps running.")
        elif self.request is None:
            self.request = "suspend"
            self._configure(SUSPEND_TIMEOUT)
            _engine.arm()

    def _on_exit_signal(self, signum, frame):
        if self.exit_signal is not None:
            return  # already on the way out
        self.exit_signal = signum
        if self.phase == PROMPT:
            raise _Request("exit")
        if self.phase != RUNNING:
            return  # the loop saves and leaves before the next prompt
        self._suspend_for_exit()

    def _suspend_for_exit(self):
        """The running statement is suspended (or, after EXIT_TIMEOUT, interrupted) and the console exits."""
        if self.waiting is not None:
            # A session holds one suspended statement: this one cannot be saved as well.
            self._exit_interrupted("another statement is already suspended")
        self.request = "exit"
        self._configure(EXIT_TIMEOUT)
        _engine.arm()
        # No line events while the statement sleeps or waits in C: the deadline does not depend on them.
        signal.signal(signal.SIGALRM, self._on_exit_deadline)
        signal.setitimer(signal.ITIMER_REAL, EXIT_TIMEOUT + 0.5)

    def _on_exit_deadline(self, signum, frame):
        if self.request == "exit" and self.phase == RUNNING and not self.saving:
            self._exit_interrupted(f"no safe point within {EXIT_TIMEOUT:g} s")

    # ------------------------------------------------------------ suspending the running statement
    def _configure(self, timeout):
        _engine.configure(base_code=self.base_code, callback=self._on_safe_point, timeout=timeout,
                          private_prefix=_PACKAGE_DIR, on_abandon=self._on_abandon)

    def _where(self, frames):
        code, lasti = frames[-1][1], frames[-1][2]
        return {"file": code.co_filename, "line": session._line_of(code, lasti), "function": code.co_qualname,
                "input": self.running_count}

    def _on_safe_point(self, frame):
        exiting = self.request == "exit"
        try:
            captured = _engine.capture(frame, self.base_code, 0)
        except RuntimeError as e:
            return self._not_suspended(str(e))
        frames, exc = captured
        statement = Statement(captured, self.running_count, self._where(frames))
        try:
            name, path, size, skipped = self.save(statement, skip_unsaveable=exiting)
        except persist.SaveError as e:
            return self._not_suspended(str(e))
        self.request = None
        if exiting:
            # Nothing of the statement runs any more (no except/finally): the process ends here.
            _report_skipped(skipped)
            say(f"{_signal_name(self.exit_signal)}: suspended {statement_label(statement.where)}; "
                f"session saved as '{name}'. Restore it with: suspendable repl --resume")
            self._leave(128 + self.exit_signal)
        self.waiting = statement
        sys.stdout.flush()
        sys.stderr.flush()
        _cells.unwind(frame, self.base_code)  # through C layers it raises: the error must reach the frame
        return True

    def _not_suspended(self, why):
        if self.request == "exit":
            self._exit_interrupted(why)
        self.request = None
        say(f"not suspended, the statement keeps running: {why}")
        return True

    def _on_abandon(self, reason):
        timeout = EXIT_TIMEOUT if self.request == "exit" else SUSPEND_TIMEOUT
        self._not_suspended(f"no safe point within {timeout:g} s: {reason}")

    def _exit_interrupted(self, why):
        """SIGHUP/SIGTERM, and the running statement cannot be suspended: save the namespace as it is,
        with a note that this statement was cut short, and leave."""
        self.request = None
        _engine.disarm()
        source = self.inputs.get(input_filename(self.running_count), "")
        interrupted = {"input": self.running_count, "source": source, "signal": _signal_name(self.exit_signal),
                       "why": why}
        say(f"{_signal_name(self.exit_signal)}: input [{self.running_count}] could not be suspended ({why}); "
            "it is interrupted and the namespace is saved as it is now")
        self.save_final(interrupted)
        self._leave(128 + self.exit_signal)

    def _leave(self, status):
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(status)

    # ------------------------------------------------------------ running
    def _run(self, base_code, count, start):
        """Runs start() (a statement, or a resumed chain) with `base_code` as the suspension base."""
        self.base_code, self.running_count, self.request = base_code, count, None
        self._configure(SUSPEND_TIMEOUT)
        self.phase = RUNNING
        if self.exit_signal is not None:
            self._suspend_for_exit()  # SIGHUP/SIGTERM came while a command prepared this run
        result = error = None
        try:
            result = start()
        except SystemExit:
            raise
        except BaseException as e:  # noqa: BLE001 - KeyboardInterrupt included: shown, the console goes on
            error = e
        finally:
            self._idle()
        if error is not None:
            self.show_traceback(error)
        elif result is _cells.SUSPENDED:
            say(f"suspended {statement_label(self.waiting.where)}; saved as session '{self.name}'. "
                "Continue with: %resume")

    def _idle(self):
        self.phase = IDLE
        _engine.disarm()
        if self.request == "exit":
            signal.setitimer(signal.ITIMER_REAL, 0)  # the statement ended first: the loop saves and exits
        if self.request == "suspend":
            self.pending_save = True  # the statement ended before a safe point: save the session now
        self.request = None

    def run_statement(self, code, source):
        self.count += 1
        self.remember_input(input_filename(self.count), source)
        self._run(code, self.count, lambda: _cells.run_cell(code, self.ns))

    def resume_waiting(self):
        """Continues the suspended statement in the foreground."""
        statement, self.waiting = self.waiting, None
        box = list(statement.captured)
        statement.captured = None
        base_code = box[0][0][1]
        self._run(base_code, statement.count, lambda: _cells.resume_cell(*_take(box)))

    def remember_input(self, filename, source):
        self.inputs[filename] = source
        lines = source.splitlines(keepends=True)
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        linecache.cache[filename] = (len(source), None, lines, filename)

    def show_traceback(self, exc):
        """As Python shows it, without the console's own frames."""
        tb = exc.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename.startswith(_PACKAGE_DIR):
            tb = tb.tb_next
        exc.__traceback__ = tb
        sys.last_type, sys.last_value, sys.last_traceback = type(exc), exc, tb
        _show(type(exc), exc, tb)

    # ------------------------------------------------------------ restoring
    def restore(self, path):
        """Loads a saved REPL session into this one (namespace, inputs, a suspended statement)."""
        manifest = persist.read_manifest(path)
        repl = manifest.get("repl") or {}
        if repl.get("waiting") and self.waiting is not None:
            raise persist.LoadError(f"{statement_label(self.waiting.where)} is already waiting here; "
                                    "%resume it first")
        manifest, payload = persist.read(path, self.ns)
        for warning in payload.get("warnings") or []:
            say(warning)  # e.g. a library's version changed since the save
        for filename, source in (repl.get("inputs") or {}).items():
            if filename not in self.inputs:
                self.remember_input(filename, source)
        self.count = max(self.count, int(repl.get("count") or 0))
        if payload["frames"]:
            self.waiting = Statement((payload["frames"], payload["exc"]), (repl.get("waiting") or {}).get("input"),
                                     repl.get("waiting") or {})
        payload.clear()
        return manifest

    def restore_at_start(self, name):
        """`--resume [NAME]`: NAME, else the latest session of this directory."""
        if name:
            path = store.resolve(name)
            if not os.path.exists(path):
                say(f"no session named {name!r} (see: suspendable sessions); starting an empty session")
                return
        else:
            latest = persist.latest(self.key)
            if latest is None:
                say(f"no saved session for {self.key[len('repl:'):]}; starting an empty session")
                return
            path = latest.path
        try:
            manifest = self.restore(path)
        except persist.LoadError as e:
            say(f"{e}; starting an empty session")
            return
        self.resumed_from = os.path.basename(path)[:-len(store.SUFFIX)]
        self.report_restored(manifest)

    def report_restored(self, manifest):
        repl = manifest.get("repl") or {}
        say(f"restored session '{manifest.get('name') or self.resumed_from}': {persist.describe_saved(manifest)}")
        if manifest.get("skipped"):
            say(PLACEHOLDERS + persist.skipped_text(manifest["skipped"]))
        interrupted = repl.get("interrupted")
        if interrupted:
            first = (interrupted.get("source") or "").strip().splitlines()[:1]
            say(f"input [{interrupted.get('input')}] ({first[0] if first else '?'}) was interrupted by "
                f"{interrupted.get('signal')} before it finished ({interrupted.get('why')}): its effects so far "
                "are in the namespace")
        if self.waiting is not None:
            say(f"{statement_label(self.waiting.where)} is suspended. Continue it with: %resume")

    def mention_previous(self):
        """A fresh start in a directory whose last session was not restored says so, and how."""
        try:
            latest = persist.latest(self.key)
        except Exception:  # noqa: BLE001 - an unreadable store must not stop the console
            return
        if latest is None:
            return
        when = datetime.datetime.fromtimestamp(latest.created).strftime("%Y-%m-%d %H:%M:%S")
        say(f"the previous session in this directory was not restored: '{latest.name}', saved {when}, "
            f"{persist.describe_saved(latest.manifest)}.")
        say(f"restore it with: suspendable repl --resume   (or here: %resume {latest.name})")

    # ------------------------------------------------------------ the loop
    def read(self, prompt):
        try:
            self.phase = PROMPT
            return input(prompt)
        finally:
            self.phase = IDLE

    def push(self, lines):
        """Handles the lines entered so far; True if the statement needs more lines."""
        source = "\n".join(lines)
        if len(lines) == 1 and commands.is_command(source):
            commands.run(self, source)
            return False
        if len(lines) == 1 and not source.strip():
            return False
        try:
            code = self.compiler(source, input_filename(self.count + 1), "single")
        except (OverflowError, SyntaxError, ValueError) as e:
            _show(type(e), e, None)
            return False
        if code is None:
            return True
        self.run_statement(code, source)
        return False

    def interact(self):
        """Until EOF, exit() or SIGHUP/SIGTERM; returns the exit status (after saving). Ctrl-C anywhere
        in between (not only in a statement or at the prompt) drops what was being typed, as in Python."""
        lines = []
        while True:
            try:
                status = self._step(lines)
            except KeyboardInterrupt:
                _write("\nKeyboardInterrupt\n")
                lines.clear()
                continue
            if status is not None:
                return self.finish(status)

    def _step(self, lines):
        """Reads one line and runs what it completes; the exit status when the console should end."""
        if self.exit_signal is not None:
            return 128 + self.exit_signal
        if self.pending_save:
            self.pending_save = False
            self.save_idle()
        try:
            line = self.read(sys.ps2 if lines else sys.ps1)
        except EOFError:
            _write("\n")  # after the ^D, as Python does
            return 0
        except _Request as r:
            _write("\n")
            self.pending_save = r.what == "suspend"
            return None
        self.history.remember()
        lines.append(line)
        try:
            more = self.push(lines)
        except SystemExit as e:
            return session._exit_status(e)
        if not more:
            lines.clear()
        return None

    def finish(self, status):
        """Leaving: the session is saved (unless there is nothing in it). Ctrl-C cannot cut this short:
        the user is leaving, and a half-done save would lose the session."""
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if self.exit_signal is None and self.waiting is None:
            try:
                atexit._run_exitfuncs()  # as Python does at exit; not with a suspended statement (it
            except BaseException:  # noqa: BLE001  would finalize what that statement holds)
                pass
        user = [k for k in persist.saved_globals(self.ns) if not k.startswith("__")]
        if user or self.waiting is not None or self.resumed_from is not None:
            self.save_final()
        return status


PLACEHOLDERS = "saved as placeholders (they cannot be saved; using them after a restore raises UnsavedObjectError): "


def _report_skipped(skipped):
    if skipped:
        say(PLACEHOLDERS + persist.skipped_text(skipped))


def _show(etype, value, tb):
    """sys.excepthook, unless it is Python's own: that one reads source lines from files only, and the
    inputs' sources are in linecache (traceback shows them)."""
    sys.stdout.flush()
    if sys.excepthook is sys.__excepthook__:
        traceback.print_exception(etype, value, tb)
    else:
        sys.excepthook(etype, value, tb)


def _take(box):
    """The box's items, leaving it empty: the resumed frames are then referenced by the call alone."""
    items = list(box)
    box.clear()
    return items


def _write(text):
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except (OSError, ValueError):
        pass


def directory_key(cwd=None):
    """Sessions of "this directory" are the automatic saves made by a console started in it."""
    return "repl:" + os.path.realpath(cwd or os.getcwd())


def _banner():
    return (f"Python {sys.version} on {sys.platform}\n"
            'Type "help", "copyright", "credits" or "license" for more information.\n'
            f"suspendable {__version__}: Ctrl-\\ suspends a running statement (%resume continues it); the "
            "session is saved when you leave. %help for more.")


def _parse(argv):
    parser = argparse.ArgumentParser(
        prog="suspendable repl",
        description="A Python console whose session (namespace, a suspended statement) is saved when it "
                    "exits, its terminal closes or it is terminated, and restored with --resume.")
    parser.add_argument("--resume", nargs="?", const="", default=None, metavar="NAME",
                        help="restore the session NAME, or (without NAME) the last one of this directory")
    parser.add_argument("-q", "--quiet", action="store_true", help="no banner")
    return parser.parse_args(argv)


def main():
    """Entry point of `suspendable repl` (options in sys.argv[1:]); returns the exit status."""
    try:
        opts = _parse(sys.argv[1:])
    except SystemExit as e:
        return e.code
    sys.argv[:] = [""]
    if "" not in sys.path:
        sys.path.insert(1, "")  # modules of the current directory, after our own packages
    sys.ps1 = getattr(sys, "ps1", ">>> ")
    sys.ps2 = getattr(sys, "ps2", "... ")
    ns = sys.modules["__main__"].__dict__
    console = Console(ns, directory_key())
    console.install_signals()
    console.history = terminal.setup(ns)
    if not opts.quiet:
        print(_banner(), flush=True)
    if opts.resume is not None:
        console.restore_at_start(opts.resume)
    else:
        console.mention_previous()
    return console.interact()
