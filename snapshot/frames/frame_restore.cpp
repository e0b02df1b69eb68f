// Restore of a captured chain: hand-built _PyInterpreterFrames run innermost first, each result (or
// exception) fed into the next outer frame.
//
// Invariants relied on (CPython 3.11.2):
// - _PyEval_EvalFrameDefault(tstate, frame, throwflag) is the only exported entry point. It sets
//   frame->previous = tstate->cframe->current_frame and forces is_entry, so one call cannot fall through
//   into hand-linked outer frames: they run one after another, innermost first;
// - resume_frame continues at prev_instr + 1: a frame stopped BEFORE lasti (line event) gets
//   prev_instr = lasti - 1; a frame stopped in a call gets prev_instr = lasti (its CALL's last CACHE, or
//   the instruction itself when it has none) and the callee's result pushed;
// - with throwflag the frame goes to resume_with_error and looks the handler up at INSTR_OFFSET()-1 =
//   lasti, exactly as when an inlined callee raises;
// - _PyFrame_Clear / take_ownership (Python/frame.c, not exported) are mirrored in clear_frame: a frame
//   object that outlives the frame (traceback) gets a copy and an f_back link;
// - the outer handled exceptions live on the value stacks; only tstate->exc_info->exc_value is restored.
#include "cpython311.hpp"
#include "frame_engine.hpp"
#include "keyed_sort.hpp"
#include "min_max.hpp"
#include "reduce.hpp"
#include "trampoline.hpp"

#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

namespace suspendable::frames
{

namespace
{

// Frames currently run by resume_chain (innermost contexts last), with the link each one's result goes
// through. frames[0] of each is its base.
struct active_resume
{
    const std::vector<cpy::iframe*>* frames;
    const std::vector<py_ref>* links;
};
std::vector<active_resume> g_active;
// Restored callers whose "iterate" consumer resume_chain runs natively now, with that link.
std::vector<std::pair<const void*, PyObject*>> g_iterating;

// Mirror of Python/frame.c take_ownership: the frame object keeps a copy of the frame's data (it steals
// the references) and links to its caller through f_back.
void give_to_frame_object(PyFrameObject* fo, cpy::iframe* frame)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb); // a propagating exception must survive PyFrame_GetBack
    PyFrameObject* back = fo->f_back != nullptr ? nullptr : PyFrame_GetBack(fo);
    if (back == nullptr && PyErr_Occurred())
        PyErr_Clear(); // MemoryError only: the frame object simply has no f_back
    PyErr_Restore(type, value, tb);
    size_t size = static_cast<size_t>(reinterpret_cast<char*>(&frame->localsplus[frame->stacktop]) -
                                      reinterpret_cast<char*>(frame));
    auto* copy = reinterpret_cast<cpy::iframe*>(fo->_f_frame_data);
    std::memcpy(static_cast<void*>(copy), frame, size);
    fo->f_frame = copy;
    copy->owner = FRAME_OWNED_BY_FRAME_OBJECT;
    copy->previous = nullptr;
    if (back != nullptr)
        fo->f_back = back; // new reference from PyFrame_GetBack
    if (!PyObject_GC_IsTracked(reinterpret_cast<PyObject*>(fo)))
        PyObject_GC_Track(fo);
}

// Mirror of _PyFrame_Clear for a frame we allocated.
void clear_frame(cpy::iframe* frame)
{
    if (frame->frame_obj != nullptr)
    {
        PyFrameObject* fo = std::exchange(frame->frame_obj, nullptr);
        if (Py_REFCNT(fo) > 1)
        {
            give_to_frame_object(fo, frame);
            Py_DECREF(fo);
            return;
        }
        Py_DECREF(fo);
    }
    for (int i = 0; i < frame->stacktop; i++)
        Py_XDECREF(frame->localsplus[i]);
    Py_XDECREF(frame->f_locals);
    Py_DECREF(frame->f_func);
    Py_DECREF(frame->f_code);
}

struct frame_deleter
{
    void operator()(cpy::iframe* f) const
    {
        if (f->owner == FRAME_OWNED_BY_GENERATOR)
        {
            // Lives in its generator: a suspended one keeps it; one that never ran or finished is
            // cleared as gen_send_ex2 does (state first: nothing may run it while it is cleared).
            PyGenObject* gen = cpy::generator_of(f);
            if (gen->gi_frame_state == FRAME_SUSPENDED || gen->gi_frame_state >= FRAME_CLEARED)
                return;
            gen->gi_frame_state = FRAME_CLEARED;
            Py_CLEAR(gen->gi_exc_state.exc_value);
            clear_frame(f);
            f->stacktop = 0;
            return;
        }
        clear_frame(f);
        PyMem_Free(f);
    }
};
using owned_frame = std::unique_ptr<cpy::iframe, frame_deleter>;

// One captured link: how frame i's result reaches frame i-1.
struct link
{
    py_ref kind; // None or str
    py_ref data; // the link tuple
};

PyObject* slot_value(PyObject* v) { return v == null_sentinel() ? nullptr : py_ref::borrow(v).release(); }

struct parsed_frame
{
    PyObject* func;
    PyObject* code;
    int lasti;
    PyObject* locals;
    PyObject* stack;
    PyObject* f_locals;
    int mode;
    PyObject* link;
    PyObject* frame_object; // None or a stand-in frame object to adopt
};

