"""The `_suspendable_format` Python API: round trip with out-of-band buffers, memory mapping, no
unpickling on read_manifest, every refusal with its class and message, trust, tamper resistance."""

import os
import pickle
import random
import struct
import threading
import time

import numpy as np
import pytest

from conftest import patch_u32, resign, run_cli

SIDE_EFFECTS = []


class Loud:
    """Unpickling this prints and records: read_manifest must never trigger it."""

    def __reduce__(self):
        return (print, ("UNPICKLED: this must not appear during inspect",))


def dumps(obj):
    buffers = []
    data = pickle.dumps(obj, protocol=5, buffer_callback=lambda b: buffers.append(b.raw()))
    return data, buffers


def make_snapshot(fmt, path, size=200_000, compress=False, **manifest):
    state = {"a": np.arange(size, dtype=np.float64), "b": np.ones((64, 3), dtype=np.int32), "s": "text", "loud": Loud()}
    data, buffers = dumps(state)
    manifest = {"location": {"file": "prog.py", "line": 7, "function": "main"}, **manifest}
    fmt.write(str(path), manifest, data, buffers, compress=compress)
    return state


def test_round_trip_with_mapped_writable_buffers(fmt, tmp_path, capsys):
    path = tmp_path / "s.snap"
    state = make_snapshot(fmt, path)
    manifest, data, buffers = fmt.read(str(path))
    assert manifest["location"]["line"] == 7
    assert isinstance(data, memoryview) and all(isinstance(b, memoryview) for b in buffers)
    assert all(isinstance(b.obj, fmt.Mapping) for b in buffers)
    loaded = pickle.loads(data, buffers=buffers)
    assert capsys.readouterr().out.count("UNPICKLED") == 1  # read() itself unpickles nothing; loads does
    np.testing.assert_array_equal(loaded["a"], state["a"])
    np.testing.assert_array_equal(loaded["b"], state["b"])
    assert loaded["a"].flags.writeable  # copy-on-write mapping
    del manifest, data, buffers
    loaded["a"][0] = 42.0  # the mapping outlives the views returned by read()
    assert loaded["a"][0] == 42.0
    assert fmt.read(str(path))[2][0].cast("d")[0] == 0.0, "writes must never reach the file"


def test_resave_over_the_file_being_resumed(fmt, tmp_path):
    """Resume from a file, then suspend again to the same name while the arrays still live in its
    mapping: the new file is written from the old mapping's pages, the old inode stays mapped."""
    path = str(tmp_path / "s.snap")
    make_snapshot(fmt, path, size=300_000)
    for generation in range(3):
        _, data, buffers = fmt.read(path)
        state = pickle.loads(data, buffers=buffers)
        state["a"] += 1  # copy-on-write pages
        expected = state["a"].copy()
        state.pop("loud", None)
        data2, buffers2 = dumps(state)
        fmt.write(path, {"generation": generation}, data2, buffers2)
        np.testing.assert_array_equal(state["a"], expected)  # the old mapping is untouched
        _, data, buffers = fmt.read(path)
        np.testing.assert_array_equal(pickle.loads(data, buffers=buffers)["a"], expected)
    assert expected[0] == 3.0


def test_buffers_are_64_byte_aligned_in_the_file(fmt, tmp_path):
    path = tmp_path / "s.snap"
    make_snapshot(fmt, path, size=1001)
    _, _, buffers = fmt.read(str(path))
    mapping = buffers[0].obj
    base = np.frombuffer(mapping, dtype=np.uint8).ctypes.data
    for b in buffers:
        assert (np.frombuffer(b, dtype=np.uint8).ctypes.data - base) % fmt.ALIGNMENT == 0


def test_read_manifest_reads_no_pickle(fmt, tmp_path, capsys):
    path = tmp_path / "s.snap"
    make_snapshot(fmt, path, modules={"numpy": np.__version__})
    m = fmt.read_manifest(str(path))
    assert "UNPICKLED" not in capsys.readouterr().out
    assert m["location"] == {"file": "prog.py", "line": 7, "function": "main"}
    assert m["modules"] == {"numpy": np.__version__}
    assert m["format_version"] == fmt.FORMAT_VERSION == 1
    assert m["python_version"].startswith("3.11.")
    assert m["bytecode_magic"] == 3495
    assert m["platform"] == "linux-" + os.uname().machine
    assert m["signed_ok"] is True and m["python_compatible"] is True
    assert m["size"] == path.stat().st_size
    assert abs(m["created"] - path.stat().st_mtime) < 60
    assert m["buffer_count"] == 2 and m["compressed"] is False
    assert m["header"]["size"] == m["size"]


