// Trampoline emulation (snapshot/frames/trampoline.cpp): frames entered from C through layers that hold
// no state are captured anyway, and on resume the layer's work (push the result, return `self`, fall back
// to __getattr__) is done by the restore loop. Each test captures inside such a frame, resumes from a
// pickled copy and checks the program continues as if the C layer had been there.
#include "test_frames_fixture.hpp"

namespace
{

using engine_test::engine;

class trampoline : public engine
{
protected:
    void SetUp() override
    {
        engine::SetUp();
        run("from suspendable import graph\n"
            "captured = []\n"
            "def snap():\n"
            "    # captures the caller's chain up to main() once, through the snapshot pickler\n"
            "    if not captured:\n"
            "        c = E.capture_caller(main.__code__, 1)\n"
            "        captured.append(graph.loads(graph.dumps(c, globals()), globals()))\n"
            "        return 'first'\n"
            "    return 'again'\n"
            "def links():\n"
            "    return [f[7] and f[7][0] for f in captured[0][0]]\n"
            "def resume(value='resumed'):\n"
            "    frames_, exc = captured[0]\n"
            "    return E.resume(frames_, exc, value)\n");
    }
};

TEST_F(trampoline, init_called_by_a_class_call_returns_self)
{
    run("class Point:\n"
        "    def __init__(self, x):\n"
        "        self.x = x\n"
        "        self.how = snap()\n"
        "        self.y = x * 2\n"
        "def main():\n"
        "    p = Point(21)\n"
        "    return (type(p).__name__, p.x, p.y, p.how)\n"
        "assert main() == ('Point', 21, 42, 'first')\n"
        "assert links() == [None, 'init'], links()\n"
        "assert resume() == ('Point', 21, 42, 'resumed'), resume\n");
}

TEST_F(trampoline, decorator_wrapper_with_star_args)
{
    run("import functools\n"
        "def logged(f):\n"
        "    @functools.wraps(f)\n"
        "    def wrapper(*args, **kwargs):\n"
        "        return ('wrapped', f(*args, **kwargs))\n"
        "    return wrapper\n"
        "@logged\n"
        "def work(a, b=0):\n"
        "    r = snap()\n"
        "    return a + b, r\n"
        "def main():\n"
        "    return work(1, b=2)\n"
        "assert main() == ('wrapped', (3, 'first'))\n"
        "assert [f[1].co_name for f in captured[0][0]] == ['main', 'wrapper', 'work']\n"
        "assert resume() == ('wrapped', (3, 'resumed'))\n");
}

TEST_F(trampoline, property_getter_and_getattr_fallback)
{
    run("class Lazy:\n"
        "    @property\n"
        "    def value(self):\n"
        "        snap()\n"
        "        raise AttributeError('not yet')\n"
        "    def __getattr__(self, name):\n"
        "        return 'fallback ' + name\n"
        "def main():\n"
        "    obj = Lazy()\n"
        "    return obj.value\n"
        "assert main() == 'fallback value'\n"
        "assert links() == [None, 'getattr'], links()\n"
        "assert resume() == 'fallback value'\n");
}

TEST_F(trampoline, property_used_as_a_method_receiver)
{
    run("class Box:\n"
        "    items_seen = 0\n"
        "    @property\n"
        "    def items(self):\n"
        "        snap()\n"
        "        return [3, 1, 2]\n"
        "def main():\n"
        "    b = Box()\n"
        "    return b.items.index(2)\n"
        "assert main() == 2\n"
        "assert resume() == 2\n");
}

TEST_F(trampoline, enter_and_exit_of_a_with_block)
{
    run("trail = []\n"
        "class Managed:\n"
        "    def __enter__(self):\n"
        "        r = snap()  # (the stack must not hold `trail`: the test pickles frames without globals)\n"
        "        trail.append('enter ' + r)\n"
        "        return self\n"
        "    def __exit__(self, *exc):\n"
        "        trail.append('exit %s' % (exc[0].__name__ if exc[0] else None))\n"
        "        return True\n"
        "def main():\n"
        "    with Managed() as m:\n"
        "        trail.append('body')\n"
        "        raise KeyError\n"
        "    return list(trail)\n"
        "assert main() == ['enter first', 'body', 'exit KeyError']\n"
        "del trail[:]\n"
        "assert resume() == ['enter resumed', 'body', 'exit KeyError'], trail\n");
}

TEST_F(trampoline, exit_called_while_an_exception_unwinds)
{
    run("trail = []\n"
        "class Suppress:\n"
        "    def __enter__(self):\n"
        "        return self\n"
        "    def __exit__(self, et, ev, tb):\n"
        "        r = snap()\n"
        "        trail.append('exit ' + r)\n"
        "        return et is ValueError\n"
        "def main():\n"
        "    with Suppress():\n"
        "        raise ValueError('x')\n"
        "    return list(trail)\n"
        "assert main() == ['exit first']\n"
        "del trail[:]\n"
        "assert resume() == ['exit resumed'], trail\n");
}

TEST_F(trampoline, getitem_of_a_python_class)
{
    run("class Grid:\n"
        "    def __getitem__(self, key):\n"
        "        r = snap()\n"
        "        return (key, r)\n"
        "def main():\n"
        "    g = Grid()\n"
        "    return [g[1, 2]]\n"
        "assert main() == [((1, 2), 'first')]\n"
        "assert resume() == [((1, 2), 'resumed')]\n");
}

TEST_F(trampoline, operator_dunder_and_reflected_fallback)
{
    run("class Money:\n"
        "    def __init__(self, v):\n"
        "        self.v = v\n"
        "    def __add__(self, other):\n"
        "        r = snap()\n"
        "        if not isinstance(other, Money):\n"
        "            return NotImplemented\n"
        "        return Money(self.v + other.v)\n"
        "class Tally:\n"
        "    def __radd__(self, other):\n"
        "        return ('radd', other.v)\n"
        "def main():\n"
        "    return Money(1) + Tally()\n"
        "assert main() == ('radd', 1)\n"
        "assert links() == [None, 'binop'], links()\n"
        "assert resume() == ('radd', 1)\n");
}

TEST_F(trampoline, operator_with_no_fallback_raises_like_cpython)
{
    run("class A:\n"
        "    def __sub__(self, other):\n"
        "        snap()\n"
        "        return NotImplemented\n"
        "def main():\n"
        "    try:\n"
        "        return A() - 1\n"
        "    except TypeError as e:\n"
        "        return str(e)\n"
        "expected = main()\n"
        "assert expected == \"unsupported operand type(s) for -: 'A' and 'int'\", expected\n"
        "assert resume() == expected\n");
}

TEST_F(trampoline, rich_comparison_falls_back_to_identity)
{
    run("class P:\n"
        "    def __eq__(self, other):\n"
        "        snap()\n"
        "        return NotImplemented\n"
        "    def __lt__(self, other):\n"
        "        return True\n"
        "def main():\n"
        "    p = P()\n"
        "    return [p == p, p == P()]\n"
        "assert main() == [True, False]\n"
        "assert links() == [None, 'compare'], links()\n"
        "assert resume() == [True, False]\n");
}

TEST_F(trampoline, for_loop_over_a_python_iterator)
{
    run("class Countdown:\n"
        "    def __init__(self, n):\n"
        "        self.n = n\n"
        "    def __iter__(self):\n"
        "        return self\n"
        "    def __next__(self):\n"
        "        if self.n == 2:\n"
        "            snap()\n"
        "        if self.n == 0:\n"
        "            raise StopIteration\n"
        "        self.n -= 1\n"
        "        return self.n\n"
        "def main():\n"
        "    out = []\n"
        "    for v in Countdown(4):\n"
        "        out.append(v)\n"
        "    return out, 'after'\n"
        "assert main() == ([3, 2, 1, 0], 'after')\n"
        "assert links() == [None, 'next'], links()\n"
        "assert resume() == ([3, 2, 1, 0], 'after')\n");
}

TEST_F(trampoline, for_loop_ends_when_the_restored_next_stops)
{
    run("class Once:\n"
        "    done = False\n"
        "    def __iter__(self):\n"
        "        return self\n"
        "    def __next__(self):\n"
        "        if self.done:\n"
        "            snap()\n"
        "            raise StopIteration\n"
        "        self.done = True\n"
        "        return 'x'\n"
        "def main():\n"
        "    seen = []\n"
        "    for v in Once():\n"
        "        seen.append(v)\n"
        "    else:\n"
        "        seen.append('else')\n"
        "    return seen\n"
        "assert main() == ['x', 'else']\n"
        "assert resume() == ['x', 'else']\n");
}

TEST_F(trampoline, map_driven_by_a_for_loop)
{
    run("def square(v):\n"
        "    if v == 2:\n"
        "        snap()\n"
        "    return v * v\n"
        "def main():\n"
        "    out = []\n"
        "    for s in map(square, range(4)):\n"
        "        out.append(s)\n"
        "    return out\n"
        "assert main() == [0, 1, 4, 9]\n"
        "assert links() == [None, 'next'], links()\n"
        "assert resume() == [0, 1, 4, 9]\n");
}

TEST_F(trampoline, filter_driven_by_a_for_loop)
{
    run("def keep(v):\n"
        "    if v in (3, 5):\n"
        "        snap()\n"
        "    return v % 2 == 0 or v == 5\n"
        "def main(stop):\n"
        "    out = []\n"
        "    for s in filter(keep, range(stop)):\n"
        "        out.append(s)\n"
        "    else:\n"
        "        out.append('end')\n"
        "    return out\n"
        "assert main(7) == [0, 2, 4, 5, 6, 'end']\n"
        "assert links() == [None, 'filter'], links()\n"
        "first = captured.pop()\n"
        "captured.append(first)\n"
        "assert resume() == [0, 2, 4, 5, 6, 'end']  # rejected 3: the filter moves on to 4\n"
        "captured.clear()\n"
        "assert main(4) == [0, 2, 'end']\n"
        "assert resume() == [0, 2, 'end']  # rejected 3 was the last item: the loop ends\n");
}

TEST_F(trampoline, generator_driven_by_a_for_loop)
{
    run("def gen(n):\n"
        "    total = 0\n"
        "    for i in range(n):\n"
        "        if i == 2:\n"
        "            total += len(snap())\n"
        "        yield i\n"
        "    return total\n"
        "def main():\n"
        "    out = []\n"
        "    g = gen(4)\n"
        "    for v in g:\n"
        "        out.append(v)\n"
        "    out.append(list(g))\n"
        "    return out\n"
        "assert main() == [0, 1, 2, 3, []]\n"
        "assert links() == [None, 'generator'], links()\n"
        "assert resume() == [0, 1, 2, 3, []]\n");
}

TEST_F(trampoline, generator_in_a_comprehension_raising)
{
    run("def gen():\n"
        "    yield 1\n"
        "    snap()\n"
        "    raise StopIteration  # PEP 479: RuntimeError\n"
        "def main():\n"
        "    try:\n"
        "        return [v for v in gen()]\n"
        "    except RuntimeError as e:\n"
        "        return str(e)\n"
        "assert main() == 'generator raised StopIteration'\n"
        "assert links() == [None, None, 'generator'], links()\n"
        "assert resume() == 'generator raised StopIteration'\n");
}

TEST_F(trampoline, generator_delegated_to_by_yield_from)
{
    // SEND: the inner generator's yields reach the outer one's yield; its return value is the value of
    // the `yield from` expression; an exception propagates into the outer generator's handler.
    run("def inner(n):\n"
        "    for i in range(n):\n"
        "        if i == 1:\n"
        "            yield snap()\n"
        "        yield i\n"
        "    return 'inner done'\n"
        "def failing():\n"
        "    yield 'x'\n"
        "    yield snap()\n"
        "    raise KeyError('k')\n"
        "def outer(how):\n"
        "    if how == 'values':\n"
        "        got = yield from inner(3)\n"
        "        yield got\n"
        "    else:\n"
        "        try:\n"
        "            yield from failing()\n"
        "        except KeyError as e:\n"
        "            yield 'caught ' + str(e)\n"
        "def main(how):\n"
        "    return [v for v in outer(how)]\n"
        "want = {'values': lambda s: [0, s, 1, 2, 'inner done'], 'raise': lambda s: ['x', s, \"caught 'k'\"]}\n"
        "for how in want:\n"
        "    captured.clear()\n"
        "    assert main(how) == want[how]('first'), main(how)\n"
        "    assert links() == [None, None, 'generator', 'send'], links()\n"
        "    assert resume() == want[how]('resumed')\n");
}

TEST_F(trampoline, stateful_native_code_blocks_the_capture)
{
    run("def key(v):\n"
        "    try:\n"
        "        E.capture_caller(main.__code__, 0)\n"
        "    except RuntimeError as e:\n"
        "        errors.append(str(e))\n"
        "    return -v\n"
        "def inner():\n"
        "    try:\n"
        "        E.capture_caller(main.__code__, 1)\n"
        "    except RuntimeError as e:\n"
        "        errors.append(str(e))\n"
        "    return -1\n"
        "import re\n"
        "def main():\n"
        "    return re.compile('.').sub(lambda m: str(inner() * int(m.group())), '12')\n"
        "errors = []\n"
        "assert main() == '-1-2'\n"
        "assert errors and 'Pattern.sub() called at' in errors[0] and 'in main()' in errors[0], errors\n");
}

TEST_F(trampoline, exit_of_a_with_block_on_the_normal_path)
{
    run("trail = []\n"
        "class Managed:\n"
        "    def __enter__(self):\n"
        "        return self\n"
        "    def __exit__(self, *exc):\n"
        "        r = snap()  # (not inside trail.append(...): the stack would hold a copy of trail)\n"
        "        trail.append('exit ' + r)\n"
        "        return 'ignored'\n"
        "def main():\n"
        "    with Managed():\n"
        "        trail.append('body')\n"
        "    return list(trail)\n"
        "assert main() == ['body', 'exit first']\n"
        "assert links() == [None, None], links()\n"
        "del trail[:]\n"
        "trail.append('body')\n"
        "assert resume() == ['body', 'exit resumed'], trail\n");
}

TEST_F(trampoline, instance_call_partial_and_metaclass_call)
{
    run("import functools\n"
        "class Meta(type):\n"
        "    def __call__(cls, v):\n"
        "        return ('meta', snap(), v)\n"
        "class Made(metaclass=Meta):\n"
        "    pass\n"
        "class Counter:\n"
        "    def __call__(self, v):\n"
        "        return ('call', snap(), v)\n"
        "def add(a, b):\n"
        "    return ('partial', snap(), a + b)\n"
        "def main(which):\n"
        "    if which == 0:\n"
        "        return [Made(1)]\n"
        "    if which == 1:\n"
        "        return [Counter()(2)]\n"
        "    return [functools.partial(add, b=10)(3)]\n"
        "for which, want in [(0, ('meta', 1)), (1, ('call', 2)), (2, ('partial', 13))]:\n"
        "    captured.clear()\n"
        "    r = main(which)\n"
        "    assert r == [(want[0], 'first', want[1])], r\n"
        "    assert links() == [None, None], links()\n"
        "    assert resume() == [(want[0], 'resumed', want[1])]\n");
}

TEST_F(trampoline, class_called_with_star_args)
{
    run("class Point:\n"
        "    def __init__(self, x, y=0):\n"
        "        self.how = snap()\n"
        "        self.x, self.y = x, y\n"
        "def main(args, kwargs):\n"
        "    p = Point(*args, **kwargs)\n"
        "    return (p.x, p.y, p.how)\n"
        "assert main([1], {'y': 2}) == (1, 2, 'first')\n"
        "assert links() == [None, 'init'], links()\n"
        "assert resume() == (1, 2, 'resumed')\n");
}

TEST_F(trampoline, store_and_delete_hooks_drop_their_result)
{
    run("log = []\n"
        "class Typed:\n"
        "    def __set__(self, obj, value):\n"
        "        r = snap()\n"
        "        log.append(('set', r))\n"
        "        obj.__dict__['t'] = value\n"
        "        return 'dropped'\n"
        "class Box:\n"
        "    t = Typed()\n"
        "    def __setitem__(self, k, v):\n"
        "        r = snap()\n"
        "        log.append(('setitem', r))\n"
        "        return 'dropped'\n"
        "    def __delitem__(self, k):\n"
        "        r = snap()\n"
        "        log.append(('delitem', r))\n"
        "    def __delattr__(self, name):\n"
        "        r = snap()\n"
        "        log.append(('delattr', r))\n"
        "def main(which):\n"
        "    b = Box()\n"
        "    stack_item = 'below'\n"
        "    if which == 0:\n"
        "        b.t = 5\n"
        "        return (stack_item, b.t)\n"
        "    if which == 1:\n"
        "        b['k'] = 1\n"
        "    elif which == 2:\n"
        "        del b['k']\n"
        "    else:\n"
        "        del b.t\n"
        "    return (stack_item, len(log))\n"
        "for which, kind in enumerate(['set', 'setitem', 'delitem', 'delattr']):\n"
        "    captured.clear()\n"
        "    del log[:]\n"
        "    first = main(which)\n"
        "    assert log == [(kind, 'first')], log\n"
        "    assert links() == [None, 'discard'], links()\n"
        "    del log[:]\n"
        "    assert resume() == first, (which, first)\n"
        "    assert log == [(kind, 'resumed')], log\n");
}

TEST_F(trampoline, unary_dunder)
{
    run("class V:\n"
        "    def __neg__(self):\n"
        "        return ('neg', snap())\n"
        "def main():\n"
        "    v = V()\n"
        "    return [-v]\n"
        "assert main() == [('neg', 'first')]\n"
        "assert resume() == [('neg', 'resumed')]\n");
}

TEST_F(trampoline, isinstance_hook_result_becomes_a_bool)
{
    run("class Meta(type):\n"
        "    def __instancecheck__(cls, obj):\n"
        "        snap()\n"
        "        return obj  # truthiness decides, and isinstance returns a bool\n"
        "class Any(metaclass=Meta):\n"
        "    pass\n"
        "def main(v):\n"
        "    return isinstance(v, Any)\n"
        "assert main([1]) is True\n"
        "assert links() == [None, 'truth'], links()\n"
        "assert resume() is True\n");
}

TEST_F(trampoline, class_body_run_by_build_class)
{
    run("class Base:\n"
        "    def hello(self):\n"
        "        return 'base'\n"
        "class Meta(type):\n"
        "    def __new__(mcls, name, bases, ns, **kw):\n"
        "        ns['tag'] = kw.get('tag')\n"
        "        return super().__new__(mcls, name, bases, ns)\n"
        "def main():\n"
        "    class Child(Base, metaclass=Meta, tag='t'):\n"
        "        how = snap()\n"
        "        def hello(self):\n"
        "            return 'child+' + super().hello()\n"
        "    return (Child.__name__, Child.tag, Child.how, Child().hello(), type(Child).__name__)\n"
        "assert main() == ('Child', 't', 'first', 'child+base', 'Meta')\n"
        "assert links() == [None, 'build_class'], links()\n"
        "assert resume() == ('Child', 't', 'resumed', 'child+base', 'Meta')\n");
}

TEST_F(trampoline, new_called_by_a_class_call_then_init)
{
    run("class Interned:\n"
        "    def __new__(cls, key, *, scale=1):\n"
        "        how = snap()  # no instance yet: pickle would call __new__ without arguments\n"
        "        obj = object.__new__(cls)\n"
        "        obj.how = how\n"
        "        return obj\n"
        "    def __init__(self, key, *, scale=1):\n"
        "        self.value = key * scale\n"
        "class Other:\n"
        "    def __new__(cls, v):\n"
        "        snap()\n"
        "        return v\n"
        "def main():\n"
        "    a = Interned(7, scale=3)\n"
        "    return (type(a).__name__, a.value, a.how)\n"
        "assert main() == ('Interned', 21, 'first')\n"
        "assert links() == [None, 'new'], links()\n"
        "assert resume() == ('Interned', 21, 'resumed'), resume\n"
        "captured.clear()\n"
        "def main():\n"
        "    return Other(5)\n"
        "assert main() == 5\n"
        "assert links() == [None, 'new'], links()\n"
        "assert resume() == 5  # not an instance: returned as is, __init__ not called\n");
}

TEST_F(trampoline, new_called_by_a_class_call_with_star_arguments)
{
    // CALL_FUNCTION_EX passes type_call the popped tuple: read only when a local holds it (a list it
    // copied into a C local may be freed). A list is copied again when __init__ is object's.
    run("import collections\n"
        "class Tracked:\n"
        "    def __new__(cls, *args, **kwargs):\n"
        "        how = snap()  # before the instance exists (see new_called_by_a_class_call_then_init)\n"
        "        obj = object.__new__(cls)\n"
        "        obj.how = how\n"
        "        return obj\n"
        "    def __init__(self, a, b=0):\n"
        "        self.value = a * 10 + b\n"
        "class Pair(collections.namedtuple('Pair', 'x y')):\n"
        "    def __new__(cls, x, y):\n"
        "        snap()\n"
        "        return super().__new__(cls, x, y)\n"
        "def make(cls, *args, **kwargs):\n"
        "    return cls(*args, **kwargs)\n"
        "def main():\n"
        "    t = make(Tracked, 4, b=2)\n"
        "    return (t.value, t.how)\n"
        "assert main() == (42, 'first')\n"
        "assert links() == [None, None, 'new'], links()\n"
        "assert resume() == (42, 'resumed')\n"
        "captured.clear()\n"
        "def main():\n"
        "    first, *rest = [1, 2]\n"
        "    return Pair(*rest, 3)\n" // a tuple LIST_TO_TUPLE built, held by no local: not claimed
        "try:\n"
        "    main()\n"
        "except Exception as e:\n"
        "    assert 'Pair()' in str(e), str(e)\n"
        "else:\n"
        "    raise AssertionError('captured')\n"
        "def main():\n"
        "    pair, *rest = [1, 2]\n"
        "    rest.append(9)\n"
        "    return Pair(*rest)\n" // a local list: copied again (Pair leaves __init__ to object)
        "assert main() == (2, 9)\n"
        "assert links() == [None, 'new'], links()\n"
        "assert resume() == (2, 9)\n");
}

} // namespace