parsed_frame parse(PyObject* item, Py_ssize_t index)
{
    parsed_frame p{};
    p.frame_object = Py_None;
    if (!PyArg_ParseTuple(item, "O!O!iO!O!OiO|O;captured frame", &PyFunction_Type, &p.func, &PyCode_Type, &p.code,
                          &p.lasti, &PyList_Type, &p.locals, &PyList_Type, &p.stack, &p.f_locals, &p.mode,
                          &p.link, &p.frame_object))
        throw python_error();
    auto* co = reinterpret_cast<PyCodeObject*>(p.code);
    if (PyList_GET_SIZE(p.locals) != co->co_nlocalsplus || PyList_GET_SIZE(p.stack) + (p.mode == resume_after ? 1 : 0) > co->co_stacksize ||
        p.lasti < 0 || p.lasti >= Py_SIZE(co) || (p.mode != resume_before && p.mode != resume_after))
    {
        PyErr_Format(PyExc_ValueError, "captured frame %zd does not fit its code object %R", index, p.code);
        throw python_error();
    }
    return p;
}

// Locals, cells and free variables, then the value stack, from a captured frame (f->stacktop is 0).
void fill_slots(cpy::iframe* f, const parsed_frame& p)
{
    for (Py_ssize_t k = 0; k < PyList_GET_SIZE(p.locals); k++)
        f->localsplus[f->stacktop++] = slot_value(PyList_GET_ITEM(p.locals, k));
    for (Py_ssize_t k = 0; k < PyList_GET_SIZE(p.stack); k++)
        f->localsplus[f->stacktop++] = slot_value(PyList_GET_ITEM(p.stack, k));
}

bool has_kind(PyObject* link, const char* kind)
{
    if (link == Py_None || !PyTuple_Check(link) || PyTuple_GET_SIZE(link) < 1)
        return false;
    const char* k = PyUnicode_AsUTF8(PyTuple_GET_ITEM(link, 0));
    return k != nullptr && std::strcmp(k, kind) == 0;
}

// A generator that was running in a chain the kernel unwound by raising (unwind.cpp): gen_send_ex2
// cleared its frame (the capture holds the values) and marked it FRAME_CLEARED. It becomes the fresh
// shell of its function again, as _PyFrame_InitializeSpecials makes one, so that the chain continues
// in the very generator its callers hold.
void revive_cleared(PyGenObject* g, const parsed_frame& p)
{
    auto* func = reinterpret_cast<PyFunctionObject*>(p.func);
    auto* f = reinterpret_cast<cpy::iframe*>(g->gi_iframe);
    f->f_func = reinterpret_cast<PyFunctionObject*>(py_ref::borrow(p.func).release());
    f->f_code = reinterpret_cast<PyCodeObject*>(py_ref::borrow(p.code).release());
    f->f_builtins = func->func_builtins; // borrowed
    f->f_globals = func->func_globals;   // borrowed
    f->f_locals = nullptr;
    f->frame_obj = nullptr;
    f->previous = nullptr;
    f->prev_instr = _PyCode_CODE(f->f_code) - 1;
    f->is_entry = false;
    f->owner = FRAME_OWNED_BY_GENERATOR;
    f->stacktop = 0;
    g->gi_frame_state = FRAME_CREATED;
}

// A generator frame of the chain is rebuilt inside the fresh generator shell the snapshot holds for it
// (graph.py pickles a running generator as a shell of the same function): the shell's prefix state is
// replaced by the captured one.
owned_frame build_in_generator(const parsed_frame& p, cpy::iframe* previous)
{
    PyObject* gen = PyTuple_GET_ITEM(p.link, 2);
    auto* co = reinterpret_cast<PyCodeObject*>(p.code);
    if (PyGen_CheckExact(gen) && reinterpret_cast<PyGenObject*>(gen)->gi_frame_state == FRAME_CLEARED &&
        reinterpret_cast<PyObject*>(reinterpret_cast<PyGenObject*>(gen)->gi_code) == p.code)
        revive_cleared(reinterpret_cast<PyGenObject*>(gen), p);
    if (!PyGen_CheckExact(gen) || reinterpret_cast<PyGenObject*>(gen)->gi_frame_state != FRAME_CREATED)
        throw std::invalid_argument("resume_chain: a generator frame needs a fresh generator");
    auto* g = reinterpret_cast<PyGenObject*>(gen);
    auto* f = reinterpret_cast<cpy::iframe*>(g->gi_iframe);
    int same = PyObject_RichCompareBool(reinterpret_cast<PyObject*>(f->f_code), p.code, Py_EQ);
    if (same < 0)
        throw python_error();
    if (!same || f->f_code->co_nlocalsplus != co->co_nlocalsplus || f->f_code->co_stacksize != co->co_stacksize)
        throw std::invalid_argument("resume_chain: the generator does not run the captured code");
    for (int i = 0; i < f->stacktop; i++)
        Py_CLEAR(f->localsplus[i]);
    Py_XSETREF(f->f_locals, p.f_locals == Py_None ? nullptr : py_ref::borrow(p.f_locals).release());
    f->previous = previous;
    f->prev_instr = _PyCode_CODE(f->f_code) + p.lasti - (p.mode == resume_before ? 1 : 0);
    f->is_entry = false;
    f->stacktop = 0;
    owned_frame owned(f);
    fill_slots(f, p);
    PyObject* exc = PyTuple_GET_ITEM(p.link, 3);
    Py_XSETREF(g->gi_exc_state.exc_value, exc == Py_None ? nullptr : py_ref::borrow(exc).release());
    return owned;
}

