"""Named sessions on disk: save, list, latest, delete, automatic saves with pruning.

Sessions are snapshot files ``NAME.snap`` in ``sessions_dir()``: ``$SUSPENDABLE_HOME/sessions``, else
``$XDG_DATA_HOME/suspendable/sessions``, else ``~/.local/share/suspendable/sessions``. The file format,
signing and atomic writes are ``_suspendable_format``'s (C++); this module only names, lists and prunes.
Listing reads headers and manifests only: it never unpickles anything.

Automatic saves are named ``auto-KERNEL-TIMESTAMP``; after each one the oldest of that kernel's are
removed so that ``keep_autosaves()`` remain (``$SUSPENDABLE_KEEP_AUTOSAVES``, else ``keep_autosaves``
in ``HOME/config.json``, else 5).
"""

import datetime
import json
import os
import re
import sys
from dataclasses import dataclass, field
from typing import List, Optional

import _suspendable_format as _format

SnapshotError = _format.SnapshotError

SUFFIX = ".snap"
AUTO_PREFIX = "auto-"
DEFAULT_KEEP_AUTOSAVES = 5
# Names become file names: no path separators, no hidden files, nothing a shell would mangle.
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@+=-]{0,199}")
_TEMP = re.compile(r"\..+\.tmp-(\d+)-\d+")


def home_dir() -> str:
    return _format.home_dir()


def sessions_dir(create: bool = False) -> str:
    path = _format.sessions_dir()
    if create:
        # 0700: snapshots carry code and the user's data.
        os.makedirs(path, mode=0o700, exist_ok=True)
    return path


def validate_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name) or name.endswith(SUFFIX):
        raise ValueError(
            f"invalid session name {name!r}: use letters, digits and _ . @ + = - "
            f"(not starting with . or -, at most 200 characters, without {SUFFIX})"
        )
    return name


def path_for(name: str) -> str:
    return os.path.join(sessions_dir(), validate_name(name) + SUFFIX)


@dataclass
class Session:
    """One stored snapshot, as listed: from its header and manifest, or the error that prevented it."""

    name: str
    path: str
    size: int
    created: float
    location: Optional[dict] = None
    kernel: Optional[str] = None
    auto: bool = False
    signed_ok: bool = False
    python_version: str = ""
    platform: str = ""
    error: Optional[str] = None
    manifest: dict = field(default_factory=dict, repr=False)

    @property
    def where(self) -> str:
        """Where the program stopped, "file:line in function", or "" when the manifest does not say."""
        loc = self.location
        if not isinstance(loc, dict) or not loc.get("file"):
            return ""
        text = str(loc["file"])
        if loc.get("line") is not None:
            text += f":{loc['line']}"
        if loc.get("function"):
            text += f" in {loc['function']}"
        return text


def info(path: str, name: Optional[str] = None) -> Session:
    """The Session for a snapshot file; raises SnapshotError / OSError for a file that cannot be read."""
    manifest = _format.read_manifest(path)
    header = manifest["header"]
    base = os.path.basename(path)
    return Session(
        name=name or (base[: -len(SUFFIX)] if base.endswith(SUFFIX) else base),
        path=path,
        size=header["size"],
        created=header["created"],
        # "location" is the store's field; the script engine's manifests call it "stopped_at".
        location=manifest.get("location") or manifest.get("stopped_at"),
        kernel=manifest.get("kernel"),
        auto=bool(manifest.get("auto", False)),
        signed_ok=header["signed_ok"],
        python_version=header["python_version"],
        platform=header["platform"],
        manifest=manifest,
    )


def _session_files() -> List[str]:
    try:
        entries = os.listdir(sessions_dir())
    except FileNotFoundError:
        return []
    return sorted(e for e in entries if e.endswith(SUFFIX) and not e.startswith("."))


def list_sessions() -> List[Session]:
    """Every stored session, oldest first. Unreadable files are listed with their error, not skipped:
    the user should see that they exist."""
    sessions = []
    for entry in _session_files():
        path = os.path.join(sessions_dir(), entry)
        name = entry[: -len(SUFFIX)]
        try:
            sessions.append(info(path, name))
        except (SnapshotError, OSError) as e:
            try:
                st = os.stat(path)
            except OSError:
                continue  # removed while we were listing
            sessions.append(Session(name=name, path=path, size=st.st_size, created=st.st_mtime, error=str(e)))
    sessions.sort(key=lambda s: (s.created, s.name))
    return sessions