def test_manifest_keys_win_over_header_fields_at_top_level(fmt, tmp_path):
    path = tmp_path / "s.snap"
    fmt.write(str(path), {"created": "2026-01-01T00:00:00+00:00", "platform": "Linux-6.1-x86_64"}, b"", [])
    m = fmt.read_manifest(str(path))
    assert m["created"] == "2026-01-01T00:00:00+00:00" and m["platform"] == "Linux-6.1-x86_64"
    assert isinstance(m["header"]["created"], float) and m["header"]["platform"].startswith("linux-")
    assert m["signed_ok"] is True and m["header"]["signed_ok"] is True


def test_compressed_pickle(fmt, tmp_path):
    big = {"text": "abc" * 100_000}
    data, _ = dumps(big)
    fmt.write(str(tmp_path / "c.snap"), {}, data, [], compress=True)
    fmt.write(str(tmp_path / "u.snap"), {}, data, [])
    assert (tmp_path / "c.snap").stat().st_size < (tmp_path / "u.snap").stat().st_size / 10
    m, pk, bufs = fmt.read(str(tmp_path / "c.snap"))
    assert isinstance(pk, bytes) and pickle.loads(pk) == big and bufs == []
    assert fmt.read_manifest(str(tmp_path / "c.snap"))["compressed"] is True


def test_write_rejects_bad_arguments_and_keeps_the_old_file(fmt, tmp_path):
    path = tmp_path / "s.snap"
    make_snapshot(fmt, path)
    before = path.read_bytes()
    with pytest.raises(TypeError):
        fmt.write(str(path), ["not", "a", "dict"], b"", [])
    with pytest.raises(ValueError):
        fmt.write(str(path), {"x": float("nan")}, b"", [])
    with pytest.raises(BufferError):
        fmt.write(str(path), {}, b"", [np.arange(100)[::2]])
    with pytest.raises(TypeError):
        fmt.write(str(path), {}, b"", [object()])
    with pytest.raises(FileNotFoundError):
        fmt.write(str(tmp_path / "no-such-dir" / "s.snap"), {}, b"", [])
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["home", "s.snap"], "no temporary files left"


def test_write_releases_the_gil(fmt, tmp_path):
    big = np.ones(256 << 20, dtype=np.uint8)
    ticks = []
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            ticks.append(1)

    t = threading.Thread(target=spin)
    t.start()
    try:
        before = len(ticks)
        fmt.write(str(tmp_path / "big.snap"), {}, b"x", [big])
        during = len(ticks) - before
    finally:
        stop.set()
        t.join()
    assert during > 1000, "another thread could not run while the buffers were written"


# --- refusals: each case its own class and message, naming the file ---------------------------------