// The captured frame's object becomes the object of the restored frame f, as
// _PyFrame_MakeAndSetFrameObject would have made it. It owns a frame of the same code: a stand-in from
// make_frame (a resume from a file), or the original object, which took a copy of its frame when the
// kernel unwound it (a resume in the same process). That data is released as frame_dealloc does; from
// now on the object reads f, and clear_frame copies f back into it (the data area is sized for the same
// code) when f finishes. An object that does not fit is left alone: references keep the old object.
void adopt_frame_object(cpy::iframe* f, PyObject* obj)
{
    if (obj == Py_None || !PyFrame_Check(obj))
        return;
    auto* fo = reinterpret_cast<PyFrameObject*>(obj);
    auto* own = reinterpret_cast<cpy::iframe*>(fo->_f_frame_data);
    if (fo->f_frame != own || own->owner != FRAME_OWNED_BY_FRAME_OBJECT || own->f_code == nullptr ||
        own->f_code->co_nlocalsplus + own->f_code->co_stacksize < f->f_code->co_nlocalsplus + f->f_code->co_stacksize)
        return;
    Py_CLEAR(own->f_func);
    Py_CLEAR(own->f_locals);
    for (int i = 0; i < own->stacktop; i++)
        Py_CLEAR(own->localsplus[i]);
    own->stacktop = 0;
    Py_CLEAR(own->f_code);
    Py_CLEAR(fo->f_back); // a running frame's f_back is its `previous`
    fo->f_lineno = 0;     // and its line is read from prev_instr
    fo->f_frame = f;
    f->frame_obj = reinterpret_cast<PyFrameObject*>(py_ref::borrow(obj).release());
}

// Allocates and fills one frame (FRAME_SPECIALS_SIZE + nlocalsplus + stacksize slots, as _PyFrame_Push).
owned_frame build(const parsed_frame& p, cpy::iframe* previous)
{
    if (has_kind(p.link, trampoline::link_generator) || has_kind(p.link, trampoline::link_send) ||
        has_kind(p.link, trampoline::link_consume))
        return build_in_generator(p, previous);
    auto* co = reinterpret_cast<PyCodeObject*>(p.code);
    auto* func = reinterpret_cast<PyFunctionObject*>(p.func);
    size_t nslots = FRAME_SPECIALS_SIZE + static_cast<size_t>(co->co_nlocalsplus + co->co_stacksize);
    auto* f = static_cast<cpy::iframe*>(PyMem_Calloc(nslots, sizeof(PyObject*)));
    if (f == nullptr)
    {
        PyErr_NoMemory();
        throw python_error();
    }
    f->f_func = reinterpret_cast<PyFunctionObject*>(py_ref::borrow(p.func).release());
    f->f_code = reinterpret_cast<PyCodeObject*>(py_ref::borrow(p.code).release());
    f->f_globals = func->func_globals;   // borrowed, as in _PyFrame_InitializeSpecials
    f->f_builtins = func->func_builtins; // borrowed
    f->f_locals = p.f_locals == Py_None ? nullptr : py_ref::borrow(p.f_locals).release();
    f->frame_obj = nullptr;
    f->previous = previous;
    f->prev_instr = _PyCode_CODE(co) + p.lasti - (p.mode == resume_before ? 1 : 0);
    f->is_entry = false;
    f->owner = FRAME_OWNED_BY_THREAD;
    f->stacktop = 0;
    owned_frame owned(f);
    fill_slots(f, p);
    adopt_frame_object(f, p.frame_object);
    return owned;
}

void push(cpy::iframe* f, PyObject* value_new_ref)
{
    if (f->stacktop >= f->f_code->co_nlocalsplus + f->f_code->co_stacksize)
    {
        Py_DECREF(value_new_ref);
        throw std::logic_error("restored frame's stack overflows");
    }
    f->localsplus[f->stacktop++] = value_new_ref;
}

