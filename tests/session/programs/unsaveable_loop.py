"""A program holding unsaveable objects in several places, waiting in a loop until WORKDIR/stop exists.

Unsaveable: global 'packer' (zlib.Compress), global 'db' (sqlite3.Connection), global 'cfg'['conns'][1]
(socket.socket, inside a list in a dict), frame train() locals 'sock' and 'peer' (socket.socket).
The standard streams (global 'log', 'pbar'.fp) are saveable: they map to the new process's streams.
"""
import os
import socket
import sqlite3
import sys
import time
import types
import zlib

WORKDIR = sys.argv[1]
STOP = os.path.join(WORKDIR, "stop")
packer = zlib.compressobj()
db = sqlite3.connect(os.path.join(WORKDIR, "data.db"))
cfg = {"name": "cfg", "conns": ["localhost", socket.socket(socket.AF_INET, socket.SOCK_STREAM)]}
log = sys.stderr
results = []


def train(limit):
    sock, peer = socket.socketpair()
    pbar = types.SimpleNamespace(fp=sys.stderr, n=0)
    print("ready", flush=True)
    deadline = time.monotonic() + limit
    while not os.path.exists(STOP) and time.monotonic() < deadline:
        pbar.n += 1
        time.sleep(0.01)
    sock.close()
    peer.close()
    return pbar.n


steps = train(60)
cfg["conns"][1].close()
db.close()
print("done", steps > 0, flush=True)
