// Finding the list a native consumer is filling, without trusting anything we read from the C stack.
//
// Invariants relied on (CPython 3.11.2, x86-64 System V):
// - every _PyEval_EvalFrameDefault keeps its _PyCFrame as a local on the C stack and links it to the
//   outer loop's (cframe.previous); cframe.current_frame is the frame that loop runs now. So the C
//   frames of the consumer (list_vectorcall / PySequence_List, list_extend, gen_iternext, gen_send_ex2)
//   lie between the cframe of the callee's loop and the cframe of the caller's loop;
// - list_extend uses `self` after every iternext() call, so the pointer is live across the call: in its
//   own stack frame or in a callee-saved register. The callee's _PyEval_EvalFrameDefault saves every
//   callee-saved register in its prologue, above its locals (x86-64: pushes before `sub rsp`), so the
//   pointer is in that address range either way;
// - the list is referenced only by those C locals (refcount 1) and, like every list, tracked by the GC
//   (a tuple being filled has NULL items, which keeps _PyTuple_MaybeUntrack from untracking it; a full
//   one may be untracked and is then not found: the request waits).
// Words of the range are only compared with addresses of live GC objects, never dereferenced. Stale
// words can add candidates but never hide the real one, so more than one candidate means "not sure"
// and the request waits, as it did before this existed.
#include "partial_list.hpp"

#undef HAVE_STD_ATOMIC
#include <internal/pycore_interp.h>

#include <chrono>
#include <cstdint>
#include <unordered_set>