// Applies the trampoline link of a returned frame to its result (new reference or NULL with an error
// set); returns the value to push into the outer frame, or NULL with an error set.
PyObject* apply_link(PyObject* link, PyObject* result)
{
    if (link == Py_None)
        return result;
    const char* kind = PyUnicode_AsUTF8(PyTuple_GET_ITEM(link, 0));
    if (kind == nullptr)
        return nullptr;
    if (std::strcmp(kind, trampoline::link_init) == 0)
    {
        // slot_tp_init: __init__ must return None; type_call returns the object.
        if (result == nullptr)
            return nullptr;
        py_ref r = py_ref::steal(result);
        if (result != Py_None)
        {
            PyErr_Format(PyExc_TypeError, "__init__() should return None, not '%.200s'", Py_TYPE(result)->tp_name);
            return nullptr;
        }
        return py_ref::borrow(PyTuple_GET_ITEM(link, 1)).release();
    }
    if (std::strcmp(kind, trampoline::link_binop) == 0 || std::strcmp(kind, trampoline::link_compare) == 0)
    {
        if (result != Py_NotImplemented)
            return result;
        Py_DECREF(result);
        return std::strcmp(kind, trampoline::link_binop) == 0 ? trampoline::finish_binop(link)
                                                               : trampoline::finish_compare(link);
    }
    if (std::strcmp(kind, trampoline::link_next) == 0 || std::strcmp(kind, trampoline::link_generator) == 0 ||
        std::strcmp(kind, trampoline::link_send) == 0 || std::strcmp(kind, trampoline::link_seqiter) == 0 ||
        std::strcmp(kind, trampoline::link_discard) == 0)
        return result; // (discard: only an error reaches here, and it propagates) // the loop value; the end of the loop is handled by the resume loop
    if (std::strcmp(kind, trampoline::link_truth) == 0)
    {
        // object_recursive_isinstance / object_issubclass: PyObject_IsTrue(res); the builtin makes a bool
        if (result == nullptr)
            return nullptr;
        py_ref r = py_ref::steal(result);
        int ok = PyObject_IsTrue(result);
        return ok < 0 ? nullptr : PyBool_FromLong(ok);
    }
    if (std::strcmp(kind, trampoline::link_build_class) == 0)
        return trampoline::finish_build_class(link, result);
    if (std::strcmp(kind, trampoline::link_prepare) == 0)
        return trampoline::finish_prepare(link, result);
    if (std::strcmp(kind, trampoline::link_meta_new) == 0)
        return trampoline::finish_meta_new(link, result);
    if (std::strcmp(kind, trampoline::link_set_names) == 0)
        return trampoline::finish_set_names(link, result);
    if (std::strcmp(kind, trampoline::link_new) == 0)
        return trampoline::finish_new(link, result);
    if (std::strcmp(kind, trampoline::link_sort) == 0)
        return keyed_sort::finish(link, result);
    if (std::strcmp(kind, trampoline::link_minmax) == 0)
        return min_max::finish(link, result);
    if (std::strcmp(kind, trampoline::link_reduce) == 0)
        return reduce::finish(link, result);
    if (std::strcmp(kind, trampoline::link_sum) == 0)
        return trampoline::finish_sum(link, result);
    if (std::strcmp(kind, trampoline::link_string) == 0)
    {
        // PyObject_Str / PyObject_Repr after the slot returned
        if (result != nullptr && !PyUnicode_Check(result))
        {
            PyErr_Format(PyExc_TypeError, "%U returned non-string (type %.200s)", PyTuple_GET_ITEM(link, 1),
                         Py_TYPE(result)->tp_name);
            Py_DECREF(result);
            return nullptr;
        }
        return result;
    }
    if (std::strcmp(kind, trampoline::link_print) == 0)
        return trampoline::finish_print(link, result);
    if (std::strcmp(kind, trampoline::link_length) == 0)
        return trampoline::finish_length(result);
    if (std::strcmp(kind, trampoline::link_none) == 0)
    {
        if (result == nullptr)
            return nullptr;
        Py_DECREF(result);
        return py_ref::borrow(Py_None).release();
    }
    if (std::strcmp(kind, trampoline::link_getattr) == 0)
    {
        // slot_tp_getattr_hook: AttributeError from __getattribute__ (or a getter) -> __getattr__.
        PyObject* fallback = PyTuple_GET_ITEM(link, 3);
        if (result == nullptr && fallback != Py_None && PyErr_ExceptionMatches(PyExc_AttributeError))
        {
            PyErr_Clear();
            result = PyObject_CallFunctionObjArgs(fallback, PyTuple_GET_ITEM(link, 1),
                                                  PyTuple_GET_ITEM(link, 2), nullptr);
        }
        // getattr(o, name, default): _PyObject_LookupAttr turns the AttributeError into the default.
        PyObject* dflt = PyTuple_GET_SIZE(link) > 4 ? PyTuple_GET_ITEM(link, 4) : Py_None;
        if (result == nullptr && dflt != Py_None && PyErr_ExceptionMatches(PyExc_AttributeError))
        {
            PyErr_Clear();
            return py_ref::borrow(PyTuple_GET_ITEM(dflt, 0)).release();
        }
        return result;
    }
    Py_XDECREF(result);
    PyErr_Format(PyExc_ValueError, "unknown frame link %s", kind);
    return nullptr;
}

bool exit_for_loop(PyObject* link, cpy::iframe* outer);

// gen_send_ex2 (Objects/genobject.c) before _PyEval_EvalFrame: the generator's exception state is linked
// in front of the thread's, and it is marked as running.
void enter_generator(PyThreadState* ts, cpy::iframe* f)
{
    PyGenObject* gen = cpy::generator_of(f);
    gen->gi_exc_state.previous_item = ts->exc_info;
    ts->exc_info = &gen->gi_exc_state;
    gen->gi_frame_state = FRAME_EXECUTING;
}