TEST_F(trampoline, generator_consumed_by_list_join_and_sorted)
{
    // The consumer's partial list is found and continues from the snapshot's copy; prints show the
    // restored generator runs exactly the remaining items.
    run("import io\n"
        "def gen(n, out):\n"
        "    for i in range(n):\n"
        "        if i == 2:\n"
        "            out.append(snap())\n"
        "        out.append(i)\n"
        "        yield str(i)\n"
        "    return 'ignored'\n"
        "def main(how):\n"
        "    out = []\n"
        "    if how == 'list':\n"
        "        r = list(gen(4, out))\n"
        "    elif how == 'join':\n"
        "        r = '-'.join(gen(4, out))\n"
        "    elif how == 'tuple':\n"
        "        r = tuple(gen(4, out))\n"
        "    else:\n"
        "        r = sorted(gen(4, out), key=lambda s: -int(s), reverse=False)\n"
        "    return r, out\n"
        "expected = {'list': ['0', '1', '2', '3'], 'join': '0-1-2-3', 'sorted': ['3', '2', '1', '0'],\n"
        "            'tuple': ('0', '1', '2', '3')}\n"
        "for how in expected:\n"
        "    captured.clear()\n"
        "    assert main(how) == (expected[how], [0, 1, 'first', 2, 3]), how\n"
        "    assert links() == [None, 'consume'], links()\n"
        "    assert captured[0][0][1][7][1] == how and captured[0][0][1][7][4] in ([], ['0', '1']), captured[0][0][1][7]\n"
        "    assert resume() == (expected[how], [0, 1, 'resumed', 2, 3]), (how, resume)\n");
}

