"""suspendable.on_resume(fn): a hook reconnects a database the session could not save."""
import os
import sqlite3
import sys

import suspendable

WORKDIR = sys.argv[1]
DB = os.path.join(WORKDIR, "data.db")
conn = sqlite3.connect(DB)
conn.execute("CREATE TABLE IF NOT EXISTS t (x INTEGER)")
conn.execute("INSERT INTO t VALUES (42)")
conn.commit()
reconnected = []


def reconnect():
    global conn
    conn = sqlite3.connect(DB)
    reconnected.append(True)


suspendable.on_resume(reconnect)
resumed = suspendable.checkpoint(os.path.join(WORKDIR, "hook.snap"))
print("resumed" if resumed else "saved", reconnected == ([True] if resumed else []),
      conn.execute("SELECT x FROM t").fetchone()[0], flush=True)