// gen_send_ex2 after _PyEval_EvalFrame, as gen_iternext sees it: a yield keeps the frame in the generator
// and its value is the loop's; a return clears the generator and ends the loop (*returned, the value in
// *return_value); an escaping StopIteration becomes RuntimeError (PEP 479).
PyObject* leave_generator(PyThreadState* ts, cpy::iframe* f, PyObject* result, bool* returned, py_ref* return_value)
{
    PyGenObject* gen = cpy::generator_of(f);
    if (gen->gi_frame_state == FRAME_EXECUTING)
        gen->gi_frame_state = FRAME_COMPLETED;
    ts->exc_info = gen->gi_exc_state.previous_item;
    gen->gi_exc_state.previous_item = nullptr;
    f->previous = nullptr;
    if (result != nullptr && gen->gi_frame_state == FRAME_SUSPENDED)
        return result;
    if (result != nullptr)
    {
        *return_value = py_ref::steal(result);
        result = nullptr;
        *returned = true;
    }
    else if (PyErr_ExceptionMatches(PyExc_StopIteration))
    {
        _PyErr_FormatFromCause(PyExc_RuntimeError, "generator raised StopIteration");
    }
    Py_CLEAR(gen->gi_exc_state.exc_value);
    gen->gi_frame_state = FRAME_CLEARED;
    clear_frame(f);
    f->stacktop = 0;
    return nullptr;
}

// FOR_ITER after __next__ raised StopIteration: pop the iterator and continue at the loop's exit (the
// jump target stored in the link). Returns false if this link/result is not that case.
bool end_for_loop(PyObject* link, PyObject* result, cpy::iframe* outer)
{
    if (result != nullptr || link == Py_None || !PyErr_ExceptionMatches(PyExc_StopIteration))
        return false;
    const char* kind = PyUnicode_AsUTF8(PyTuple_GET_ITEM(link, 0));
    if (kind == nullptr || (std::strcmp(kind, trampoline::link_next) != 0 && std::strcmp(kind, trampoline::link_filter) != 0))
        return false; // a StopIteration propagating through another link stays set
    PyErr_Clear();
    return exit_for_loop(link, outer);
}

// Pops the loop's iterator and continues at FOR_ITER's jump target (link[1]).
bool exit_for_loop(PyObject* link, cpy::iframe* outer)
{
    long target = PyLong_AsLong(PyTuple_GET_ITEM(link, 1));
    if (target <= 0 || target >= Py_SIZE(outer->f_code) || outer->stacktop <= cpy::nlocalsplus(outer))
        throw std::logic_error("restored FOR_ITER has no loop to leave");
    PyObject* iterator = outer->localsplus[--outer->stacktop];
    Py_XDECREF(iterator);
    outer->prev_instr = _PyCode_CODE(outer->f_code) + target - 1;
    return true;
}

// SEND after its receiver returned `value` (new reference): it replaces the receiver on top of the outer
// frame's stack and execution continues at SEND's jump target (link[1]).
void finish_send(PyObject* link, cpy::iframe* outer, PyObject* value)
{
    py_ref owned = py_ref::steal(value != nullptr ? value : py_ref::borrow(Py_None).release());
    long target = PyLong_AsLong(PyTuple_GET_ITEM(link, 1));
    if (target <= 0 || target >= Py_SIZE(outer->f_code) || outer->stacktop <= cpy::nlocalsplus(outer))
        throw std::logic_error("restored SEND has no receiver to replace");
    PyObject*& top = outer->localsplus[outer->stacktop - 1];
    Py_XSETREF(top, owned.release());
    outer->prev_instr = _PyCode_CODE(outer->f_code) + target - 1;
}

// iter_iternext (Objects/iterobject.c) after __getitem__ returned `result` (new reference or NULL): a
// value moves the index on and becomes the loop value; IndexError / StopIteration exhaust the iterator
// and end the loop. Returns false when the error is another one (it propagates).
bool sequence_step(PyObject* link, PyObject* result, cpy::iframe* outer)
{
    auto* it = reinterpret_cast<cpy::seqiter*>(PyTuple_GET_ITEM(link, 2));
    if (result != nullptr)
    {
        it->it_index++;
        push(outer, result);
        return true;
    }
    if (!PyErr_ExceptionMatches(PyExc_IndexError) && !PyErr_ExceptionMatches(PyExc_StopIteration))
        return false;
    PyErr_Clear();
    Py_CLEAR(it->it_seq);
    return exit_for_loop(link, outer);
}

bool is_filter(PyObject* link)
{
    if (link == Py_None)
        return false;
    const char* kind = PyUnicode_AsUTF8(PyTuple_GET_ITEM(link, 0));
    return kind != nullptr && std::strcmp(kind, trampoline::link_filter) == 0;
}

// filter_next after the predicate returned `verdict` (consumed): the item if true, else the filter's
// next item; NULL without an exception when the filter is exhausted, NULL with one on error.
PyObject* filter_result(PyObject* link, PyObject* verdict)
{
    int ok = PyObject_IsTrue(verdict);
    Py_DECREF(verdict);
    if (ok < 0)
        return nullptr;
    if (ok)
        return py_ref::borrow(PyTuple_GET_ITEM(link, 3)).release();
    return PyIter_Next(PyTuple_GET_ITEM(link, 2));
}

