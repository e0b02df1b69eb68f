"""Writing and reading a REPL session: the namespace of __main__, at most one suspended statement (its
captured frames), and the REPL's own bookkeeping (input sources and count, where the statement stopped,
a statement interrupted at exit) in the manifest, readable without unpickling anything.

What goes into the pickle (namespace, frames, process state, module versions, placeholders for what
cannot be saved, on_resume hooks) is the shared session-state layer's: ``suspendable.state.dump/load``,
as for `suspendable run` and the kernel. This module names files, talks to the store, reads manifests.
"""
import datetime
import os

from suspendable import __version__, _snapfile, graph, session, state, store

KIND = "repl"


class SaveError(Exception):
    """The session could not be written; the message says what and why (every unsaveable object)."""


class LoadError(Exception):
    """A snapshot that cannot be restored here; the message says why."""


def saved_globals(ns):
    """What of __main__ is the user's: everything but the builtins module."""
    return {k: v for k, v in ns.items() if k != "__builtins__"}


def write(ns, repl, key, name=None, waiting=None, *, auto=True, skip_unsaveable=False):
    """Writes the session; returns (name, path, size, skipped). ``repl``: the console's manifest fields;
    ``waiting``: (frames, exc) of the suspended statement or None. Without ``name`` a new automatic save
    of ``key`` (this directory) is made; its name is returned for the next saves of this run."""
    frames, exc = waiting if waiting is not None else (None, None)
    globals_ = saved_globals(ns)
    try:
        dumped = state.dump(ns, globals_, frames, exc, skip_unsaveable=skip_unsaveable)
    except graph.UnpicklableError as e:
        raise SaveError("cannot save " + "; ".join(f"{p} -> {t} ({why})" for p, t, why in e.problems)) from None
    where = repl.get("waiting")
    described = {"globals": [session._variable(k, v) for k, v in globals_.items()
                             if not (k.startswith("__") and k.endswith("__"))],
                 "frames": session._manifest_frames(frames) if frames else []}
    manifest = dict(dumped.manifest, **described, kind=KIND, engine=__version__, python=session.python_identity(),
                    created=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                    cwd=os.getcwd(), location=where, kernel=key, auto=auto, repl=repl, script="<repl>",
                    # what `suspendable inspect` shows
                    stopped_at=dict(where, where=f"{where['file']}:{where['line']} in {where['function']}()")
                    if where else None)
    try:
        if name is None:
            path = store.autosave(key, manifest, dumped.data, dumped.buffers)
        else:
            path = store.save(name, dict(manifest, name=name), dumped.data, dumped.buffers)
    except Exception as e:  # noqa: BLE001 - disk full, permissions: the REPL goes on, the user is told
        raise SaveError(f"cannot write the session: {type(e).__name__}: {e}") from None
    saved_name = os.path.basename(path)[:-len(store.SUFFIX)]
    return saved_name, path, os.path.getsize(path), dumped.skipped


def read_manifest(path):
    try:
        manifest = _snapfile.read_manifest(path)
    except (OSError, _snapfile.SnapshotFileError) as e:
        raise LoadError(f"cannot read {path}: {e}") from None
    if manifest.get("kind") != KIND:
        raise LoadError(f"{path} is not a REPL session (it holds a {manifest.get('kind')!r} snapshot)")
    return manifest


def read(path, ns):
    """(manifest, payload) of the session in `path`, its globals already in `ns`."""
    manifest = read_manifest(path)
    try:
        session.check_compatible(manifest)
        manifest, data, buffers = _snapfile.read(path)
        payload = state.load(manifest, data, buffers, ns)
    except Exception as e:  # noqa: BLE001 - tampered, other Python, changed library: say why, stay alive
        raise LoadError(f"cannot restore {path}: {e}") from None
    ns.update(payload["globals"])
    payload["warnings"] += state.run_resume_hooks(payload)
    return manifest, payload


def skipped_text(skipped):
    """"global 'conn' (socket.socket)" for each entry of state.dump's or a manifest's ``skipped``."""
    rows = [(e["path"], e["type"], e.get("reason")) if isinstance(e, dict) else tuple(e) + (None,) * (3 - len(e))
            for e in skipped]
    return "; ".join(f"{path} ({type_name}{': ' + why if why else ''})" for path, type_name, why in rows)


def latest(key):
    """The newest readable session saved by a REPL in this directory (`key`), or None."""
    mine = [s for s in store.list_sessions() if s.error is None and s.kernel == key and s.auto
            and s.manifest.get("kind") == KIND]
    return mine[-1] if mine else None


def describe(names, waiting):
    """'3 variables (a, b, c), a suspended statement' - what a session holds."""
    names = sorted(n for n in names if not n.startswith("_"))
    shown = ", ".join(names[:10]) + (", ..." if len(names) > 10 else "")
    text = f"{len(names)} variable{'s' if len(names) != 1 else ''}" + (f" ({shown})" if names else "")
    return text + (", a suspended statement" if waiting else "")


def describe_saved(manifest):
    """describe() of a saved session, from its manifest."""
    return describe([v["name"] for v in manifest.get("globals", [])], (manifest.get("repl") or {}).get("waiting"))
