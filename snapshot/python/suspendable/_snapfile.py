"""Reading and writing snapshot files for the session.

The file format (header, JSON manifest, payload sections, checksums, HMAC signature, atomic write)
belongs to the builtin ``_suspendable_format``, which every embedded interpreter of the binary has.
There is deliberately no fallback format: unpickling is code execution, so a snapshot is only ever
read after its signature and checksums are verified.
"""

import sys


def _format():
    """The extension, loaded at the first snapshot rather than at start-up: it links OpenSSL and zstd
    (2 ms of loading that a program never suspended should not pay)."""
    fmt = sys.modules.get("_suspendable_format")
    if fmt is None:
        import _suspendable_format as fmt
    return fmt


class SnapshotFileError(Exception):
    pass


def write(path, manifest, pickle_data, buffers):
    """Writes the snapshot atomically (a crash never damages an existing file); returns its size."""
    return _format().write(path, manifest, pickle_data, buffers)


def uses_buffers():
    return True


def read_manifest(path):
    """The manifest only: nothing is unpickled."""
    fmt = _format()
    try:
        return fmt.read_manifest(path)
    except fmt.SnapshotError as e:
        raise SnapshotFileError(str(e)) from None


def read(path):
    """(manifest, pickle bytes-like, buffers), after the file's integrity and signature checks."""
    fmt = _format()
    try:
        return fmt.read(path)
    except fmt.SnapshotError as e:
        raise SnapshotFileError(str(e)) from None