TEST_F(trampoline, generator_consumed_by_extend_any_all_next_and_send)
{
    run("def gen(out, first):\n"
        "    x = yield first\n"
        "    out.append(('sent', x))\n"
        "    out.append(snap())\n"
        "    yield 5\n"
        "    yield 0\n"
        "    out.append('after')\n"
        "    return 7\n"
        "def main(how):\n"
        "    out = []\n"
        "    g = gen(out, 1 if how == 'all' else 0)\n"
        "    if how == 'extend':\n"
        "        acc = ['a']\n"
        "        acc.extend(g)\n"
        "        return acc, out\n"
        "    if how in ('any', 'all'):\n"
        "        return (any if how == 'any' else all)(g), out\n"
        "    next(g)\n"
        "    if how == 'send':\n"
        "        r = g.send('s')\n"
        "    else:\n"
        "        r = next(g, 'default')\n"
        "    return r, list(g), out\n"
        "expected = {\n"
        "    'extend': lambda how: (['a', 0, 5, 0], [('sent', None), how, 'after']),\n"
        "    'any': lambda how: (True, [('sent', None), how]),\n"
        "    'all': lambda how: (False, [('sent', None), how]),\n"
        "    'send': lambda how: (5, [0], [('sent', 's'), how, 'after']),\n"
        "    'next': lambda how: (5, [0], [('sent', None), how, 'after']),\n"
        "}\n"
        "for how, want in expected.items():\n"
        "    captured.clear()\n"
        "    assert main(how) == want('first'), (how, main)\n"
        "    assert links() == [None, 'consume'], links()\n"
        "    assert resume() == want('resumed'), (how, resume())\n");
}

