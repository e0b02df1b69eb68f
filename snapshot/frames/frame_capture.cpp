// Capture of a chain of CPython 3.11 frames, from a frame stopped at a safe point up to the base frame.
//
// Invariants relied on (ceval.c, 3.11.2):
// - stacktop is valid (>= co_nlocalsplus) in the frame passed to a `line` trace event (DO_TRACING saves
//   the stack pointer and sets prev_instr to the instruction about to run), and in a caller that made an
//   inlined Python call (CALL / BINARY_SUBSCR_GETITEM save it and set prev_instr to their last CACHE);
//   it is -1 in a frame that is executing or inside a C call (there, trampoline.cpp decides);
// - a frame entered from C has is_entry set; its C caller's state is unknown unless it is one of the
//   transparent trampolines or the frame is run by resume_chain;
// - frames of running generators are owned by the generator (FRAME_OWNED_BY_GENERATOR) and were entered
//   from gen_send_ex (C): not capturable;
// - the handled exception of the innermost frame is tstate->exc_info->exc_value; the outer ones sit on
//   the value stacks (PUSH_EXC_INFO), so one value is enough.
#include "chain.hpp"
#include "partial_list.hpp"
#include "trampoline.hpp"

#include <cstring>
#include <stdexcept>

namespace suspendable::frames
{

namespace
{

PyObject* g_null_sentinel = nullptr;

bool on_valid_stack(cpy::iframe* f) { return f->stacktop >= cpy::nlocalsplus(f); }

py_ref slots_to_list(PyObject** slots, int n)
{
    py_ref list = check(PyList_New(n));
    for (int i = 0; i < n; i++)
    {
        PyObject* v = slots[i] != nullptr ? slots[i] : null_sentinel();
        PyList_SET_ITEM(list.get(), i, py_ref::borrow(v).release());
    }
    return list;
}

py_ref link_tuple(const chain::frame_view& v)
{
    if (v.carried_link != nullptr)
        return py_ref::borrow(v.carried_link);
    if (v.link_kind == nullptr)
        return py_ref::borrow(Py_None);
    py_ref t = check(PyTuple_New(static_cast<Py_ssize_t>(1 + v.link_data.size())));
    PyTuple_SET_ITEM(t.get(), 0, check(PyUnicode_FromString(v.link_kind)).release());
    for (size_t i = 0; i < v.link_data.size(); i++)
    {
        PyObject* d = v.link_data[i] ? v.link_data[i].get() : Py_None;
        PyTuple_SET_ITEM(t.get(), static_cast<Py_ssize_t>(i + 1), py_ref::borrow(d).release());
    }
    return t;
}

py_ref frame_tuple(const chain::frame_view& v)
{
    cpy::iframe* f = v.frame;
    int nlp = cpy::nlocalsplus(f);
    py_ref locals = slots_to_list(f->localsplus, nlp);
    py_ref stack = slots_to_list(cpy::stack_base(f), v.depth);
    if (v.push_null)
        check_status(PyList_Append(stack.get(), null_sentinel()));
    PyObject* flocals = f->f_locals != nullptr ? f->f_locals : Py_None;
    // The frame's object travels only when something besides the frame holds it (a local, a traceback):
    // the restored frame adopts the object unpickled for it, so those references see the live frame.
    PyObject* fo = reinterpret_cast<PyObject*>(f->frame_obj);
    if (fo == nullptr || f->owner != FRAME_OWNED_BY_THREAD || Py_REFCNT(fo) < 2)
        fo = Py_None;
    return check(Py_BuildValue("(OOiNNOiNO)", reinterpret_cast<PyObject*>(f->f_func),
                               reinterpret_cast<PyObject*>(f->f_code), v.lasti, locals.release(),
                               stack.release(), flocals, static_cast<int>(v.mode), link_tuple(v).release(), fo));
}

bool is_consume_link(PyObject* link)
{
    if (!PyTuple_Check(link) || PyTuple_GET_SIZE(link) != 6)
        return false;
    const char* kind = PyUnicode_AsUTF8(PyTuple_GET_ITEM(link, 0));
    return kind != nullptr && std::strcmp(kind, trampoline::link_consume) == 0;
}

// The data of a "consume" link that resume_chain runs, as of now: the list it fills is the live one,
// and the generator's handled exception is read again (trampoline.cpp consumer_call's layout).
std::vector<py_ref> consume_data_now(PyObject* link, cpy::iframe* f)
{
    std::vector<py_ref> data;
    for (Py_ssize_t i = 1; i < PyTuple_GET_SIZE(link); i++)
        data.push_back(py_ref::borrow(PyTuple_GET_ITEM(link, i)));
    data[2] = py_ref::borrow(cpy::generator_of(f)->gi_exc_state.exc_value);
    return data;
}

// The lists native consumers are filling, looked up only once the rest of the chain is capturable:
// each lookup visits the whole heap, which a request waiting for another C layer must not repeat at
// every line event.
void find_partial_lists(chain::walk_result& r)
{
    for (size_t i = 0; i + 1 < r.frames.size(); i++)
    {
        chain::frame_view& v = r.frames[i];
        if (!v.needs_partial_list)
            continue;
        std::string why;
        bool tuple = PyUnicode_CompareWithASCIIString(v.link_data[0].get(), "tuple") == 0;
        PyObject* found = partial_list::find(v.frame, r.frames[i + 1].frame, tuple ? &PyTuple_Type : &PyList_Type, why);
        if (found == nullptr)
        {
            r.blocked = why + " called at " + chain::location(r.frames[i + 1].frame, r.frames[i + 1].lasti);
            return;
        }
        // The items a tuple() took so far are the leading non-NULL ones; the link collects into a list.
        py_ref list = py_ref::borrow(found);
        if (tuple)
        {
            Py_ssize_t n = 0;
            while (n < PyTuple_GET_SIZE(found) && PyTuple_GET_ITEM(found, n) != nullptr)
                n++;
            list = check(PyList_New(n));
            for (Py_ssize_t k = 0; k < n; k++)
                PyList_SET_ITEM(list.get(), k, py_ref::borrow(PyTuple_GET_ITEM(found, k)).release());
        }
        v.link_data[3] = std::move(list);
        v.needs_partial_list = false;
    }
}

} // namespace

PyObject* null_sentinel()
{
    if (g_null_sentinel == nullptr)
        throw std::logic_error("frame engine: null sentinel not set");
    return g_null_sentinel;
}

void set_null_sentinel(PyObject* sentinel)
{
    Py_XINCREF(sentinel);
    Py_XSETREF(g_null_sentinel, sentinel);
}

namespace chain
{

std::string location(cpy::iframe* f, int lasti)
{
    PyCodeObject* co = f->f_code;
    int line = PyCode_Addr2Line(co, lasti * static_cast<int>(sizeof(_Py_CODEUNIT)));
    return to_string(co->co_filename) + ":" + std::to_string(line) + " in " + to_string(co->co_name) + "()";
}

walk_result walk(PyFrameObject* frame, PyObject* base_code, resume_mode innermost_mode)
{
    walk_result r;
    cpy::iframe* f = cpy::of(frame);
    if (!on_valid_stack(f))
    {
        r.blocked = "the frame is executing (no safe point)";
        return r;
    }
    frame_view inner;
    inner.frame = f;
    inner.lasti = cpy::lasti(f);
    inner.depth = f->stacktop - cpy::nlocalsplus(f);
    inner.mode = innermost_mode;
    r.frames.push_back(std::move(inner));
    for (;;)
    {
        bool generator_frame = f->owner == FRAME_OWNED_BY_GENERATOR;
        if (f->owner != FRAME_OWNED_BY_THREAD && !generator_frame)
        {
            r.blocked = "frame " + location(f, cpy::lasti(f)) + " is not on the thread's stack";
            return r;
        }
        if (reinterpret_cast<PyObject*>(f->f_code) == base_code && !generator_frame)
        {
            find_partial_lists(r);
            return r;
        }
        cpy::iframe* g = f->previous;
        if (g == nullptr)
        {
            r.blocked = "the program's base frame is not on the stack";
            return r;
        }
        frame_view outer;
        outer.frame = g;
        outer.mode = resume_after;
        // A running generator's frame was entered from gen_send_ex (C), even when a resume drives it:
        // only the FOR_ITER trampoline knows how to give it back to its generator, and a consumer that
        // resume_chain emulates (its caller, not run yet, still waits in the CALL) keeps its link.
        PyObject* carried = generator_frame ? resume_link(f) : nullptr;
        if (carried != nullptr && is_consume_link(carried))
        {
            if (!on_valid_stack(g))
            {
                r.blocked = "frame " + location(g, cpy::lasti(g)) + " has no saved stack";
                return r;
            }
            outer.lasti = cpy::lasti(g);
            outer.depth = g->stacktop - cpy::nlocalsplus(g);
            r.frames.back().link_kind = trampoline::link_consume;
            r.frames.back().link_data = consume_data_now(carried, f);
        }
        else if (!generator_frame && (!f->is_entry || driven_by_resume(f)))
        {
            if (!on_valid_stack(g))
            {
                r.blocked = "frame " + location(g, cpy::lasti(g)) + " has no saved stack";
                return r;
            }
            outer.lasti = cpy::lasti(g);
            outer.depth = g->stacktop - cpy::nlocalsplus(g);
            r.frames.back().carried_link = resume_link(f); // NULL unless f is run by resume_chain
        }
        else if (PyObject* iterating = f->is_entry && !generator_frame ? iterating_link(g) : nullptr;
                 iterating != nullptr && trampoline::iterator_drives(PyTuple_GET_ITEM(iterating, 2), f))
        {
            // The iterator's next of a consumer resume_chain runs natively for the restored caller g (which
            // waits in its CALL, without the call's operands): the same link, its list as filled now.
            if (!on_valid_stack(g))
            {
                r.blocked = "frame " + location(g, cpy::lasti(g)) + " has no saved stack";
                return r;
            }
            outer.lasti = cpy::lasti(g);
            outer.depth = g->stacktop - cpy::nlocalsplus(g);
            r.frames.back().link_kind = trampoline::link_iterate;
            for (Py_ssize_t k = 1; k < PyTuple_GET_SIZE(iterating); k++)
                r.frames.back().link_data.push_back(py_ref::borrow(PyTuple_GET_ITEM(iterating, k)));
        }
        else if ((f->is_entry || generator_frame) && iterating_link(g) != nullptr)
        {
            // (a generator the native rest drives links to g as well; g has no CALL operands to analyse)
            r.blocked =
                "native code (a consumer continued after a resume) called at " + location(g, cpy::lasti(g));
            return r;
        }
        else
        {
            trampoline::bridge b = trampoline::analyse(f, g);
            bool gives_back = b.kind != nullptr && (std::strcmp(b.kind, trampoline::link_generator) == 0 ||
                                                    std::strcmp(b.kind, trampoline::link_send) == 0 ||
                                                    std::strcmp(b.kind, trampoline::link_consume) == 0);
            if (!b.ok || (generator_frame && !gives_back))
            {
                r.blocked = generator_frame && b.ok ? "a running generator " + to_string(f->f_code->co_qualname) +
                                                          "() is on the stack"
                                                    : b.why + " called at " + location(g, cpy::lasti(g));
                return r;
            }
            outer.lasti = b.lasti;
            outer.depth = b.depth;
            outer.push_null = b.push_null;
            r.frames.back().link_kind = b.kind;
            r.frames.back().link_data = std::move(b.data);
            r.frames.back().needs_partial_list = b.needs_partial_list;
        }
        r.frames.push_back(std::move(outer));
        f = g;
    }
}

} // namespace chain

blocker check_chain(PyFrameObject* frame, PyObject* base_code)
{
    return blocker{chain::walk(frame, base_code, resume_before).blocked};
}

py_ref capture_chain(PyFrameObject* frame, PyObject* base_code, resume_mode innermost_mode)
{
    chain::walk_result r = chain::walk(frame, base_code, innermost_mode);
    if (!r.blocked.empty())
        throw std::runtime_error(r.blocked);
    auto n = static_cast<Py_ssize_t>(r.frames.size());
    py_ref frames = check(PyList_New(n));
    for (Py_ssize_t i = 0; i < n; i++) // outermost first
        PyList_SET_ITEM(frames.get(), i, frame_tuple(r.frames[static_cast<size_t>(n - 1 - i)]).release());
    PyThreadState* ts = PyThreadState_Get();
    // The thread's own handled exception: the last item of the exc_info chain (running generators on
    // the chain own the items before it; their values travel in their links).
    _PyErr_StackItem* item = ts->exc_info;
    while (item->previous_item != nullptr)
        item = item->previous_item;
    PyObject* exc = item->exc_value != nullptr ? item->exc_value : Py_None;
    return check(Py_BuildValue("(NO)", frames.release(), exc));
}

} // namespace suspendable::frames