def corrupt_cases(fmt, tmp_path, home):
    good = tmp_path / "good.snap"
    make_snapshot(fmt, good)
    raw = bytearray(good.read_bytes())
    info = fmt.read_manifest(str(good))

    def variant(name, data):
        p = tmp_path / name
        p.write_bytes(bytes(data))
        return str(p)

    future = bytearray(raw)
    patch_u32(future, 16, 2)
    resign(future, home)
    wrong_py = bytearray(raw)
    patch_u32(wrong_py, 24, 0x030C01F0)
    patch_u32(wrong_py, 28, 3531 | (0x0D0A << 16))
    resign(wrong_py, home)
    table_offset = struct.unpack_from("<Q", raw, 48)[0]
    manifest_flip, pickle_flip, buffer_flip = bytearray(raw), bytearray(raw), bytearray(raw)
    manifest_flip[200] ^= 0x20
    pickle_offset = struct.unpack_from("<Q", raw, table_offset + 64 + 8)[0]
    pickle_flip[pickle_offset + 3] ^= 1
    buffer_flip[table_offset - 100] ^= 0x80  # inside the last buffer
    assert info["size"] == len(raw)
    return {
        "empty": (variant("empty.snap", b""), fmt.EmptySnapshotError, "is empty"),
        "truncated": (variant("trunc.snap", raw[: len(raw) // 2]), fmt.TruncatedSnapshotError,
                      f"truncated: {len(raw) // 2} of {len(raw)} bytes"),
        "short": (variant("short.snap", raw[:40]), fmt.TruncatedSnapshotError, "shorter than the 192-byte"),
        "garbage": (variant("garbage.snap", os.urandom(4096)), fmt.NotASnapshotError, "not a suspendable snapshot"),
        "wrong_magic": (variant("png.snap", b"\x89PNG\r\n\x1a\n" + raw[8:]), fmt.NotASnapshotError, "wrong magic"),
        "future": (variant("future.snap", future), fmt.FutureFormatError,
                   "format version 2, newer than this suspendable reads (up to version 1)"),
        "wrong_python": (variant("py312.snap", wrong_py), fmt.WrongPythonError,
                         "written by CPython 3.12.1 (bytecode magic 3531), but this is CPython 3.11"),
        "manifest": (variant("m.snap", manifest_flip), fmt.ChecksumError, "checksum mismatch in the manifest"),
        "pickle": (variant("p.snap", pickle_flip), fmt.ChecksumError, "checksum mismatch in the pickle section"),
        "buffer": (variant("b.snap", buffer_flip), fmt.ChecksumError, "checksum mismatch in the buffer 1 section"),
    }


CASES = ["empty", "truncated", "short", "garbage", "wrong_magic", "future", "wrong_python", "manifest", "pickle",
         "buffer"]


@pytest.mark.parametrize("case", CASES)
def test_each_bad_file_has_its_own_error(fmt, tmp_path, home, case):
    path, cls, message = corrupt_cases(fmt, tmp_path, home)[case]
    with pytest.raises(cls) as e:
        fmt.read(path)
    assert message in str(e.value) and path in str(e.value)
    assert isinstance(e.value, fmt.SnapshotError) and isinstance(e.value, Exception)
    if case not in ("pickle", "buffer", "wrong_python"):  # read_manifest reads header and manifest only
        with pytest.raises(cls):
            fmt.read_manifest(path)


@pytest.mark.parametrize("case", [c for c in CASES if c != "wrong_python"])
def test_cli_trust_refuses_bad_files_with_status_2(fmt, tmp_path, home, case):
    path, _, message = corrupt_cases(fmt, tmp_path, home)[case]
    before = open(path, "rb").read()
    r = run_cli("trust", path)
    assert r.returncode == 2, r
    assert message in r.stderr and path in r.stderr
    assert open(path, "rb").read() == before, "a refused file must be left alone"


def test_other_key_is_refused_then_trusted(fmt, tmp_path, monkeypatch):
    path = tmp_path / "s.snap"
    make_snapshot(fmt, path)
    monkeypatch.setenv("SUSPENDABLE_HOME", str(tmp_path / "other-machine"))
    with pytest.raises(fmt.SignatureError) as e:
        fmt.read(str(path))
    assert str(e.value) == (f"{path}: bad signature: signed with another key or modified; "
                            f"run `suspendable trust {path}` if you trust it")
    assert fmt.read_manifest(str(path))["signed_ok"] is False
    fmt.read(str(path), trust=True)  # an explicit one-off override
    r = run_cli("trust", str(path))
    assert r.returncode == 0 and "now signed with your key" in r.stdout, r
    assert fmt.read_manifest(str(path))["signed_ok"] is True
    fmt.read(str(path))
    assert fmt.trust(str(path)) is False
    assert (tmp_path / "other-machine" / "key").stat().st_mode & 0o777 == 0o600


def test_cli_trust_usage(fmt):
    r = run_cli("trust")
    assert r.returncode == 2 and "usage: suspendable trust" in r.stderr
    r = run_cli("trust", "/nonexistent/x.snap")
    assert r.returncode == 2 and "/nonexistent/x.snap" in r.stderr


def test_tamper_200_random_bytes_of_a_real_snapshot(fmt, tmp_path, capsys):
    """Flip each of 200 random bytes of a real snapshot (numpy buffers, compressed pickle) in turn:
    every variant is refused before anything is unpickled, and nothing crashes."""
    path = tmp_path / "real.snap"
    make_snapshot(fmt, path, size=50_000, compress=True)
    original = path.read_bytes()
    rng = random.Random(5)
    bad = tmp_path / "tampered.snap"
    refused = {}
    for i in range(200):
        at = rng.randrange(len(original))
        data = bytearray(original)
        data[at] ^= 1 << rng.randrange(8)
        bad.write_bytes(bytes(data))
        try:
            fmt.read(str(bad))
        except fmt.SnapshotError as e:
            refused[type(e).__name__] = refused.get(type(e).__name__, 0) + 1
        else:
            pytest.fail(f"flipping byte {at} was not detected")
    assert sum(refused.values()) == 200
    assert "UNPICKLED" not in capsys.readouterr().out
    print(f"tamper (python): 200/200 refused: {refused}")


WRITER = r"""
import sys, pickle
sys.path[:0] = sys.argv[1].split(":")
import numpy as np, _suspendable_format as fmt
path, first = sys.argv[2], int(sys.argv[3])
a = np.empty(3 << 20, dtype=np.uint8)
print("ready", flush=True)
for generation in range(first, first + 10**6):
    a[:] = generation % 251
    buffers = []
    data = pickle.dumps({"generation": generation, "a": a}, protocol=5, buffer_callback=lambda b: buffers.append(b.raw()))
    fmt.write(path, {"generation": generation}, data, buffers)
"""


def test_python_writer_killed_at_random_instants(fmt, tmp_path):
    """The kill test through the Python module (GIL released, Py_buffer views): 50 SIGKILLs of a
    process writing 3 MB snapshots; the snapshot always loads whole and self-consistent."""
    import subprocess
    import sys

    path = str(tmp_path / "s.snap")
    make_snapshot(fmt, path, size=1000)
    search = ":".join(p for p in sys.path if "python-ext" in p or p.endswith("/python"))
    rng = random.Random(11)
    seen = set()
    for i in range(50):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, search, path, str(i * 1000)],
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0, 0.08))
        proc.kill()
        proc.wait()
        proc.stdout.close()
        manifest, data, buffers = fmt.read(path)
        state = pickle.loads(data, buffers=buffers)
        if "generation" in manifest:
            assert state["generation"] == manifest["generation"]
            assert (state["a"] == manifest["generation"] % 251).all()
        seen.add(manifest.get("generation"))
    assert len(seen) > 5, "no kill landed after a complete write: the test proved nothing"