TEST_F(trampoline, next_reports_the_return_of_the_generator)
{
    run("def gen():\n"
        "    snap()\n"
        "    return 'value'\n"
        "    yield\n"
        "def main():\n"
        "    try:\n"
        "        next(gen())\n"
        "    except StopIteration as e:\n"
        "        return ('stop', e.value)\n"
        "assert main() == ('stop', 'value')\n"
        "assert links() == [None, 'consume'], links()\n"
        "assert resume() == ('stop', 'value')\n");
}

TEST_F(trampoline, nested_joins_and_an_error_inside_a_consumer)
{
    run("def letters(w, out):\n"
        "    for c in w:\n"
        "        if c == 'y':\n"
        "            out.append(snap())\n"
        "        yield c.upper()\n"
        "def main():\n"
        "    out = []\n"
        "    s = ' '.join(''.join(letters(w, out)) for w in ['ab', 'xyz', 'q'])\n"
        "    try:\n"
        "        list(int(c) for c in '12x')\n"
        "    except ValueError as e:\n"
        "        out.append(str(e))\n"
        "    return s, out\n"
        "want = lambda how: ('AB XYZ Q', [how, \"invalid literal for int() with base 10: 'x'\"])\n"
        "assert main() == want('first')\n"
        "assert links() == [None, 'consume', 'consume'], links()\n"
        "assert resume() == want('resumed'), resume()\n");
}

