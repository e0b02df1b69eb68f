"""Coroutines and async generators held in variables, in every state: created and never started,
suspended inside an await, an async generator mid-iteration, a closed coroutine. The same output is
expected uninterrupted and after a resume in a fresh process (checkpoint below)."""
import asyncio, sys, suspendable

async def fetch(i, log):
    log.append(f"start {i}")
    await asyncio.sleep(0)
    log.append(f"middle {i}")
    await asyncio.sleep(0)
    return i * 10

async def agen(n):
    for i in range(n):
        yield i * i

class Step:
    def __await__(self):
        yield "paused"
        return "stepped"

async def stepper(log):
    v = await Step()
    log.append(v)
    return len(log)

log = []
c = fetch(3, log)           # created, never started
s = stepper(log)
first = s.send(None)       # suspended inside await Step()
g = agen(4)
aw = g.__anext__()
try:
    aw.send(None)
except StopIteration as e:
    got = e.value
del aw
done = fetch(1, []); done.close()
if suspendable.checkpoint(sys.argv[1]):
    print("resumed")
print("first", first, "got", got)
print("run c:", asyncio.run(c), log)
try:
    s.send(None)
except StopIteration as e:
    print("stepper returned", e.value, log)
async def rest():
    return [x async for x in g]
print("agen rest", asyncio.run(rest()))
print("closed coroutine", done.cr_frame is None)