def latest(kernel: Optional[str] = None, kinds=None) -> Optional[Session]:
    """The most recently saved readable session (of `kernel`, of one of `kinds` if given), or None."""
    candidates = [s for s in list_sessions() if s.error is None and (kernel is None or s.kernel == kernel)
                  and (kinds is None or s.manifest.get("kind") in kinds)]
    return candidates[-1] if candidates else None


def resolve(name_or_path: str) -> str:
    """A snapshot path from a session name, "latest", or a path to a file."""
    if name_or_path == "latest":
        s = latest()
        if s is None:
            raise FileNotFoundError(f"no saved sessions in {sessions_dir()}")
        return s.path
    if os.sep in name_or_path or name_or_path.endswith(SUFFIX) or not _NAME.fullmatch(name_or_path):
        return name_or_path
    return path_for(name_or_path)


def save(name: str, manifest: dict, pickle, buffers, *, compress: bool = False) -> str:
    """Writes (atomically, signed) the session `name`, replacing any previous one; returns its path."""
    path = path_for(name)
    sessions_dir(create=True)
    _format.write(path, manifest, pickle, buffers, compress=compress)
    return path


def _kernel_tag(kernel_id: str) -> str:
    tag = re.sub(r"[^A-Za-z0-9_.=+@-]", "_", str(kernel_id))[:80]
    return tag or "kernel"


def _auto_name(kernel_id: str) -> str:
    # UTC with microseconds: names of one kernel sort in save order.
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    return f"{AUTO_PREFIX}{_kernel_tag(kernel_id)}-{stamp}"


def keep_autosaves() -> int:
    value = os.environ.get("SUSPENDABLE_KEEP_AUTOSAVES")
    if value is None:
        try:
            with open(os.path.join(home_dir(), "config.json"), encoding="utf-8") as f:
                value = json.load(f).get("keep_autosaves")
        except (OSError, ValueError, AttributeError):
            value = None
    try:
        keep = int(value) if value is not None else DEFAULT_KEEP_AUTOSAVES
    except (TypeError, ValueError):
        keep = DEFAULT_KEEP_AUTOSAVES
    return max(1, keep)


def autosave(kernel_id: str, manifest: dict, pickle, buffers, *, keep: Optional[int] = None,
             compress: bool = False) -> str:
    """An automatic save of `kernel_id`'s session; then prunes that kernel's older automatic saves."""
    manifest = dict(manifest, kernel=str(kernel_id), auto=True)
    name = _auto_name(kernel_id)
    while os.path.exists(path_for(name)):  # two saves within a microsecond
        name += "x"
    path = save(name, manifest, pickle, buffers, compress=compress)
    prune(kernel_id, keep if keep is not None else keep_autosaves())
    return path


def _lock_path(kernel_id: str) -> str:
    return os.path.join(sessions_dir(create=True), f".saving-{_kernel_tag(kernel_id)}.lock")


