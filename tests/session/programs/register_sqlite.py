"""suspendable.register for a sqlite3.Connection: saved as its database file, reconnected at resume.

Usage: register_sqlite.py WORKDIR [again]  ("again": after the resume, checkpoint once more to WORKDIR/again.snap)
"""
import os
import sqlite3
import sys

import suspendable

WORKDIR = sys.argv[1]
DB = os.path.join(WORKDIR, "data.db")


def database_file(conn):
    return conn.execute("PRAGMA database_list").fetchone()[2]


suspendable.register(sqlite3.Connection, database_file, sqlite3.connect)
conn = sqlite3.connect(DB)
conn.execute("CREATE TABLE IF NOT EXISTS t (x INTEGER)")
conn.executemany("INSERT INTO t VALUES (?)", [(1,), (2,), (3,)])
conn.commit()


def work():
    local = conn
    resumed = suspendable.checkpoint(os.path.join(WORKDIR, "first.snap"))
    rows = local.execute("SELECT count(*) FROM t").fetchone()[0]
    print("resumed" if resumed else "saved", rows, local is conn, type(conn).__name__, flush=True)
    if resumed and sys.argv[2:] == ["again"]:
        # The resumed process must still know the registration (it travels in the snapshot).
        again = suspendable.checkpoint(os.path.join(WORKDIR, "again.snap"))
        print("again", "resumed" if again else "saved", conn.execute("SELECT sum(x) FROM t").fetchone()[0])


work()