namespace suspendable::frames::partial_list
{

namespace
{

// Bound on the scanned range: the C frames of one consumer take a few KiB at most.
constexpr std::size_t max_range = 64 * 1024;

// The cframe of the eval loop that runs `frame` (its current frame, or one of that frame's callees
// inlined in the same loop), or nullptr; *inner receives the cframe of the loop just inside it.
_PyCFrame* loop_of(PyThreadState* ts, cpy::iframe* frame, _PyCFrame** inner)
{
    *inner = nullptr;
    for (_PyCFrame* c = ts->cframe; c != nullptr && c != &ts->root_cframe; c = c->previous)
    {
        for (cpy::iframe* f = c->current_frame; f != nullptr; f = f->previous)
        {
            if (f == frame)
                return c;
            if (f->is_entry)
                break; // the loop's first frame
        }
        *inner = c;
    }
    return nullptr;
}

// Reads other functions' stack frames on purpose: exempt from AddressSanitizer's redzone checks.
__attribute__((no_sanitize_address)) std::unordered_set<std::uintptr_t> words_between(const char* lo,
                                                                                      const char* hi)
{
    std::unordered_set<std::uintptr_t> words;
    auto at = reinterpret_cast<std::uintptr_t>(lo);
    at = (at + alignof(void*) - 1) & ~static_cast<std::uintptr_t>(alignof(void*) - 1);
    for (; at + sizeof(void*) <= reinterpret_cast<std::uintptr_t>(hi); at += sizeof(void*))
        words.insert(*reinterpret_cast<const std::uintptr_t*>(at));
    return words;
}

// Code objects (not GC objects) hold tuples with one reference that the eval loop keeps in C locals;
// only a tuple under construction has NULL items (PySequence_Tuple fills it from the front).
bool unfinished_tuple(PyObject* t)
{
    Py_ssize_t n = PyTuple_GET_SIZE(t);
    return n > 0 && PyTuple_GET_ITEM(t, n - 1) == nullptr;
}

template <typename F> void for_each_gc_object(struct _gc_runtime_state& gc, F f)
{
    for (int i = 0; i < NUM_GENERATIONS; i++)
    {
        PyGC_Head* head = &gc.generations[i].head;
        for (auto* g = reinterpret_cast<PyGC_Head*>(head->_gc_next); g != head;
             g = reinterpret_cast<PyGC_Head*>(g->_gc_next))
            f(reinterpret_cast<PyObject*>(g + 1));
    }
}

int drop_visited(PyObject* o, void* arg)
{
    static_cast<std::unordered_set<PyObject*>*>(arg)->erase(o);
    return 0;
}

// Stale words can point at other lists that have one reference: a local of a running frame (running
// frames are not GC objects) or an item of a container. The consumer's list has neither: only C
// locals refer to it. Run only when the scan is ambiguous: it visits the whole heap once.
void drop_referenced(std::unordered_set<PyObject*>& candidates, PyThreadState* ts,
                     struct _gc_runtime_state& gc)
{
    for (cpy::iframe* f = ts->cframe->current_frame; f != nullptr; f = f->previous)
    {
        for (int i = 0; i < cpy::nlocalsplus(f); i++)
            candidates.erase(f->localsplus[i]);
    }
    for_each_gc_object(gc,
                       [&](PyObject* op)
                       {
                           traverseproc traverse = Py_TYPE(op)->tp_traverse;
                           if (traverse != nullptr)
                               traverse(op, drop_visited, &candidates);
                       });
}

// A lookup that found nothing visited the whole heap (a kernel's holds a few hundred thousand objects)
// and a waiting request asks again at every line event. For the same consumer call it is not asked
// again before 20 times its cost has passed, so a request that waits slows the program by 5% at most.
struct failed_lookup
{
    const cpy::iframe* callee = nullptr;
    const cpy::iframe* caller = nullptr;
    std::chrono::steady_clock::time_point retry_at;
    std::string why;
};

failed_lookup& last_failure()
{
    static failed_lookup f;
    return f;
}

} // namespace

namespace
{

template <typename Accept>
PyObject* search(cpy::iframe* callee, cpy::iframe* caller, PyTypeObject* type, std::string& why,
                 Accept accept);

} // namespace

PyObject* find(cpy::iframe* callee, cpy::iframe* caller, PyTypeObject* type, std::string& why)
{
    why = "native code (the consumer's partial list was not found)";
    return search(callee, caller, type, why,
                  [type](PyObject* op) { return !(type == &PyTuple_Type && !unfinished_tuple(op)); });
}

PyObject* find_dict(cpy::iframe* callee, cpy::iframe* caller, PyObject* key, PyObject* value,
                    PyObject* not_this, std::string& why)
{
    why = "type.__new__() (its copy of the class dict was not found)";
    return search(callee, caller, &PyDict_Type, why,
                  [=](PyObject* op)
                  {
                      // Only compares identities: no __eq__ / __hash__ of the program runs (str keys).
                      PyObject* found = op != not_this ? PyDict_GetItemWithError(op, key) : nullptr;
                      PyErr_Clear();
                      return found == value;
                  });
}

namespace
{

template <typename Accept>
PyObject* search(cpy::iframe* callee, cpy::iframe* caller, PyTypeObject* type, std::string& why,
                 Accept accept)
{
#if !defined(__x86_64__)
    (void)callee;
    (void)caller;
    (void)type;
    (void)accept;
    why = "native code (C state is only located on x86-64)";
    return nullptr;
#else
    PyThreadState* ts = PyThreadState_Get();
    _PyCFrame* inner = nullptr;
    _PyCFrame* outer = loop_of(ts, caller, &inner);
    _PyCFrame* unused = nullptr;
    if (outer == nullptr || inner == nullptr || loop_of(ts, callee, &unused) != inner || !callee->is_entry)
        return nullptr;
    const char* lo = reinterpret_cast<const char*>(inner);
    const char* hi = reinterpret_cast<const char*>(outer);
    if (lo >= hi || static_cast<std::size_t>(hi - lo) > max_range)
        return nullptr; // the stack does not grow down here, or the loops are not adjacent
    std::unordered_set<std::uintptr_t> words = words_between(lo, hi);

    // The GC lists are consistent whenever Python code runs, except inside a collection (finalizers):
    // then the list may sit on one of gc's private lists; wait.
    struct _gc_runtime_state& gc = ts->interp->gc;
    if (gc.collecting)
        return nullptr;
    failed_lookup& failed = last_failure();
    auto started = std::chrono::steady_clock::now();
    if (failed.callee == callee && failed.caller == caller && started < failed.retry_at)
    {
        why = failed.why;
        return nullptr;
    }
    std::unordered_set<PyObject*> candidates;
    for_each_gc_object(gc,
                       [&](PyObject* op)
                       {
                           if (Py_IS_TYPE(op, type) && Py_REFCNT(op) == 1 &&
                               words.count(reinterpret_cast<std::uintptr_t>(op)) != 0 && accept(op))
                               candidates.insert(op);
                       });
    if (candidates.size() > 1)
        drop_referenced(candidates, ts, gc);
    if (candidates.size() > 1)
        why += " (ambiguous)";
    if (candidates.size() == 1)
        return *candidates.begin();
    auto now = std::chrono::steady_clock::now();
    failed = {callee, caller, now + 20 * (now - started), why};
    return nullptr;
#endif
}

} // namespace

} // namespace suspendable::frames::partial_list
