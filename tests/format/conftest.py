"""Fixtures for the snapshot format and store tests.

They import the extension build of `_suspendable_format` (build/python-ext) and the project's
`suspendable` package (build/python) into Debian's python3.11, and run the built `suspendable` binary
for the command-line cases. ctest passes the locations; by hand:

    SUSPENDABLE_BUILD=/work/main/build-format /usr/bin/python3 -m pytest -q tests/format
"""

import hashlib
import hmac
import os
import struct
import subprocess
import sys

import pytest

BUILD = os.environ.get("SUSPENDABLE_BUILD", os.path.join(os.path.dirname(__file__), "..", "..", "build-format"))
sys.path[:0] = [os.path.join(BUILD, "python-ext"), os.path.join(BUILD, "python")]
BINARY = os.environ.get("SUSPENDABLE_BINARY", os.path.join(BUILD, "suspendable"))


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A private data directory (key + sessions) per test."""
    h = tmp_path / "home"
    monkeypatch.setenv("SUSPENDABLE_HOME", str(h))
    monkeypatch.delenv("SUSPENDABLE_KEEP_AUTOSAVES", raising=False)
    return h


@pytest.fixture
def fmt(home):
    import _suspendable_format

    return _suspendable_format


def run_cli(*args, env=None):
    return subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=60, env=env)


def resign(data: bytearray, home) -> bytearray:
    """Fixes the header checksum and the signature after a test rewrote header fields (FORMAT.md)."""
    data[128:160] = hashlib.sha256(bytes(data[0:128])).digest()
    key = bytes.fromhex((home / "key").read_text().strip())
    data[160:192] = hmac.new(key, bytes(data[0:160]), hashlib.sha256).digest()
    return data


def patch_u32(data: bytearray, offset: int, value: int) -> None:
    data[offset:offset + 4] = struct.pack("<I", value)