TEST_F(trampoline, str_repr_len_setattr_and_delattr_hooks)
{
    run("class Box:\n"
        "    def __init__(self):\n"
        "        object.__setattr__(self, 'log', [])\n"
        "    def __str__(self):\n"
        "        self.log.append(snap())\n"
        "        return 'box-str'\n"
        "    def __repr__(self):\n"
        "        self.log.append(snap())\n"
        "        return 'box-repr'\n"
        "    def __len__(self):\n"
        "        self.log.append(snap())\n"
        "        return True\n"
        "    def __setattr__(self, name, value):\n"
        "        self.log.append(snap())\n"
        "        object.__setattr__(self, name, value * 2)\n"
        "        return 'dropped'\n"
        "    def __delattr__(self, name):\n"
        "        self.log.append(snap())\n"
        "        return 'dropped'\n"
        "class Bare:\n"
        "    def __repr__(self):\n"
        "        snap()\n"
        "        return 7\n"
        "def main(how):\n"
        "    b = Box()\n"
        "    if how == 'str':\n"
        "        r = str(b)\n"
        "    elif how == 'repr':\n"
        "        r = repr(b)\n"
        "    elif how == 'len':\n"
        "        r = len(b)\n"
        "    elif how == 'setattr':\n"
        "        r = (setattr(b, 'v', 21), b.v)\n"
        "    elif how == 'delattr':\n"
        "        r = delattr(b, 'log')\n"
        "    else:\n"
        "        try:\n"
        "            r = str(Bare())\n"
        "        except TypeError as e:\n"
        "            r = str(e)\n"
        "        return r, []\n"
        "    return r, b.log\n"
        "expected = {'str': 'box-str', 'repr': 'box-repr', 'len': 1, 'setattr': (None, 42), 'delattr': None,\n"
        "            'bad': '__str__ returned non-string (type int)'}\n"
        "for how, want in expected.items():\n"
        "    captured.clear()\n"
        "    log = [] if how == 'bad' else ['first']\n"
        "    assert main(how) == (want, log), (how, main(how))\n"
        "    assert links()[1] in ('string', 'length', 'none'), links()\n"
        "    log = [] if how == 'bad' else ['resumed']\n"
        "    assert resume() == (want, log), (how, resume())\n");
}

TEST_F(trampoline, enum_class_body_with_its_enum_dict)
{
    // The body's namespace is an enum._EnumDict: it travels with its recorded members (auto() values,
    // _ignore_) and the class is created by EnumType on resume.
    run("import enum\n"
        "def main():\n"
        "    class Color(enum.Enum):\n"
        "        _ignore_ = ['tmp']\n"
        "        RED = enum.auto()\n"
        "        GREEN = enum.auto()\n"
        "        LABEL = len(snap())\n"
        "        BLUE = enum.auto()\n"
        "        tmp = 5\n"
        "        def describe(self):\n"
        "            return self.name.lower()\n"
        "    return [(m.name, m.value, m.describe()) for m in Color], hasattr(Color, 'tmp')\n"
        "def members(n):\n"
        "    return [('RED', 1, 'red'), ('GREEN', 2, 'green'), ('LABEL', n, 'label'), ('BLUE', n + 1, 'blue')], False\n"
        "assert main() == members(5), main()\n"
        "assert links() == [None, 'build_class'], links()\n"
        "assert resume() == members(7), resume()\n");
}

TEST_F(trampoline, metaclass_prepare_run_by_build_class)
{
    // The metaclass's Python __prepare__ runs before the body: on resume its result is the namespace the
    // body then runs in (with its __class__ cell), and the metaclass makes the class.
    run("class Meta(type):\n"
        "    @classmethod\n"
        "    def __prepare__(mcls, name, bases, **kw):\n"
        "        return {'how': snap(), 'tag': kw['tag']}\n"
        "    def __new__(mcls, name, bases, ns, **kw):\n"
        "        return super().__new__(mcls, name, bases, ns)\n"
        "def main():\n"
        "    class Child(metaclass=Meta, tag='t'):\n"
        "        def who(self):\n"
        "            return __class__.__name__ + '/' + self.tag\n"
        "    return Child.how, Child().who(), type(Child).__name__\n"
        "assert main() == ('first', 'Child/t', 'Meta')\n"
        "assert links() == [None, 'prepare'], links()\n"
        "assert resume() == ('resumed', 'Child/t', 'Meta')\n"
        "class Bad(type):\n"
        "    @classmethod\n"
        "    def __prepare__(mcls, name, bases):\n"
        "        snap()\n"
        "        return 42\n"
        "def main():\n"
        "    class C(metaclass=Bad):\n"
        "        pass\n"
        "captured.clear()\n"
        "try:\n"
        "    main()\n"
        "except TypeError as e:\n"
        "    first = str(e)\n"
        "try:\n"
        "    resume()\n"
        "except TypeError as e:\n"
        "    assert str(e) == first == 'Bad.__prepare__() must return a mapping, not int', (str(e), first)\n"
        "else:\n"
        "    raise AssertionError('no TypeError')\n");
}

