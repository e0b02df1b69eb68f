// Static stack-depth analysis (snapshot/frames/stack_depth.cpp) against CPython itself: consistent on
// every code object of a set of stdlib modules, never above co_stacksize, and equal to the real
// value-stack depth of frames stopped in calls (read through frame_info, which the capture relies on).
#include "frames/frame_engine.hpp"
#include "test_frames_fixture.hpp"

#include <algorithm>
#include <stdexcept>

namespace
{

using engine_test::engine;
using suspendable::py_ref;

class stack_depth : public engine
{
};

TEST_F(stack_depth, straight_line_code)
{
    run("def f():\n    return 1\n");
    py_ref code = eval("f.__code__");
    ASSERT_TRUE(code);
    std::vector<int> d = suspendable::frames::stack_depths(code.get());
    // RESUME, LOAD_CONST, RETURN_VALUE
    ASSERT_EQ(d.size(), 3u);
    EXPECT_EQ(d[0], 0);
    EXPECT_EQ(d[1], 0);
    EXPECT_EQ(d[2], 1);
}

TEST_F(stack_depth, caches_and_unreachable_units_are_marked)
{
    run("def g(x):\n    return len(x)\n");
    py_ref code = eval("g.__code__");
    std::vector<int> d = suspendable::frames::stack_depths(code.get());
    run("import dis\n"
        "cache_units = [i.offset // 2 for i in dis.get_instructions(g, show_caches=True) if i.opname == 'CACHE']\n"
        "assert cache_units, 'expected inline caches'\n");
    py_ref units = eval("cache_units");
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(units.get()); i++)
        EXPECT_EQ(d.at(static_cast<size_t>(PyLong_AsLong(PyList_GET_ITEM(units.get(), i)))), -1);
}

TEST_F(stack_depth, consistent_and_bounded_on_stdlib_code)
{
    run("import json.decoder, dis, inspect, argparse, email.message, collections, dataclasses, asyncio.base_events\n"
        "codes = []\n"
        "def walk(co):\n"
        "    codes.append(co)\n"
        "    for c in co.co_consts:\n"
        "        if isinstance(c, type(walk.__code__)):\n"
        "            walk(c)\n"
        "for m in (json.decoder, dis, inspect, argparse, email.message, collections, dataclasses, asyncio.base_events):\n"
        "    walk(compile(open(m.__file__).read(), m.__file__, 'exec'))\n");
    py_ref codes = eval("codes");
    ASSERT_TRUE(codes);
    Py_ssize_t n = PyList_GET_SIZE(codes.get());
    ASSERT_GT(n, 500);
    for (Py_ssize_t i = 0; i < n; i++)
    {
        PyObject* co = PyList_GET_ITEM(codes.get(), i);
        std::vector<int> d;
        ASSERT_NO_THROW(d = suspendable::frames::stack_depths(co)) << suspendable::to_string(co);
        int max = *std::max_element(d.begin(), d.end());
        EXPECT_LE(max, reinterpret_cast<PyCodeObject*>(co)->co_stacksize) << suspendable::to_string(co);
        EXPECT_EQ(d[0], 0);
    }
}

// A frame stopped in an inlined Python call has a valid stacktop; its depth must be the static depth
// after the call instruction, minus the result that is not pushed yet.
TEST_F(stack_depth, matches_frames_stopped_in_calls)
{
    run("import dis\n"
        "seen = []\n"
        "def probe(*a, **k):\n"
        "    f = sys._getframe(1)\n"
        "    lasti, depth, is_entry, owner = E.frame_info(f)\n"
        "    static = E.stack_depths(f.f_code)\n"
        "    ins = [i for i in dis.get_instructions(f.f_code) if i.offset <= 2 * lasti][-1]\n"
        "    nxt = [i for i in dis.get_instructions(f.f_code) if i.offset > 2 * lasti][0]\n"
        "    seen.append((f.f_code.co_name, ins.opname, depth, static[nxt.offset // 2] - 1))\n"
        "    return 1\n"
        "def exprs(xs):\n"
        "    a = [1, 2, probe()]\n"
        "    b = 3 + (4 * probe(5, 6))\n"
        "    for x in xs:\n"
        "        for y in range(2):\n"
        "            c = {x: (y, probe(x, y=y))}\n"
        "    try:\n"
        "        raise ValueError\n"
        "    except ValueError:\n"
        "        d = (probe(), probe())\n"
        "    with open(__import__('os').devnull) as fh:\n"
        "        e = probe(fh)\n"
        "    return a, b, c, d, e\n"
        "exprs([1, 2])\n"
        "assert len(seen) == 9, seen\n"
        "bad = [s for s in seen if s[2] != s[3] or s[1] != 'CALL']\n"
        "assert not bad, bad\n");
}

TEST_F(stack_depth, rejects_non_code)
{
    py_ref notcode = eval("42");
    EXPECT_THROW(suspendable::frames::stack_depths(notcode.get()), std::invalid_argument);
}

} // namespace
