"""Wire-level behaviour every front end relies on: heartbeat, message signing, queued requests, several
clients sharing one kernel."""

import time
import uuid

import zmq
from jupyter_client.session import Session


def test_heartbeat_echo(kernel):
    hb = kernel.km.connect_hb()
    try:
        for payload in (b"ping", uuid.uuid4().bytes):
            hb.send(payload)
            assert hb.poll(5000), "no heartbeat echo"
            assert hb.recv() == payload
    finally:
        hb.close(linger=0)


def test_heartbeat_while_busy(kernel):
    ex = kernel.send_execute("import time\ntime.sleep(1.5)")
    hb = kernel.km.connect_hb()
    try:
        time.sleep(0.3)
        t0 = time.monotonic()
        hb.send(b"busy?")
        assert hb.poll(2000), "heartbeat not answered while a cell runs"
        assert hb.recv() == b"busy?"
        assert time.monotonic() - t0 < 0.5
    finally:
        hb.close(linger=0)
    kernel.collect(ex)


def test_badly_signed_message_is_ignored(kernel):
    """Messages are HMAC-signed with the connection file's key; anything else must not run."""
    intruder = Session(key=b"not-the-key", signature_scheme=kernel.km.session.signature_scheme)
    shell = kernel.km.connect_shell(identity=intruder.bsession)
    try:
        msg = intruder.msg("execute_request", {
            "code": "intruded = True", "silent": False, "store_history": True,
            "user_expressions": {}, "allow_stdin": False, "stop_on_error": True,
        })
        intruder.send(shell, msg)
        assert not shell.poll(1000), "the kernel answered a message signed with the wrong key"
    finally:
        shell.close(linger=0)
    assert kernel.execute("intruded").content["ename"] == "NameError"


def test_queued_requests_run_in_order(kernel):
    sent = [kernel.send_execute(f"import time\ntime.sleep(0.1)\nprint({i})") for i in range(4)]
    for ex in sent:
        kernel.collect(ex)
    counts = [ex.execution_count for ex in sent]
    assert counts == list(range(counts[0], counts[0] + 4)), counts
    assert [ex.stdout for ex in sent] == [f"{i}\n" for i in range(4)]
    assert all(a.reply.t <= b.reply.t for a, b in zip(sent, sent[1:]))


def test_failed_cell_counts(kernel):
    a = kernel.execute("raise ValueError('counted')")
    b = kernel.ok("'next'")
    assert a.status == "error" and a.execution_count is not None
    assert b.execution_count == a.execution_count + 1


def test_second_client_sees_broadcast_output(kernel):
    """Two front ends on one kernel (e.g. a notebook and a console): the second sees the first's cells on iopub
    and can run its own."""
    other = Session(key=kernel.km.session.key, signature_scheme=kernel.km.session.signature_scheme)
    shell = kernel.km.connect_shell(identity=other.bsession)
    iopub = kernel.km.connect_iopub()
    try:
        time.sleep(0.3)  # let the SUB socket subscribe
        ex = kernel.ok("print('broadcast to all')")
        seen = []
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not any(m["msg_type"] == "stream" for m in seen):
            if iopub.poll(200):
                _, m = other.recv(iopub)
                if m["parent_header"].get("msg_id") == ex.msg_id:
                    seen.append(m)
        streams = [m["content"]["text"] for m in seen if m["msg_type"] == "stream"]
        assert streams == ["broadcast to all\n"], seen
        assert "execute_input" in [m["msg_type"] for m in seen]

        msg = other.msg("execute_request", {
            "code": "'from the other client'", "silent": False, "store_history": True,
            "user_expressions": {}, "allow_stdin": False, "stop_on_error": True,
        })
        other.send(shell, msg)
        assert shell.poll(10_000), "the second client got no reply"
        _, reply = other.recv(shell)
        assert reply["msg_type"] == "execute_reply" and reply["content"]["status"] == "ok"
        assert reply["parent_header"]["msg_id"] == msg["header"]["msg_id"]
    finally:
        shell.close(linger=0)
        iopub.close(linger=0)
    kernel.drain()