TEST_F(trampoline, metaclass_new_run_by_build_class)
{
    // After the body, __build_class__ calls the metaclass: its Python __new__ (slot_tp_new) is resumed,
    // its result is the class (type_init has nothing to run) and the body's __class__ cell must hold it.
    run("class Meta(type):\n"
        "    def __new__(mcls, name, bases, ns, **kw):\n"
        "        tag = snap()\n"
        "        cls = super().__new__(mcls, name, bases, ns)\n"
        "        cls.tag = tag + '/' + kw['flavour']\n"
        "        return cls\n"
        "def main():\n"
        "    class Child(metaclass=Meta, flavour='sweet'):\n"
        "        def who(self):\n"
        "            return __class__.__name__\n"
        "    return Child.tag, Child().who(), type(Child).__name__\n"
        "assert main() == ('first/sweet', 'Child', 'Meta')\n"
        "assert links() == [None, 'meta_new'], links()\n"
        "assert resume() == ('resumed/sweet', 'Child', 'Meta')\n");
}

TEST_F(trampoline, truth_test_of_an_if_or_while_runs_bool_or_len)
{
    // `if x:` / `if not x:` / `while x:` on an object with a Python __bool__ or __len__: the result's
    // truth decides, on resume, whether the restored frame takes the jump.
    run("class Box:\n"
        "    def __init__(self, n):\n"
        "        self.n = n\n"
        "    def __len__(self):\n"
        "        snap()\n"
        "        return self.n\n"
        "class Flag:\n"
        "    def __bool__(self):\n"
        "        return snap() == 'resumed'\n"
        "def main():\n"
        "    out = []\n"
        "    if Box(1):\n"
        "        out.append('full')\n"
        "    else:\n"
        "        out.append('empty')\n"
        "    return out\n"
        "assert main() == ['full']\n"
        "assert links() == [None, 'branch'], links()\n"
        "assert resume() == ['full']\n"
        "def main():\n"
        "    n = 0\n"
        "    while Box(0):\n"
        "        n += 1\n"
        "    return n\n"
        "captured.clear()\n"
        "assert main() == 0 and resume() == 0\n"
        "def main():\n"
        "    if not Flag():\n"
        "        return 'false'\n"
        "    return 'true'\n"
        "captured.clear()\n"
        "assert main() == 'false'\n"
        "assert links() == [None, 'branch'], links()\n"
        "assert resume() == 'true'\n"
        "class Bad:\n"
        "    def __bool__(self):\n"
        "        snap()\n"
        "        return 1\n"
        "def main():\n"
        "    try:\n"
        "        if Bad():\n"
        "            return 'taken'\n"
        "    except TypeError as e:\n"
        "        return str(e)\n"
        "captured.clear()\n"
        "assert main() == '__bool__ should return bool, returned int'\n"
        "assert resume() == '__bool__ should return bool, returned int'\n");
}

TEST_F(trampoline, set_name_run_by_type_new_continues_with_the_next_attribute)
{
    // super().__new__ in a metaclass calls each attribute's __set_name__ from C over a copy of the class
    // dict (found on the C stack): on resume the rest of the copy follows, then __init_subclass__.
    run("class Field:\n"
        "    def __set_name__(self, owner, name):\n"
        "        self.name = snap() + ':' + name\n"
        "        owner.names.append(name)\n"
        "class Base:\n"
        "    def __init_subclass__(cls, **kw):\n"
        "        cls.flavour = kw.get('flavour')\n"
        "class Meta(type):\n"
        "    def __new__(mcls, name, bases, ns, **kw):\n"
        "        return super().__new__(mcls, name, bases, ns, **kw)\n"
        "def main():\n"
        "    class Rec(Base, metaclass=Meta, flavour='dry'):\n"
        "        names = []\n"
        "        a = Field()\n"
        "        b = Field()\n"
        "    return Rec.names, Rec.a.name, Rec.b.name, Rec.flavour\n"
        "assert main() == (['a', 'b'], 'first:a', 'again:b', 'dry'), main()\n"
        "assert links() == [None, 'meta_new', 'set_names'], links()\n"
        "assert resume() == (['a', 'b'], 'resumed:a', 'again:b', 'dry')\n");
}

TEST_F(trampoline, print_converting_an_argument_writes_the_rest_of_the_line)
{
    run("import io\n"
        "class Cell:\n"
        "    def __str__(self):\n"
        "        return '<' + snap() + '>'\n"
        "def main():\n"
        "    buf = io.StringIO()\n"
        "    print('a', Cell(), 'b', sep='-', end='.\\n', file=buf)\n"
        "    return buf.getvalue()\n"
        "assert main() == 'a-<first>-b.\\n', main()\n"
        "assert links() == [None, 'print'], links()\n"
        "assert resume() == 'a-<resumed>-b.\\n'\n");
}

TEST_F(trampoline, consumer_inside_stateful_native_code_names_the_outer_blocker)
{
    // list(gen) is continued at resume, but the Pattern.sub(callback) around it is not: the chain is
    // refused and the message names Pattern.sub, the native code the user has to wait for.
    run("def probe():\n"
        "    try:\n"
        "        E.capture_caller(main.__code__, 1)\n"
        "    except RuntimeError as e:\n"
        "        errors.append(str(e))\n"
        "def gen():\n"
        "    probe()\n"
        "    yield 1\n"
        "def key(v):\n"
        "    return len(list(gen())) * v\n"
        "import re\n"
        "def main():\n"
        "    return re.compile('.').sub(lambda m: str(key(int(m.group()))), '21')\n"
        "errors = []\n"
        "assert main() == '21'\n"
        "assert len(errors) == 2 and all(e.startswith('Pattern.sub() called at') for e in errors), errors\n");
}

TEST_F(trampoline, generator_consumed_by_sum_continues_the_total)
{
    // running_sum.cpp's sum() keeps its total where the capture reads it: the link carries it (here
    // 10 + 1 + 2.5, already a float) and the resume adds the rest of the generator's items to it.
    run("def gen():\n"
        "    yield 1\n"
        "    yield 2.5\n"
        "    snap()\n"
        "    yield 4\n"
        "def main():\n"
        "    return sum(gen(), 10)\n"
        "assert main() == 17.5\n"
        "link = captured[0][0][1][7]\n"
        "assert link[:2] == ('consume', 'sum') and link[4] == [13.5], link\n"
        "assert resume() == 17.5\n"
        "assert sum([1, 2], start=3) == 6 and sum.__self__.__name__ == 'builtins'\n");
}

