// Frame capture and restore (snapshot/frames) in one process, without pickling: a chain captured in a
// call is resumed from the captured state and must continue exactly where it stopped, including loops,
// handled exceptions, exceptions propagating across restored frames, closures and generators.
#include "test_frames_fixture.hpp"

namespace
{

using engine_test::engine;

class frames : public engine
{
protected:
    void SetUp() override
    {
        engine::SetUp();
        // snap() captures the chain of its caller up to `base` (once) and returns what a resume sends.
        // The capture goes through the snapshot pickler at once, as a resume in a fresh process sees it:
        // the original run goes on mutating its own objects (iterators...).
        run("from suspendable import graph\n"
            "def roundtrip(obj):\n"
            "    # through the snapshot pickler, as a resume in a fresh process sees it (no shared iterators)\n"
            "    return graph.loads(graph.dumps(obj, globals()), globals())\n"
            "captured = []\n"
            "def snap(base):\n"
            "    if not captured:\n"
            "        captured.append(roundtrip(E.capture_caller(base, 1)))\n"
            "        return 'first'\n"
            "    return 'never'\n");
    }
};

TEST_F(frames, loop_continues_after_the_capture_point)
{
    run("log = []\n"
        "def inner(n):\n"
        "    total = 0\n"
        "    for i in range(n):\n"
        "        total += i\n"
        "        r = snap(outer.__code__)\n"
        "        log.append((i, r))\n"
        "    return total\n"
        "def outer():\n"
        "    return inner(5) * 10\n"
        "assert outer() == 100\n"
        "frames_, exc = captured[0]\n"
        "assert [f[1].co_name for f in frames_] == ['outer', 'inner'], frames_\n"
        "assert [f[6] for f in frames_] == [1, 1]  # both wait for a value\n"
        "del log[:]\n"
        "assert E.resume(frames_, exc, 'resumed') == 100\n"
        "assert log == [(0, 'resumed'), (1, 'never'), (2, 'never'), (3, 'never'), (4, 'never')], log\n");
}

TEST_F(frames, frame_objects_held_by_the_program_follow_the_restored_frames)
{
    // A frame object of the chain travels with its frame and is adopted by the restored one; a
    // finished frame's object is a stand-in with its code and position.
    run("import sys\n"
        "def done():\n"
        "    return sys._getframe()\n"
        "def inner():\n"
        "    me = sys._getframe()\n"
        "    up = me.f_back\n"
        "    old = done()\n"
        "    r = snap(outer.__code__)\n"
        "    return (r, me is sys._getframe(), up is me.f_back, up.f_code.co_name, sorted(me.f_locals),\n"
        "            old.f_code.co_name, old.f_lineno)\n"
        "def outer():\n"
        "    return inner()\n"
        "expected = ('first', True, True, 'outer', ['me', 'old', 'r', 'up'], 'done', 3)\n"
        "assert outer() == expected, outer()\n"
        "frames_, exc = captured[0]\n"
        "assert [f[8] is not None for f in frames_] == [True, True], [f[8] for f in frames_]\n"
        "assert E.resume(frames_, exc, 'resumed') == ('resumed',) + expected[1:]\n"
        "assert [len(f) for f in frames_] == [8, 8]  # the adopted objects are no longer held here\n");
}

TEST_F(frames, captured_lists_are_consumed_by_resume)
{
    run("class Tracked:\n"
        "    pass\n"
        "import weakref\n"
        "def inner():\n"
        "    t = Tracked()\n"
        "    snap(outer.__code__)\n"
        "    return weakref.ref(t)\n"
        "def outer():\n"
        "    return inner()\n"
        "outer()\n"
        "frames_, exc = captured[0]\n"
        "ref = E.resume(frames_, exc, None)\n"
        "assert ref() is None, 'the restored frame must hold the only reference'\n"
        "assert frames_[1][3] == [] and frames_[1][4] == []\n");
}

TEST_F(frames, handled_exception_and_exc_info_are_restored)
{
    run("def inner():\n"
        "    try:\n"
        "        raise KeyError('k')\n"
        "    except KeyError as e:\n"
        "        snap(outer.__code__)\n"
        "        info = sys.exc_info()[1]\n"
        "        return repr(info)\n"
        "def outer():\n"
        "    r = inner()\n"
        "    return r, sys.exc_info()\n"
        "outer()\n"
        "frames_, exc = captured[0]\n"
        "assert isinstance(exc, KeyError)\n"
        "r, after = E.resume(frames_, exc, None)\n"
        "assert r == \"KeyError('k')\", r\n"
        "assert after == (None, None, None), after\n"
        "assert sys.exc_info() == (None, None, None)\n");
}

TEST_F(frames, exception_propagates_across_restored_frames)
{
    run("def inner():\n"
        "    snap(outer.__code__)\n"
        "    raise ValueError('after resume')\n"
        "def middle():\n"
        "    try:\n"
        "        return inner()\n"
        "    finally:\n"
        "        trail.append('finally')\n"
        "def outer():\n"
        "    try:\n"
        "        middle()\n"
        "    except ValueError as e:\n"
        "        return 'caught ' + str(e), [f.name for f in __import__('traceback').extract_tb(e.__traceback__)]\n"
        "trail = []\n"
        "outer()\n"
        "trail = []\n"
        "frames_, exc = captured[0]\n"
        "msg, names = E.resume(frames_, exc, None)\n"
        "assert msg == 'caught after resume' and trail == ['finally'], (msg, trail)\n"
        "assert names == ['outer', 'middle', 'inner'], names\n");
}

TEST_F(frames, uncaught_exception_leaves_resume)
{
    run("def inner():\n"
        "    snap(outer.__code__)\n"
        "    return 1 / 0\n"
        "def outer():\n"
        "    return inner()\n"
        "try:\n"
        "    outer()\n"
        "except ZeroDivisionError:\n"
        "    pass\n"
        "frames_, exc = captured[0]\n"
        "try:\n"
        "    E.resume(frames_, exc, None)\n"
        "except ZeroDivisionError as e:\n"
        "    tb = __import__('traceback').extract_tb(e.__traceback__)\n"
        "    assert [f.name for f in tb][-2:] == ['outer', 'inner'], tb\n"
        "else:\n"
        "    raise AssertionError('no exception')\n");
}

TEST_F(frames, closures_share_cells_with_the_restored_frame)
{
    run("def outer():\n"
        "    bonus = 1\n"
        "    f = lambda v: v + bonus\n"
        "    snap(outer.__code__)\n"
        "    bonus = 100\n"
        "    return f(1)\n"
        "assert outer() == 101\n"
        "frames_, exc = captured[0]\n"
        "assert E.resume(frames_, exc, None) == 101\n");
}

TEST_F(frames, resumed_chain_can_be_captured_again)
{
    run("second = []\n"
        "def snap2():\n"
        "    second.append(E.capture_caller(base, 1))\n"
        "def inner(n):\n"
        "    out = []\n"
        "    for i in range(n):\n"
        "        r = snap(outer.__code__)\n"
        "        if r == 'resumed' and not second:\n"
        "            snap2()\n"
        "        out.append(i)\n"
        "    return out\n"
        "def outer():\n"
        "    return inner(4)\n"
        "outer()\n"
        "frames_, exc = captured[0]\n"
        "base = frames_[0][1]  # the restored chain runs the unpickled code objects\n"
        "assert E.resume(frames_, exc, 'resumed') == [0, 1, 2, 3]\n"
        "frames2, exc2 = second[0]\n"
        "assert [f[1].co_name for f in frames2] == ['outer', 'inner'], frames2\n");
}

TEST_F(frames, suspended_generators_round_trip)
{
    // Through the pickler's generator reducer: gen_capture, a fresh shell, gen_restore.
    run("def gen(n):\n"
        "    total = 0\n"
        "    for i in range(n):\n"
        "        try:\n"
        "            raise KeyError(i)\n"
        "        except KeyError:\n"
        "            total += (yield i)\n"
        "    return total\n"
        "g = gen(5)\n"
        "next(g); g.send(10)\n"
        "state = E.gen_capture(g)\n"
        "assert state[0] is gen and isinstance(state[6], KeyError), state\n"
        "fresh = roundtrip(g)\n"
        "assert fresh is not g and fresh.gi_frame.f_locals['total'] == 10\n"
        "assert fresh.send(20) == 2 and g.send(20) == 2\n"
        "out = []\n"
        "for x in (g, fresh):\n"
        "    try:\n"
        "        x.send(1); x.send(1); x.send(1)\n"
        "    except StopIteration as e:\n"
        "        out.append(e.value)\n"
        "assert out == [33, 33], out\n"
        "assert E.gen_capture(g)[0] is None\n"
        "assert list(roundtrip(g)) == []\n"
        "def count(n):\n"
        "    yield from range(n)\n"
        "assert list(roundtrip(count(3))) == [0, 1, 2]\n"
        "def delegate():\n"
        "    r = yield from gen(2)\n"
        "    yield ('done', r)\n"
        "d = delegate()\n"
        "next(d)\n"
        "d2 = roundtrip(d)\n"
        "assert d2.send(5) == 1 and d.send(5) == 1\n"
        "assert d2.send(6) == ('done', 11) and d.send(6) == ('done', 11)\n");
}

TEST_F(frames, running_generator_is_captured_as_a_shell)
{
    // Its frame belongs to the captured chain; the generator itself only says which function it runs.
    run("def gen():\n"
        "    yield E.gen_capture(me[0])\n"
        "me = [gen()]\n"
        "state = next(me[0])\n"
        "assert state[0] is gen and state[2] == -1 and state[3] is None and state[5] == 0, state\n");
}

TEST_F(frames, restore_rejects_state_that_does_not_fit)
{
    run("def inner():\n"
        "    snap(outer.__code__)\n"
        "def outer():\n"
        "    inner()\n"
        "outer()\n"
        "frames_, exc = captured[0]\n"
        "f = list(frames_[1])\n"
        "f[3] = f[3] + [1, 2, 3]\n"
        "try:\n"
        "    E.resume([frames_[0], tuple(f)], exc, None)\n"
        "except ValueError as e:\n"
        "    assert 'does not fit' in str(e), e\n"
        "else:\n"
        "    raise AssertionError('accepted a bad frame')\n"
        "try:\n"
        "    E.resume(frames_, exc)\n"
        "except ValueError as e:\n"
        "    assert 'waits for a value' in str(e), e\n"
        "else:\n"
        "    raise AssertionError('resumed without the awaited value')\n");
}

TEST_F(frames, armed_tracer_counts_capturable_lines_and_disarms)
{
    run("def work():\n"
        "    x = 0\n"
        "    for i in range(3):\n"
        "        x += i\n"
        "    return x\n"
        "E.configure(base_code=work.__code__, count_only=True)\n"
        "before = E.counters()[0]\n"
        "E.arm()\n"
        "assert E.armed()\n"
        "work()\n"
        "E.disarm()\n"
        "assert not E.armed() and sys.gettrace() is None\n"
        "n = E.counters()[0] - before\n"
        "E.configure()\n"
        "assert n >= 7, n\n");
}

TEST_F(frames, tracer_callback_sees_a_capturable_chain)
{
    run("seen = []\n"
        "def cb(frame):\n"
        "    seen.append(E.capture(frame, work.__code__))\n"
        "    return True\n"
        "def helper(v):\n"
        "    return v * 2\n"
        "def work():\n"
        "    return helper(21)\n"
        "E.configure(base_code=work.__code__, callback=cb, skip=1)\n"
        "E.arm()\n"
        "assert work() == 42\n"
        "assert not E.armed(), 'still armed'\n"
        "E.configure()\n"
        "frames_, exc = seen[0]\n"
        "assert [f[1].co_name for f in frames_] == ['work', 'helper'], frames_\n"
        "assert frames_[1][6] == 0 and frames_[0][6] == 1, frames_  # innermost before its instruction\n");
}

// An object whose __init__ runs is half-built: a class's Python __getstate__ cannot save it, so the chain
// waits unless the layout is plain (graph.py then saves the raw state); __new__ only while it holds an
// instance of its class.
TEST_F(frames, half_built_objects_block_only_what_cannot_be_saved_raw)
{
    run("import random, threading\n"
        "seen = {}\n"
        "def probe(key):\n"
        "    seen[key] = E.describe_blocker(sys._getframe(1), work.__code__)\n"
        "class Plain:\n"
        "    def __init__(self):\n"
        "        self.lock = threading.Lock()\n"
        "        probe('plain')\n"
        "    def __getstate__(self):\n"
        "        return {}\n"
        "class Native(random.Random):\n"
        "    def __init__(self):\n"
        "        probe('native')\n"
        "        super().__init__(1)\n"
        "class Lookup:\n"
        "    def __new__(cls, made=None):\n"
        "        probe('lookup')\n"
        "        obj = object.__new__(cls)\n"
        "        probe('new')\n"
        "        return obj\n"
        "    def __reduce__(self):\n"
        "        return (Lookup, ())\n"
        "def work():\n"
        "    Plain(); Native(); Lookup()\n"
        "work()\n"
        "assert E.plain_layout(Plain) and not E.plain_layout(Native) and not E.plain_layout(dict)\n"
        "assert seen['plain'] is None and seen['lookup'] is None, seen\n"
        "assert 'builds an object' in seen['native'] and 'builds an object' in seen['new'], seen\n");
}

} // namespace