// Runs one restored frame (as gen_send_ex2 does for a generator's): its result, or NULL with an error.
PyObject* run_frame(PyThreadState* ts, cpy::iframe* f, int throwflag, bool* generator_returned, py_ref* return_value)
{
    bool in_generator = f->owner == FRAME_OWNED_BY_GENERATOR;
    _PyInterpreterFrame* saved = ts->cframe->current_frame;
    ts->cframe->current_frame = f->previous; // the eval loop links f->previous from this
    if (in_generator)
        enter_generator(ts, f);
    PyObject* result = _PyInterpreterState_GetEvalFrameFunc(ts->interp)(ts, f, throwflag); // honours PEP 523
    ts->cframe->current_frame = saved;
    if (in_generator)
        result = leave_generator(ts, f, result, generator_returned, return_value);
    return result;
}

// Empties the captured lists so that values die when the restored frames drop them, not when the
// snapshot payload is freed (finalizers run at the same point as in an uninterrupted run).
void consume(PyObject* frames)
{
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(frames); i++)
    {
        PyObject* t = PyList_GET_ITEM(frames, i);
        for (int k : {3, 4})
        {
            PyObject* l = PyTuple_GET_ITEM(t, k);
            if (PyList_SetSlice(l, 0, PyList_GET_SIZE(l), nullptr) < 0)
                throw python_error();
        }
        // The adopted frame object belongs to the restored frame now: a finished frame copies its
        // locals into it (clear_frame), so the captured list must not keep it alive. The link is
        // resume_chain's from now on: a generator it holds must die when the C layer would have
        // dropped it (a consumer that stops early closes it at once: its `finally` runs there).
        py_ref slim = check(PyTuple_New(8));
        for (Py_ssize_t k = 0; k < 8; k++)
            PyTuple_SET_ITEM(slim.get(), k, py_ref::borrow(k == 7 ? Py_None : PyTuple_GET_ITEM(t, k)).release());
        check_status(PyList_SetItem(frames, i, slim.release()));
    }
}

class active_scope
{
public:
    active_scope(const std::vector<cpy::iframe*>* frames, const std::vector<py_ref>* links)
    {
        g_active.push_back({frames, links});
    }
    ~active_scope() { g_active.pop_back(); }
    active_scope(const active_scope&) = delete;
    active_scope& operator=(const active_scope&) = delete;
};

// tstate->exc_info->exc_value for the duration of a resume.
class exc_info_scope
{
public:
    exc_info_scope(PyThreadState* ts, PyObject* value) : m_ts(ts), m_saved(ts->exc_info->exc_value)
    {
        ts->exc_info->exc_value = py_ref::borrow(value).release();
    }
    ~exc_info_scope()
    {
        PyObject* current = std::exchange(m_ts->exc_info->exc_value, m_saved);
        Py_XDECREF(current);
    }
    exc_info_scope(const exc_info_scope&) = delete;
    exc_info_scope& operator=(const exc_info_scope&) = delete;

private:
    PyThreadState* m_ts;
    PyObject* m_saved;
};

// Links of the engine's own builtins (keyed_sort, min_max, reduce, running_sum) whose rest calls Python
// code again (the key function, reduce's function, __add__) for the items left: under native_rest_scope.
bool finishes_natively(PyObject* link)
{
    for (const char* kind : {trampoline::link_sort, trampoline::link_minmax, trampoline::link_reduce,
                             trampoline::link_sum})
    {
        if (has_kind(link, kind))
            return true;
    }
    return false;
}

} // namespace

bool driven_by_resume(const void* f)
{
    return resume_link(f) != nullptr;
}

PyObject* iterating_link(const void* caller)
{
    for (const auto& [frame, link] : g_iterating)
    {
        if (frame == caller)
            return link;
    }
    return nullptr;
}

PyObject* resume_link(const void* f)
{
    for (const active_resume& a : g_active)
    {
        for (size_t i = 1; i < a.frames->size(); i++)
        {
            if ((*a.frames)[i] == f)
            {
                PyObject* link = (*a.links)[i].get();
                return link != nullptr ? link : Py_None;
            }
        }
    }
    return nullptr;
}

// The recursion depth a detached chain's frames run at: frame i of the chain (0: the program's module
// frame, which python3.11 runs with nothing under it) ran at depth i + 1, plus whatever C layers between
// the frames added; the resume's own frames must not count. Eval loop entries and exits keep
// recursion_remaining balanced, so setting it before each frame and restoring it at the end is enough.
class recursion_scope
{
public:
    recursion_scope(PyThreadState* ts, bool detached)
        : m_ts(ts), m_on(detached), m_saved(ts->recursion_remaining)
    {
    }
    ~recursion_scope()
    {
        if (m_on)
            m_ts->recursion_remaining = m_saved;
    }
    void at(Py_ssize_t i)
    {
        if (m_on) // _PyEval_EvalFrameDefault's entry takes one more
            m_ts->recursion_remaining = m_ts->recursion_limit - static_cast<int>(i);
    }
    recursion_scope(const recursion_scope&) = delete;
    recursion_scope& operator=(const recursion_scope&) = delete;

private:
    PyThreadState* m_ts;
    bool m_on;
    int m_saved;
};