TEST_F(trampoline, min_and_max_continue_from_their_best_item)
{
    // min_max.cpp records the loop's state: a key function's call ("minmax": the rest of the list is
    // compared natively) and a generator it consumes ("consume" with [has_best, item, key]).
    run("def key(w):\n"
        "    if w == 'bb':\n"
        "        snap()\n"
        "    return len(w)\n"
        "def main():\n"
        "    return max(['a', 'ccc', 'bb', 'dddd'], key=key), min((len(w) for w in ['xx', 'y']), default=0)\n"
        "assert main() == ('dddd', 1)\n"
        "assert links() == [None, 'minmax'], links()\n"
        "assert resume() == ('dddd', 1)\n"
        "def gen():\n"
        "    yield 3\n"
        "    snap()\n"
        "    yield 7\n"
        "    yield 5\n"
        "def main():\n"
        "    return max(gen())\n"
        "captured.clear()\n"
        "assert main() == 7\n"
        "link = captured[0][0][1][7]\n"
        "assert link[:2] == ('consume', 'minmax') and link[4] == [True, 3, 3], link\n"
        "assert resume() == 7\n");
}

TEST_F(trampoline, min_with_a_key_over_a_map_continues_both_calls)
{
    // A key over a map of a Python function: inside the map's function the "iterate" link carries the
    // best so far ([has_best, item, key]); the rest calls the key and compares natively.
    run("def f(x):\n"
        "    if x == 2:\n"
        "        snap()\n"
        "    return x * 3 % 7\n"
        "def main():\n"
        "    return min(map(f, [3, 1, 2, 5]), key=lambda v: -v)\n"
        "assert main() == 6\n"
        "link = captured[0][0][1][7]\n"
        "assert link[:2] == ('iterate', 'minmax') and link[4] == [True, 3, -3], link\n"
        "assert resume() == 6\n");
}

TEST_F(trampoline, sum_continues_after_a_python_add)
{
    // running_sum.cpp records PyNumber_Add(total, item) and the iterator: an __add__ of the total or an
    // __radd__ of the item ("sum": NotImplemented goes on as binary_op1 does) gives the new total, and
    // the rest of the list is added natively. An iterator the snapshot cannot hold as it is waits.
    run("class V:\n"
        "    def __init__(self, n):\n"
        "        self.n = n\n"
        "    def __add__(self, o):\n"
        "        if self.n == 3:\n"
        "            snap()\n"
        "        return V(self.n + o.n) if hasattr(o, 'n') else NotImplemented\n"
        "    def __radd__(self, o):\n"
        "        if o == 0:\n"
        "            snap()\n"
        "            return self\n"
        "        return NotImplemented\n"
        "def main():\n"
        "    return sum([V(1), V(2), V(3), V(4)], V(0)).n\n"
        "assert main() == 10\n"
        "assert links() == [None, 'sum'], links()\n"
        "assert captured[0][0][1][7][6] == 'forward'\n"
        "assert resume() == 10\n"
        "def main():\n"
        "    return sum([V(5), V(6)]).n\n" // 0 + V(5): int's nb_add says NotImplemented, V's __radd__ runs
        "captured.clear()\n"
        "assert main() == 11\n"
        "assert captured[0][0][1][7][:2] == ('sum', 0) and captured[0][0][1][7][6] == 'reflected'\n"
        "assert resume() == 11\n"
        "import io\n"
        "def main():\n"
        "    return sum(map(V, [0, 1]), V(3)).n\n" // a map: not held as it is, waits
        "captured.clear()\n"
        "try:\n"
        "    main()\n"
        "except Exception as e:\n"
        "    assert 'sum()' in str(e), str(e)\n"
        "else:\n"
        "    raise AssertionError('captured')\n");
}

TEST_F(trampoline, reduce_continues_from_its_value_so_far)
{
    // reduce.cpp records the loop's state: the function's call ("reduce": the rest of the iterator is
    // folded natively), a generator it consumes ("consume" with [has_value, value]), a map's function.
    run("import functools\n"
        "def comb(a, b):\n"
        "    if b == 3:\n"
        "        snap()\n"
        "    return a * 2 + b\n"
        "def main():\n"
        "    return functools.reduce(comb, [1, 2, 3, 4]), functools.reduce(comb, [], 'empty')\n"
        "assert main() == (26, 'empty')\n"
        "assert links() == [None, 'reduce'], links()\n"
        "assert resume() == (26, 'empty')\n"
        "def gen():\n"
        "    yield 1\n"
        "    snap()\n"
        "    yield 2\n"
        "def main():\n"
        "    return functools.reduce(lambda a, b: a * 10 + b, gen(), 5)\n"
        "captured.clear()\n"
        "assert main() == 512\n"
        "link = captured[0][0][1][7]\n"
        "assert link[:2] == ('consume', 'reduce') and link[4] == [True, 51], link\n"
        "assert resume() == 512\n"
        "def twice(x):\n"
        "    if x == 2:\n"
        "        snap()\n"
        "    return x * 2\n"
        "def main():\n"
        "    return functools.reduce(lambda a, b: a + b, map(twice, [1, 2, 3]))\n"
        "captured.clear()\n"
        "assert main() == 12\n"
        "link = captured[0][0][1][7]\n"
        "assert link[:2] == ('iterate', 'reduce') and link[4] == [True, 2], link\n"
        "assert resume() == 12\n"
        "def main():\n"
        "    return functools.reduce(lambda a, b: a + b, map(twice, []))\n"
        "try:\n"
        "    main()\n"
        "except TypeError as e:\n"
        "    assert str(e) == 'reduce() of empty iterable with no initial value', e\n"
        "assert functools.reduce.__module__ == '_functools' and functools.reduce.__self__.__name__ == "
        "'_functools'\n");
}

TEST_F(trampoline, getattr_builtin_running_an_attribute_hook)
{
    // getattr(o, name[, default]) calling a property getter or a descriptor's Python __get__: the result
    // is the hook's; an AttributeError goes to __getattr__, then to the default.
    run("class P:\n"
        "    @property\n"
        "    def size(self):\n"
        "        return snap() + '!'\n"
        "    @property\n"
        "    def gone(self):\n"
        "        snap()\n"
        "        raise AttributeError('gone')\n"
        "class Q(P):\n"
        "    def __getattr__(self, name):\n"
        "        return 'fallback-' + name\n"
        "def main():\n"
        "    return getattr(P(), 'size')\n"
        "assert main() == 'first!'\n"
        "assert links() == [None, 'getattr'], links()\n"
        "assert resume() == 'resumed!'\n"
        "def main():\n"
        "    return getattr(P(), 'gone', 'default'), getattr(Q(), 'gone')\n"
        "captured.clear()\n"
        "assert main() == ('default', 'fallback-gone')\n"
        "assert links() == [None, 'getattr'], links()\n"
        "assert resume() == ('default', 'fallback-gone')\n");
}

