// Trampoline emulation (internal to snapshot/frames): the C layers between two Python frames that hold
// no state of their own. A frame entered from C (is_entry) normally makes the chain uncapturable,
// because its caller is stopped inside a C call (stacktop == -1, arguments in C locals). When that C
// layer only forwards a call and hands the result back, the caller can be captured from the static stack
// depth and resumed by pushing the (possibly transformed, see `link`) result: no C state is lost.
#pragma once

#include "cpython311.hpp"

#include <string>
#include <vector>

namespace suspendable::frames::trampoline
{

// How a caller that is stopped inside a C call is captured and how its callee's result is fed back.
struct bridge
{
    bool ok = false;
    std::string why;                  // !ok: the native code in the way, for the user
    int lasti = 0;                    // caller's recorded lasti (mode resume_after: continue after it)
    int depth = 0;                    // caller's live stack items to capture (from memory)
    bool push_null = false;           // then one NULL (LOAD_METHOD's "not a method" form)
    const char* kind = nullptr;       // link kind (nullptr: the result is pushed as is)
    std::vector<py_ref> data;         // objects the link needs
    bool needs_partial_list = false;  // data[3] is left for partial_list::find (see chain::walk)
};

// `callee` was entered from C (is_entry, not driven by a resume) and `caller` is its `previous`.
bridge analyse(cpy::iframe* callee, cpy::iframe* caller);

// Link kinds (see frame_restore.cpp, apply_link):
//   "init"    (self)                  type_call -> __init__: push self; TypeError unless None returned
//   "getattr" (owner, name, fallback[, (default,) or None])   attribute hooks (LOAD_ATTR, getattr()): on
//             AttributeError call fallback(owner, name); getattr()'s default replaces a last AttributeError
//   "binop"   (lhs, rhs, name, rname, symbol, role)   a Python __op__/__rop__/__iop__ from BINARY_OP: on
//             NotImplemented, the remaining steps of binary_op1 / binary_iop1
//   "compare" (left, right, op, role)                 a Python rich comparison from COMPARE_OP: on
//             NotImplemented, the remaining steps of do_richcompare
//   "next"    (target,)                               __next__ / map's function from FOR_ITER: the result is
//             the loop value; StopIteration ends the loop
//   "filter"  (target, filter, item)                  filter's predicate from FOR_ITER: a true result
//             yields the item, a false one the filter's next item (or the end of the loop)
inline constexpr const char* link_init = "init";
inline constexpr const char* link_getattr = "getattr";
inline constexpr const char* link_binop = "binop";
inline constexpr const char* link_compare = "compare";
inline constexpr const char* link_next = "next";
inline constexpr const char* link_filter = "filter";
//   "seqiter" (target, iterator)    a sequence's __getitem__ from FOR_ITER over iter(seq): a result moves
//             the index on and is the loop value; IndexError / StopIteration exhaust it and end the loop
inline constexpr const char* link_seqiter = "seqiter";
//   "generator" (target, generator, its handled exception)  a generator frame run by FOR_ITER
//             (gen_iternext -> gen_send_ex2): the frame is rebuilt inside the generator, run as
//             gen_send_ex2 does; a yield is the loop value, a return ends the loop
inline constexpr const char* link_generator = "generator";
//   "send" (target, generator, its handled exception)  a generator frame run by SEND (yield from): a
//             yield is pushed above the receiver; a return replaces the receiver and jumps to target
inline constexpr const char* link_send = "send";
//   "discard" ()                    a store/delete hook (__setattr__, __set__, __setitem__ ...): the C slot
//             drops the result; nothing is pushed
inline constexpr const char* link_discard = "discard";
//   "truth" ()                      isinstance/issubclass hooks: the result is PyObject_IsTrue'd, then bool
inline constexpr const char* link_truth = "truth";
//   "build_class" (name, bases, mkw or None, ns, meta)   a class body run by __build_class__: the body's
//             result is the __classcell__ cell (or None); then cls = meta(name, bases, ns, **mkw)
inline constexpr const char* link_build_class = "build_class";
//   "prepare" (name, bases, mkw or None, func, meta)   the metaclass's Python __prepare__ run by
//             __build_class__: its result is the namespace; the body `func` runs in it, then "build_class"
inline constexpr const char* link_prepare = "prepare";
//   "meta_new" (name, bases, mkw or None, cell, meta)   the metaclass's Python __new__ run by
//             __build_class__'s meta(name, bases, ns, **mkw) (type_call, slot_tp_new; tp_init is
//             type_init): its result is the class, checked against the body's `cell`
inline constexpr const char* link_meta_new = "meta_new";
//   "branch" (using_len, jump_when, target)   a Python __bool__ (or __len__) from POP_JUMP_*_IF_*: the
//             truth of its result decides whether the outer frame jumps to `target`; nothing is pushed
inline constexpr const char* link_branch = "branch";
//   "set_names" (cls, names, key, kwds or None)   a __set_name__ run by type.__new__ (type_new_set_names,
//             called as super().__new__(...) by a metaclass): the rest of `names` (the dict copy it
//             iterates) after `key`, then __init_subclass__(**kwds); the result is the class
inline constexpr const char* link_set_names = "set_names";
//   "new" (cls, args, kwargs or None)   a class's Python __new__ run by type_call (slot_tp_new): on an
//             instance of cls, type(obj).tp_init(obj, args, kwargs); the result is the object
inline constexpr const char* link_new = "new";
//   "string" (hook)   str() / repr() running a Python __str__ / __repr__: the result must be a str
//   "length" ()       len() running a Python __len__: checked and converted as slot_sq_length does
//   "none" ()         setattr() / delattr() running a hook: its result is dropped, the builtin's is None
inline constexpr const char* link_string = "string";
inline constexpr const char* link_length = "length";
inline constexpr const char* link_none = "none";
//   "print" (index, args, sep, end, file, flush)   print() converting args[index] with a Python __str__ /
//             __repr__: writes that string, then the rest of the arguments, end and the flush
inline constexpr const char* link_print = "print";

//   "consume" (how, generator, its handled exception, list or None, extra)   a generator frame run by a
//             native consumer called by CALL (see consumer_call): list / tuple / sorted (extra: keywords) /
//             join (extra: the separator) / extend append each yield to `list`, sum adds it to the total
//             in `list` = [total] (running_sum.cpp), minmax compares it with the best in `list` =
//             [has_best, item, key] (min_max.cpp), the others stop at a yield (any, all, next with
//             extra = (default,) or None, send)
inline constexpr const char* link_consume = "consume";
//   "iterate" (how, iterator, None, list or None, extra)   the same consumers (but send) driving a map
//             whose function is the callee, or an iterator whose Python __next__ is (see iterator_call):
//             the callee's result is the next item, its StopIteration the end; the rest runs natively
inline constexpr const char* link_iterate = "iterate";

//   "sort" (list, items, keys, key, reverse, changed, returns_list)   a key function called by list.sort
//             or sorted() in their key phase (keyed_sort.cpp): its result is the next key; the remaining
//             keys are computed, then the items sorted; sorted() returns the list, list.sort None
inline constexpr const char* link_sort = "sort";
//   "minmax" (is_max, iterator, key, has_best, best item, best key, has_default, default, item)   a key
//             function called by min() / max() (min_max.cpp): its result is `item`'s key, compared with
//             the best; the rest of the iterator follows natively
inline constexpr const char* link_minmax = "minmax";
//   "reduce" (function, iterator)   the function functools.reduce() applies (reduce.cpp): its result is
//             the value so far; the rest of the iterator follows natively
inline constexpr const char* link_reduce = "reduce";
//   "sum" (lhs, item, "__add__", "__radd__", "+", role, iterator)   an __add__ / __radd__ that sum() runs
//             in PyNumber_Add(total, item) (running_sum.cpp): a "binop" link whose result is the new
//             total; the rest of the iterator is added natively
inline constexpr const char* link_sum = "sum";

// One outcome of a generator a "consume" link runs: a yield (`yielded`, new reference), a return
// (`returned`, its value as a new reference or NULL), or an error (both empty, exception set). Returns
// the consumer's result (new reference, or NULL with an exception set), or NULL with *again set when the
// consumer asks the generator for its next item (send None).
PyObject* consume_outcome(PyObject* link, PyObject* yielded, bool returned, PyObject* return_value, bool* again);

// The consumer's result once the callee of an "iterate" link returned `result` (new reference or NULL
// with an exception): it takes the rest of the iterator itself. New reference, or NULL with an exception.
PyObject* iterate_outcome(PyObject* link, PyObject* result);

// The rest of sum() once the __add__ / __radd__ of a "sum" link returned `result` (new reference or NULL).
PyObject* finish_sum(PyObject* link, PyObject* result);

// True when the consumer of a "consume" or "iterate" link folds each item into a value (min, max, sum,
// reduce): its rest may run Python code of its own (a key, a comparison, an __add__, the function)
// besides the iterator's.
bool folds(PyObject* link);
// True when `callee` is the call the next() of `iterator` (an "iterate" link's) makes: map's function,
// or a Python __next__ of it.
bool iterator_drives(PyObject* iterator, cpy::iframe* callee);

// The rest of builtins.__build_class__ once the class body returned `cell` (new reference or NULL).
PyObject* finish_build_class(PyObject* link, PyObject* cell);
// The rest of builtins.__build_class__ once the metaclass's __prepare__ returned `ns` (new reference or
// NULL).
PyObject* finish_prepare(PyObject* link, PyObject* ns);
// The rest of print() once the argument's __str__ returned `str` (new reference or NULL).
PyObject* finish_print(PyObject* link, PyObject* str);
// The rest of builtin len() once a Python __len__ returned `res` (new reference or NULL).
PyObject* finish_length(PyObject* res);
// The truth PyObject_IsTrue gives once a "branch" link's __bool__ / __len__ returned `result` (new
// reference or NULL): 1, 0, or -1 with an exception.
int branch_truth(PyObject* link, PyObject* result);
// The rest of type_call once a Python __new__ returned `obj` (new reference or NULL).
PyObject* finish_new(PyObject* link, PyObject* obj);
// The rest of builtins.__build_class__ once the metaclass's Python __new__ returned `cls` (new reference
// or NULL).
PyObject* finish_meta_new(PyObject* link, PyObject* cls);
// The rest of type.__new__ once a __set_name__ it called returned `result` (new reference or NULL).
PyObject* finish_set_names(PyObject* link, PyObject* result);

// The rest of a binary operator or comparison after the Python method the restored frame ran returned
// NotImplemented (new reference, or NULL with an exception). `link` is the captured link tuple.
PyObject* finish_binop(PyObject* link);
PyObject* finish_compare(PyObject* link);

} // namespace suspendable::frames::trampoline