def lock_autosave(kernel_id: str) -> int:
    """Takes `kernel_id`'s save lock (an exclusive flock) and returns its descriptor. The lock belongs to
    the open file, so a process forked after this holds it too, until every copy is closed: that is
    how a kernel hands an automatic save over to a child that outlives it."""
    fd = os.open(_lock_path(kernel_id), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    import fcntl
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def autosave_failed(fd: int, why: str) -> None:
    """Leaves `why` in the lock file for the next kernel of this id to report."""
    os.ftruncate(fd, 0)
    os.pwrite(fd, why.encode("utf-8", "replace"), 0)


def wait_for_autosave(kernel_id: str, timeout: float) -> Optional[str]:
    """Waits (at most `timeout` seconds) until no process is writing `kernel_id`'s automatic save.
    Returns None when done, the failure left by the writer, or a message if it is still writing."""
    import fcntl
    import time
    path = _lock_path(kernel_id)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return f"the previous kernel was still saving its session after {timeout:g} s"
                time.sleep(0.05)
        failure = os.pread(fd, 4096, 0).decode("utf-8", "replace")
        os.ftruncate(fd, 0)
        return failure or None
    finally:
        os.close(fd)


def prune(kernel_id: str, keep: int) -> List[str]:
    """Removes all but the `keep` newest automatic saves of `kernel_id`; returns the removed paths."""
    prefix = f"{AUTO_PREFIX}{_kernel_tag(kernel_id)}-"
    mine = [e for e in _session_files() if e.startswith(prefix) and re.fullmatch(r"\d{8}T\d{12}Zx*", e[len(prefix):-len(SUFFIX)])]
    removed = []
    for entry in mine[: max(0, len(mine) - max(1, keep))]:
        path = os.path.join(sessions_dir(), entry)
        try:
            os.unlink(path)
            removed.append(path)
        except FileNotFoundError:
            pass
    _remove_stale_temporaries()
    return removed


def _remove_stale_temporaries() -> None:
    # Debris of writers killed mid-save on file systems without O_TMPFILE (named temporaries).
    try:
        entries = os.listdir(sessions_dir())
    except FileNotFoundError:
        return
    for entry in entries:
        m = _TEMP.fullmatch(entry)
        if m and not _pid_alive(int(m.group(1))):
            try:
                os.unlink(os.path.join(sessions_dir(), entry))
            except OSError:
                pass


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def delete(name: str) -> str:
    """Removes the session `name`; raises FileNotFoundError if there is none."""
    path = path_for(name)
    try:
        os.unlink(path)
    except FileNotFoundError:
        raise FileNotFoundError(f"no session named {name!r} in {sessions_dir()}") from None
    return path


# --- `suspendable sessions` -------------------------------------------------------------------------

USAGE = """usage: suspendable sessions [list | show NAME | rm NAME | latest | path NAME]

  list         saved sessions, oldest first: name, time saved, size, where it stopped (default)
  show NAME    one session's details (NAME may be "latest" or a path to a snapshot file)
  rm NAME      delete a saved session
  latest       the name of the most recently saved session
  path NAME    the file of a session (for `suspendable resume "$(suspendable sessions path latest)"`)
"""


def _human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def _local_time(t: float) -> str:
    return datetime.datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M:%S")


def _print_list(out) -> int:
    sessions = list_sessions()
    if not sessions:
        print(f"no saved sessions in {sessions_dir()}", file=out)
        return 0
    width = max(4, max(len(s.name) for s in sessions))
    print(f"{'NAME':<{width}}  {'SAVED':<19}  {'SIZE':>10}  STOPPED AT", file=out)
    for s in sessions:
        where = f"(unreadable: {s.error})" if s.error else (s.where or "-")
        if not s.error and not s.signed_ok:
            where += "  [not signed with your key]"
        print(f"{s.name:<{width}}  {_local_time(s.created):<19}  {_human_size(s.size):>10}  {where}", file=out)
    return 0


def _print_show(name: str, out) -> int:
    path = resolve(name)
    if not os.path.exists(path):
        if path == name:
            raise FileNotFoundError(f"{path}: no such file")
        raise FileNotFoundError(f"no session named {name!r} in {sessions_dir()}")
    s = info(path)
    m = s.manifest["header"]
    rows = [
        ("name", s.name),
        ("file", s.path),
        ("saved", _local_time(s.created)),
        ("size", f"{_human_size(s.size)} ({s.size} bytes)"),
        ("stopped at", s.where or "-"),
        ("python", f"CPython {s.python_version} (bytecode magic {m['bytecode_magic']})"
                   + ("" if m["python_compatible"] else "  [not this interpreter: cannot resume here]")),
        ("platform", s.platform),
        ("signature", "signed with your key" if s.signed_ok
         else f"NOT signed with your key: run `suspendable trust {s.path}` if you trust it"),
        ("format", f"version {m['format_version']}, pickle {_human_size(m['pickle_size'])}"
                   + (" (zstd)" if m["compressed"] else "") + f", {m['buffer_count']} buffer section(s)"),
    ]
    if s.kernel:
        rows.append(("kernel", s.kernel + (" (automatic save)" if s.auto else "")))
    for key, value in rows:
        print(f"{key + ':':<12} {value}", file=out)
    return 0


def main(argv: List[str], out=None, err=None) -> int:
    """`suspendable sessions ARGS`: returns the exit status (2: bad usage or an unreadable file)."""
    out = out or sys.stdout
    err = err or sys.stderr
    command, rest = (argv[0], argv[1:]) if argv else ("list", [])
    try:
        if command in ("-h", "--help", "help"):
            print(USAGE, end="", file=out)
            return 0
        if command == "list" and not rest:
            return _print_list(out)
        if command == "show" and len(rest) == 1:
            return _print_show(rest[0], out)
        if command == "rm" and len(rest) == 1:
            print(f"removed {delete(rest[0])}", file=out)
            return 0
        if command == "latest" and not rest:
            s = latest()
            if s is None:
                print(f"suspendable sessions: no saved sessions in {sessions_dir()}", file=err)
                return 2
            print(s.name, file=out)
            return 0
        if command == "path" and len(rest) == 1:
            print(resolve(rest[0]), file=out)
            return 0
    except (SnapshotError, OSError, ValueError) as e:
        message = str(e)
        if isinstance(e, OSError) and e.filename and e.strerror:
            message = f"{e.filename}: {e.strerror}"
        print(f"suspendable sessions: {message}", file=err)
        return 2
    print(USAGE, end="", file=err)
    return 2