TEST_F(trampoline, key_function_of_a_sort_continues_the_key_phase)
{
    // list.sort / sorted() call their key function from C; keyed_sort.cpp keeps the keys computed so far
    // where the capture finds them. On resume the restored key call gives the next key, the rest are
    // computed and the items sorted: list.sort returns None (the list sorted in place), sorted() the list.
    run("def main():\n"
        "    data = [1, 3, 2, 4]\n"
        "    seen = []\n"
        "    def key(v):\n"
        "        if v == 3:\n"
        "            seen.append((len(data), snap()))\n" // the list looks empty while it is sorted
        "        return -v\n"
        "    r = data.sort(key=key)\n"
        "    return r, data, seen\n"
        "assert main() == (None, [4, 3, 2, 1], [(0, 'first')])\n"
        "assert links() == [None, 'sort'], links()\n"
        "assert resume() == (None, [4, 3, 2, 1], [(0, 'resumed')]), resume()\n"
        "def key(v):\n"
        "    if v == 3:\n"
        "        snap()\n"
        "    return -v\n"
        "def main():\n"
        "    return sorted([5, 3, 4], key=key, reverse=True)\n"
        "captured.clear()\n"
        "assert main() == [3, 4, 5]\n"
        "assert links() == [None, 'sort'], links()\n"
        "assert resume() == [3, 4, 5]\n"
        // A key function that fails after the resume: the list keeps its items in their old order.
        "def bad(v):\n"
        "    snap()\n"
        "    if failing:\n"
        "        raise KeyError(v)\n"
        "    return v\n"
        "def main():\n"
        "    items = [2, 1]\n"
        "    try:\n"
        "        items.sort(key=bad)\n"
        "    except KeyError:\n"
        "        return 'failed', items\n"
        "    return 'sorted', items\n"
        "captured.clear()\n"
        "failing = False\n"
        "assert main() == ('sorted', [1, 2])\n"
        "failing = True\n"
        "assert resume() == ('failed', [2, 1]), resume()\n");
}

TEST_F(trampoline, for_loop_over_a_sequence_with_only_getitem)
{
    // iter(seq) of a class with __getitem__ only: the index lives in the iterator and moves on after
    // the call; IndexError ends the loop and leaves the iterator exhausted.
    run("class Seq:\n"
        "    def __getitem__(self, i):\n"
        "        if i == 1:\n"
        "            seen.append(snap())\n"
        "        if i >= 3:\n"
        "            raise IndexError(i)\n"
        "        return i * 10\n"
        "def main():\n"
        "    it = iter(Seq())\n"
        "    out = [v for v in it]\n"
        "    return out, list(it), seen\n"
        "seen = []\n"
        "assert main() == ([0, 10, 20], [], ['first']), main()\n"
        "assert links() == [None, None, 'seqiter'], links()\n"
        "seen = []\n"
        "r = resume()\n"
        "assert r[:2] == ([0, 10, 20], []), r\n");
}

namespace
{

TEST_F(trampoline, map_function_and_python_next_run_by_native_consumers)
{
    // list / sorted / join / any / next driving map(f, ...) or an iterator with a Python __next__: the
    // restored callee's result is the next item and the consumer takes the rest itself; a StopIteration
    // from it ends the iteration. A map over a map (the inner one calls f as well) is refused.
    run("def f(v, out):\n"
        "    if v == 2 and not captured:\n"
        "        out.append(snap())\n"
        "    if v == 9:\n"
        "        raise StopIteration\n"
        "    return v * 10\n"
        "class Count:\n"
        "    def __init__(self, n, out): self.i, self.n, self.out = 0, n, out\n"
        "    def __iter__(self): return self\n"
        "    def __next__(self):\n"
        "        self.i += 1\n"
        "        if self.i == 2 and not captured:\n"
        "            self.out.append(snap())\n"
        "        if self.i > self.n:\n"
        "            raise StopIteration\n"
        "        return self.i\n"
        "def main(how):\n"
        "    out = []\n"
        "    m = lambda xs: map(lambda v: f(v, out), xs)\n"
        "    if how == 'list':\n"
        "        r = list(m([1, 2, 3]))\n"
        "    elif how == 'sorted':\n"
        "        r = sorted(m([3, 2, 1]), reverse=True)\n"
        "    elif how == 'join':\n"
        "        r = '-'.join(map(lambda v: str(f(v, out)), [1, 2, 9, 4]))  # 9: StopIteration ends it\n"
        "    elif how == 'any':\n"
        "        r = any(m([0, 2, 0]))\n"
        "    elif how == 'next':\n"
        "        it = m([1, 2, 3])\n"
        "        r = [next(it), next(it), next(it)]\n"
        "    else:\n"
        "        r = tuple(Count(3, out))\n"
        "    return r, out\n"
        "expected = {'list': [10, 20, 30], 'sorted': [30, 20, 10], 'join': '10-20', 'any': True,\n"
        "            'next': [10, 20, 30], 'tuple': (1, 2, 3)}\n"
        "for how in expected:\n"
        "    captured.clear()\n"
        "    assert main(how) == (expected[how], ['first']), how\n"
        "    assert 'iterate' in links(), (how, links())\n"
        "    assert resume() == (expected[how], ['resumed']), how\n"
        "def nested():\n"
        "    try:\n"
        "        E.capture_caller(main.__code__, 1)\n"
        "    except RuntimeError as e:\n"
        "        return str(e)\n"
        "def main():\n"
        "    return list(map(lambda v: nested() if v == 'x' else v, map(lambda v: nested() or 'x', [1])))\n"
        "assert 'list() called at' in main()[0], main()\n");
}

} // namespace

namespace
{

TEST_F(trampoline, code_run_by_exec_and_eval)
{
    // exec() and eval() hold nothing while the code runs: exec's result is None whatever the code
    // returns, eval's is the code's; a string is compiled as "<string>".
    run("g = {'snap': snap}\n"
        "def main(how):\n"
        "    if how == 'exec':\n"
        "        return exec(compile('x = snap()', 'cell', 'exec'), g)\n"
        "    if how == 'exec-string':\n"
        "        return exec('y = snap()', g)\n"
        "    return eval('[snap()]', g)\n"
        "for how, first, again in [('exec', None, None), ('exec-string', None, None), ('eval', ['first'], "
        "['resumed'])]:\n"
        "    captured.clear()\n"
        "    assert main(how) == first, how\n"
        "    assert links() == [None, 'none' if how != 'eval' else None], (how, links())\n"
        "    assert resume() == again, how\n");
}

} // namespace