def test_identity_table_is_an_identity_persistent_id(fmt):
    """IdentityTable: the graph pickler's persistent_id (called for every object pickled). Identity only:
    equal or unhashable objects are not matched; later pairs win; everything else is None."""
    ns, other, key = {"x": 1}, {"x": 1}, [1, 2]
    table = fmt.IdentityTable([(ns, ("OLD",)), (key, ("LIST",)), (ns, ("NS",))])
    assert len(table) == 2
    assert table(ns) == ("NS",) and table(key) == ("LIST",)
    assert table(other) is None and table([1, 2]) is None and table(1) is None and table(None) is None
    with pytest.raises(TypeError):
        table()
    with pytest.raises(TypeError):
        fmt.IdentityTable([(1, 2, 3)])
    assert len(fmt.IdentityTable([])) == 0 and fmt.IdentityTable([])(ns) is None
    many = [object() for _ in range(1000)]
    big = fmt.IdentityTable([(o, i) for i, o in enumerate(many)])
    assert all(big(o) == i for i, o in enumerate(many)) and big(object()) is None

    class P(pickle.Pickler):
        pass

    import io
    out = io.BytesIO()
    p = P(out, protocol=5)
    p.persistent_id = table
    p.dump({"ns": ns, "same": ns, "other": other, "key": key})

    class U(pickle.Unpickler):
        def persistent_load(self, pid):
            return {"NS": ns, "LIST": key}[pid[0]]

    back = U(io.BytesIO(out.getvalue())).load()
    assert back["ns"] is ns and back["same"] is ns and back["key"] is key and back["other"] == other
    assert back["other"] is not other
