"""Reading and writing snapshot files for the session.

The file format (header, JSON manifest, payload sections, checksums, HMAC signature, atomic write)
belongs to the builtin ``_suspendable_format``, which every embedded interpreter of the binary has.
There is deliberately no fallback format: unpickling is code execution, so a snapshot is only ever
read after its signature and checksums are verified.
"""

import _suspendable_format as _format


class SnapshotFileError(Exception):
    pass


def write(path, manifest, pickle_data, buffers):
    """Writes the snapshot atomically (a crash never damages an existing file); returns its size."""
    return _format.write(path, manifest, pickle_data, buffers)


def uses_buffers():
    return True


def read_manifest(path):
    """The manifest only: nothing is unpickled."""
    try:
        return _format.read_manifest(path)
    except _format.SnapshotError as e:
        raise SnapshotFileError(str(e)) from None


def read(path):
    """(manifest, pickle bytes-like, buffers), after the file's integrity and signature checks."""
    try:
        return _format.read(path)
    except _format.SnapshotError as e:
        raise SnapshotFileError(str(e)) from None
