"""Reading and writing snapshot files for the session.

The file format (header, JSON manifest, payload sections, checksums, signature, atomic write) belongs to
the builtin ``_suspendable_format``. This module only adapts it to what the session needs; when that
module is not available (a build without it), a minimal format with the same guarantees (manifest
readable without unpickling, atomic replace) is used.
"""

import json
import os
import struct

try:
    import _suspendable_format as _format
except ImportError:  # pragma: no cover - the binary always registers it
    _format = None

_HAVE_FORMAT = _format is not None and hasattr(_format, "write")

_MAGIC = b"SUSPENDABLE-SNAPSHOT-LITE\n"


class SnapshotFileError(Exception):
    pass


def write(path, manifest, pickle_data, buffers):
    """Writes the snapshot atomically (a crash never damages an existing file); returns its size."""
    if _HAVE_FORMAT:
        return _format.write(path, manifest, pickle_data, buffers)
    if buffers:
        raise SnapshotFileError("out-of-band buffers need the snapshot format module")
    body = json.dumps(manifest).encode()
    directory = os.path.dirname(os.path.abspath(path)) or "."
    tmp = os.path.join(directory, f".{os.path.basename(path)}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            f.write(_MAGIC)
            f.write(struct.pack("<QQ", len(body), len(pickle_data)))
            f.write(body)
            f.write(pickle_data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return os.path.getsize(path)


def uses_buffers():
    return _HAVE_FORMAT


def _read_lite(path, with_payload):
    with open(path, "rb") as f:
        if f.read(len(_MAGIC)) != _MAGIC:
            raise SnapshotFileError(f"{path}: not a snapshot file")
        n_manifest, n_pickle = struct.unpack("<QQ", f.read(16))
        manifest = json.loads(f.read(n_manifest))
        if not with_payload:
            return manifest, None
        data = f.read(n_pickle)
        if len(data) != n_pickle:
            raise SnapshotFileError(f"{path}: truncated snapshot")
        return manifest, data


def _is_lite(path):
    with open(path, "rb") as f:
        return f.read(len(_MAGIC)) == _MAGIC


def read_manifest(path):
    """The manifest only: nothing is unpickled."""
    if _HAVE_FORMAT and not _is_lite(path):
        try:
            return _format.read_manifest(path)
        except _format.SnapshotError as e:
            raise SnapshotFileError(str(e)) from None
    return _read_lite(path, False)[0]


def read(path):
    """(manifest, pickle bytes-like, buffers), after the file's integrity and signature checks."""
    if _HAVE_FORMAT and not _is_lite(path):
        try:
            return _format.read(path)
        except _format.SnapshotError as e:
            raise SnapshotFileError(str(e)) from None
    manifest, data = _read_lite(path, True)
    return manifest, data, []
