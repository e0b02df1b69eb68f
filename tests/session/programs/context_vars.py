"""contextvars survive a resume: the program's own variables with the values set in the running
context, their defaults, a saved copy_context(), and a variable of an imported module (the module is
imported afresh at resume; the variable's value travels with the running context).

Usage: context_vars.py WORKDIR [nosuspend]
"""
import contextvars
import decimal
import os
import sys

import suspendable

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import context_vars_lib  # noqa: E402 - its variable travels with the running context

request_id = contextvars.ContextVar("request_id", default="none")
user = contextvars.ContextVar("user")
depth = contextvars.ContextVar("depth", default=0)
user.set("ada")
before = contextvars.copy_context()
request_id.set("r-7")
context_vars_lib.tenant.set("acme")
decimal.getcontext().prec = 50


def handle(n):
    for i in range(n):
        depth.set(depth.get() + 1)
        if i == 2 and sys.argv[2:] != ["nosuspend"]:
            suspendable.suspend(os.path.join(sys.argv[1], "ctx.snap"))
        print(i, request_id.get(), user.get(), depth.get(), before[user], before.get(request_id, "unset"))
    print(decimal.Decimal(1) / decimal.Decimal(7), context_vars_lib.tenant.get())
    print(before.run(request_id.get), contextvars.Context().run(depth.get))
    try:
        contextvars.Context().run(user.get)
    except LookupError:
        print("user has no default")


handle(5)