// The rest of a builtin that resume_chain runs natively for a restored caller, after the callee the
// builtin had called returned: the frames it enters link to that caller, whose CALL it is, as when the
// builtin ran (tracebacks, sys._getframe(1), warnings' stacklevel). The caller waits in its CALL without
// the call's operands, so a capture from those frames must not analyse that CALL: it sees an
// iterating link that no iterator matches, and waits (frame_capture.cpp).
class native_rest_scope
{
public:
    native_rest_scope(PyThreadState* ts, cpy::iframe* caller) : m_ts(ts), m_saved(ts->cframe->current_frame)
    {
        static PyObject* unmatched = Py_BuildValue("(sOOOOO)", "native", Py_None, Py_None, Py_None, Py_None,
                                                   Py_None); // held for the process
        ts->cframe->current_frame = caller;
        g_iterating.emplace_back(caller, unmatched != nullptr ? unmatched : Py_None);
    }
    ~native_rest_scope()
    {
        g_iterating.pop_back();
        m_ts->cframe->current_frame = m_saved;
    }
    native_rest_scope(const native_rest_scope&) = delete;
    native_rest_scope& operator=(const native_rest_scope&) = delete;

private:
    PyThreadState* m_ts;
    cpy::iframe* m_saved;
};

py_ref resume_chain(PyObject* frames, PyObject* exc_value, PyObject* send_value, bool detached)
{
    if (!PyList_Check(frames) || PyList_GET_SIZE(frames) == 0)
        throw std::invalid_argument("resume_chain: a non-empty list of captured frames is required");
    Py_ssize_t n = PyList_GET_SIZE(frames);
    PyThreadState* ts = PyThreadState_Get();
    std::vector<parsed_frame> parsed;
    for (Py_ssize_t i = 0; i < n; i++)
        parsed.push_back(parse(PyList_GET_ITEM(frames, i), i));
    if (parsed.back().mode == resume_after && send_value == nullptr)
        throw std::invalid_argument("resume_chain: the innermost frame waits for a value");

    std::vector<owned_frame> owned;
    std::vector<py_ref> links;
    cpy::iframe* previous = detached ? nullptr : ts->cframe->current_frame; // resume_chain's caller
    for (const parsed_frame& p : parsed)
    {
        owned.push_back(build(p, previous));
        links.push_back(py_ref::borrow(p.link));
        previous = owned.back().get();
    }
    if (parsed.back().mode == resume_after)
        push(owned.back().get(), py_ref::borrow(send_value).release());
    parsed.clear();
    consume(frames);

    std::vector<cpy::iframe*> running;
    for (const auto& f : owned)
        running.push_back(f.get());
    for (const py_ref& link : links)
    {
        if (has_kind(link.get(), trampoline::link_sort))
            keyed_sort::prepare(link.get()); // before the key function it waits for runs again
    }
    exc_info_scope exc_scope(ts, exc_value == nullptr ? Py_None : exc_value);
    active_scope scope(&running, &links);

    PyObject* result = nullptr;
    int throwflag = 0;
    recursion_scope depth(ts, detached);
    for (Py_ssize_t i = n - 1; i >= 0; i--)
    {
        cpy::iframe* f = owned[static_cast<size_t>(i)].get();
        bool generator_returned = false;
        py_ref return_value;
        depth.at(i);
        result = run_frame(ts, f, throwflag, &generator_returned, &return_value);
        if (i > 0 && has_kind(links[static_cast<size_t>(i)].get(), trampoline::link_consume))
        {
            // the rest of the native consumer: it takes items until it has its result
            for (bool again = true; again;)
            {
                {
                    native_rest_scope rest(ts, owned[static_cast<size_t>(i - 1)].get());
                    result = trampoline::consume_outcome(links[static_cast<size_t>(i)].get(), result,
                                                         generator_returned, return_value.release(), &again);
                }
                if (!again)
                    break;
                f->previous = owned[static_cast<size_t>(i - 1)].get();
                push(f, py_ref::borrow(Py_None).release()); // gen_send_ex2 sends None into the yield
                generator_returned = false;
                result = run_frame(ts, f, 0, &generator_returned, &return_value);
            }
            generator_returned = false;
            // the consumer's result goes in as is; dropping the link drops the consumer's generator
            running[static_cast<size_t>(i)] = nullptr;
            links[static_cast<size_t>(i)] = py_ref::borrow(Py_None);
        }
        if (i > 0 && has_kind(links[static_cast<size_t>(i)].get(), trampoline::link_iterate))
        {
            // the rest of the native consumer: frames its iterator enters link to the caller, whose CALL
            // it is, as when the consumer ran; a capture there carries this link (iterating_link)
            running[static_cast<size_t>(i)] = nullptr;
            PyObject* link = links[static_cast<size_t>(i)].get();
            if (trampoline::folds(link))
            {
                // min / max / reduce call Python code besides the iterator's (a key, a comparison, the
                // function), which the iterator's link would claim: frames under the rest wait instead
                native_rest_scope rest(ts, owned[static_cast<size_t>(i - 1)].get());
                result = trampoline::iterate_outcome(link, result);
            }
            else
            {
                _PyInterpreterFrame* saved = ts->cframe->current_frame;
                ts->cframe->current_frame = owned[static_cast<size_t>(i - 1)].get();
                g_iterating.emplace_back(owned[static_cast<size_t>(i - 1)].get(), link);
                result = trampoline::iterate_outcome(link, result);
                g_iterating.pop_back();
                ts->cframe->current_frame = saved;
            }
            links[static_cast<size_t>(i)] = py_ref::borrow(Py_None);
        }
        running[static_cast<size_t>(i)] = nullptr;
        owned[static_cast<size_t>(i)].reset();
        if (i == 0)
            break;
        if (generator_returned && has_kind(links[static_cast<size_t>(i)].get(), trampoline::link_send))
        {
            // SEND's PYGEN_RETURN: the return value replaces the receiver, then the jump
            finish_send(links[static_cast<size_t>(i)].get(), owned[static_cast<size_t>(i - 1)].get(), return_value.release());
            links[static_cast<size_t>(i)].reset();
            throwflag = 0;
            continue;
        }
        if (generator_returned)
        {
            // gen_iternext returned NULL without an error: FOR_ITER leaves the loop
            exit_for_loop(links[static_cast<size_t>(i)].get(), owned[static_cast<size_t>(i - 1)].get());
            links[static_cast<size_t>(i)].reset();
            throwflag = 0;
            continue;
        }
        if (has_kind(links[static_cast<size_t>(i)].get(), trampoline::link_seqiter) &&
            sequence_step(links[static_cast<size_t>(i)].get(), result, owned[static_cast<size_t>(i - 1)].get()))
        {
            links[static_cast<size_t>(i)].reset();
            throwflag = 0;
            continue;
        }
        if (end_for_loop(links[static_cast<size_t>(i)].get(), result, owned[static_cast<size_t>(i - 1)].get()))
        {
            links[static_cast<size_t>(i)].reset();
            throwflag = 0;
            continue;
        }
        if (has_kind(links[static_cast<size_t>(i)].get(), trampoline::link_branch))
        {
            // POP_JUMP_*_IF_*: the condition is popped already; its truth says where the outer frame goes on
            PyObject* link = links[static_cast<size_t>(i)].get();
            int truth = trampoline::branch_truth(link, result);
            if (truth >= 0 && (truth == 1) == (PyTuple_GET_ITEM(link, 2) == Py_True))
            {
                cpy::iframe* outer = owned[static_cast<size_t>(i - 1)].get();
                long target = PyLong_AsLong(PyTuple_GET_ITEM(link, 3));
                if (target <= 0 || target >= Py_SIZE(outer->f_code))
                    throw std::logic_error("restored branch has no target");
                outer->prev_instr = _PyCode_CODE(outer->f_code) + target - 1;
            }
            result = nullptr;
            links[static_cast<size_t>(i)].reset();
            throwflag = truth < 0 ? 1 : 0;
            continue;
        }
        if (result != nullptr && has_kind(links[static_cast<size_t>(i)].get(), trampoline::link_discard))
        {
            // a store hook's result is dropped by its C slot; the outer instruction pushes nothing
            Py_DECREF(result);
            links[static_cast<size_t>(i)].reset();
            throwflag = 0;
            continue;
        }
        if (result != nullptr && is_filter(links[static_cast<size_t>(i)].get()))
        {
            result = filter_result(links[static_cast<size_t>(i)].get(), result);
            if (result == nullptr && !PyErr_Occurred())
            {
                exit_for_loop(links[static_cast<size_t>(i)].get(), owned[static_cast<size_t>(i - 1)].get());
                links[static_cast<size_t>(i)].reset();
                throwflag = 0;
                continue;
            }
        }
        else if (finishes_natively(links[static_cast<size_t>(i)].get()))
        {
            native_rest_scope rest(ts, owned[static_cast<size_t>(i - 1)].get());
            result = apply_link(links[static_cast<size_t>(i)].get(), result);
        }
        else
            result = apply_link(links[static_cast<size_t>(i)].get(), result);
        links[static_cast<size_t>(i)].reset();
        if (result != nullptr)
        {
            push(owned[static_cast<size_t>(i - 1)].get(), result);
            throwflag = 0;
        }
        else
        {
            throwflag = 1; // the exception is set: unwind into the outer frame
        }
    }
    if (result == nullptr)
        throw python_error();
    return py_ref::steal(result);
}

} // namespace suspendable::frames

namespace suspendable::frames
{

py_ref run_detached(PyObject* code, PyObject* globals)
{
    if (!PyCode_Check(code) || !PyDict_Check(globals))
        throw std::invalid_argument("run_detached: a code object and a dict are required");
    PyThreadState* ts = PyThreadState_Get();
    // _PyEval_EvalFrameDefault links an entry frame to prev_cframe->current_frame and never writes that
    // field back (it pops its own cframe): hiding the caller's frames is a save and a restore.
    cpy::iframe* saved = std::exchange(ts->cframe->current_frame, nullptr);
    // python3.11 runs a script's module frame with nothing under it: the caller's depth must not count
    // against the program's recursion limit (sys.setrecursionlimit keeps the depth it sees).
    int used = ts->recursion_limit - ts->recursion_remaining;
    ts->recursion_remaining += used;
    PyObject* result = PyEval_EvalCode(code, globals, globals);
    ts->recursion_remaining -= used;
    ts->cframe->current_frame = saved;
    if (result == nullptr)
        throw python_error();
    return py_ref::steal(result);
}

} // namespace suspendable::frames
