// Which C layers between a caller and a callee entered from C are transparent, and how to capture the
// caller there. Every case states the ceval.c (3.11.2) code path it relies on; anything else is
// "genuinely stateful native code" and the chain stays uncapturable until it returns.
#include "trampoline.hpp"

#include "bytecode.hpp"
#include "keyed_sort.hpp"
#include "min_max.hpp"
#include "partial_list.hpp"
#include "reduce.hpp"
#include "running_sum.hpp"

#include <cstring>
#include <map>
#include <stdexcept>

namespace suspendable::frames::trampoline
{

namespace
{

// Why a bridge gives up when static analysis has no depth for the caller's instruction.
const char* const unknown_stack = "native code (unknown stack)";

// The caller's value-stack depth before `ins` (static analysis; -1 where it has none).
int depth_before(cpy::iframe* caller, const bytecode::instruction& ins)
{
    const auto& depths = cached_stack_depths(reinterpret_cast<PyObject*>(caller->f_code));
    return depths[static_cast<size_t>(ins.start)];
}

PyObject* code_of(PyObject* callable)
{
    if (PyMethod_Check(callable))
        callable = PyMethod_GET_FUNCTION(callable);
    if (PyFunction_Check(callable))
        return PyFunction_GET_CODE(callable);
    return nullptr;
}

PyObject* slot(cpy::iframe* f, int depth_index)
{
    return cpy::stack_base(f)[depth_index];
}

PyObject* code_of_or_null(PyObject* callable) { return callable == nullptr ? nullptr : code_of(callable); }

std::string callable_name(PyObject* callable)
{
    if (callable == nullptr)
        return "native code";
    py_ref name = py_ref::steal(PyObject_GetAttrString(callable, "__qualname__"));
    if (!name)
    {
        PyErr_Clear();
        return std::string(Py_TYPE(callable)->tp_name) + " object";
    }
    return to_string(name.get()) + "()";
}

std::string opname(int opcode)
{
    py_ref mod = py_ref::steal(import_module("opcode"));
    py_ref names = mod ? py_ref::steal(PyObject_GetAttrString(mod.get(), "opname")) : py_ref();
    py_ref name = names ? py_ref::steal(PySequence_GetItem(names.get(), opcode)) : py_ref();
    if (!name)
    {
        PyErr_Clear();
        return "opcode " + std::to_string(opcode);
    }
    return to_string(name.get());
}

PyObject* interned(const char* name)
{
    // One reference per distinct name, held for the life of the process (interned strings are shared).
    // Never destroyed: a static destructor would drop references after Py_FinalizeEx.
    static auto* names = new std::map<std::string, py_ref>();
    auto it = names->find(name);
    if (it == names->end())
        it = names->emplace(name, check(PyUnicode_InternFromString(name))).first;
    return it->second.get();
}

PyObject* interned_call() { return interned("__call__"); }

PyObject* type_lookup(PyObject* obj_type, const char* name)
{
    return _PyType_Lookup(reinterpret_cast<PyTypeObject*>(obj_type), interned(name));
}

// The callee's first argument as the caller passed it (MAKE_CELL may have wrapped it in a cell).
PyObject* first_argument(cpy::iframe* callee)
{
    if (callee->f_code->co_argcount < 1)
        return nullptr;
    PyObject* v = callee->localsplus[0];
    if (v != nullptr && PyCell_Check(v) && (callee->f_code->co_flags & CO_OPTIMIZED))
        v = PyCell_GET(v);
    return v;
}

PyObject* partial_type()
{
    // functools.partial (Modules/_functoolsmodule.c), looked up once; the type lives as long as the process.
    static PyObject* type = [] {
        py_ref mod = py_ref::steal(import_module("functools"));
        py_ref t = mod ? py_ref::steal(PyObject_GetAttrString(mod.get(), "partial")) : py_ref();
        if (!t)
            PyErr_Clear();
        return t.release();
    }();
    return type;
}

// True when calling `callable` reaches `callee` through C layers that only forward the call and return
// the callee's result unchanged:
// - a bound method (method_vectorcall prepends im_self);
// - functools.partial (partial_vectorcall / partial_call merge the stored arguments and return the result);
// - an instance or class whose type defines __call__ in Python (slot_tp_call calls it and returns it).
bool forwards_to(PyObject* callable, cpy::iframe* callee, int layers = 3)
{
    if (callable == nullptr || layers == 0)
        return false;
    if (PyFunction_Check(callable))
        return callable == reinterpret_cast<PyObject*>(callee->f_func);
    if (PyMethod_Check(callable))
        return PyMethod_GET_SELF(callable) == first_argument(callee) &&
               forwards_to(PyMethod_GET_FUNCTION(callable), callee, layers - 1);
    if (partial_type() != nullptr && Py_IS_TYPE(callable, reinterpret_cast<PyTypeObject*>(partial_type())))
    {
        py_ref func = py_ref::steal(PyObject_GetAttrString(callable, "func")); // a member: no Python code runs
        if (!func)
        {
            PyErr_Clear();
            return false;
        }
        return forwards_to(func.get(), callee, layers - 1);
    }
    if (PyType_HasFeature(Py_TYPE(callable), Py_TPFLAGS_HEAPTYPE))
    {
        // A heap type defining __call__ as a Python function has tp_call = slot_tp_call (typeobject.c).
        PyObject* call = _PyType_Lookup(Py_TYPE(callable), interned_call());
        return call != nullptr && PyFunction_Check(call) && call == reinterpret_cast<PyObject*>(callee->f_func) &&
               first_argument(callee) == callable;
    }
    return false;
}

bool is_python_class_call(PyObject* callable)
{
    return PyType_Check(callable) && Py_TYPE(callable)->tp_call == PyType_Type.tp_call &&
           PyType_HasFeature(reinterpret_cast<PyTypeObject*>(callable), Py_TPFLAGS_HEAPTYPE);
}

// type_call (typeobject.c) -> slot_tp_init -> the class's Python __init__: the only state is the new
// object, `self`; the "init" link checks that __init__ returned None and pushes self.
bool init_of_class_call(PyObject* callable, cpy::iframe* callee, bridge& b)
{
    if (!is_python_class_call(callable))
        return false;
    PyObject* init = type_lookup(callable, "__init__");
    if (init == nullptr || code_of(init) != reinterpret_cast<PyObject*>(callee->f_code))
        return false;
    PyObject* self = first_argument(callee);
    if (self == nullptr || !PyObject_TypeCheck(self, reinterpret_cast<PyTypeObject*>(callable)))
        return false;
    b.ok = true;
    b.kind = link_init;
    b.data.push_back(py_ref::borrow(self));
    return true;
}

// The Python function a staticmethod or classmethod `name` in cls's MRO wraps, borrowed, or NULL.
PyObject* wrapped_function(PyObject* cls, const char* name, PyTypeObject* wrapper)
{
    PyObject* w = type_lookup(cls, name);
    if (w == nullptr || !Py_IS_TYPE(w, wrapper))
        return nullptr;
    py_ref func = py_ref::steal(PyObject_GetAttrString(w, "__func__")); // a member: no Python code runs
    if (!func)
    {
        PyErr_Clear();
        return nullptr;
    }
    return PyFunction_Check(func.get()) ? func.get() : nullptr; // the wrapper keeps it alive
}

// The Python function behind a class's `__new__` (a staticmethod in the MRO), borrowed, or NULL. With
// one, the class's tp_new is slot_tp_new (typeobject.c), which calls it with the class prepended.
PyObject* python_new(PyObject* cls)
{
    return wrapped_function(cls, "__new__", &PyStaticMethod_Type);
}

// The arguments of a call as type_call received them: nargs values from the caller's stack at `first`,
// the last len(kwnames) of them by keyword. CALL pops them only after the call returns.
void call_arguments(cpy::iframe* caller, int first, int nargs, PyObject* kwnames, py_ref& args, py_ref& kwargs)
{
    Py_ssize_t nkw = kwnames != nullptr ? PyTuple_GET_SIZE(kwnames) : 0;
    Py_ssize_t npos = nargs - nkw;
    args = check(PyTuple_New(npos));
    for (Py_ssize_t i = 0; i < npos; i++)
        PyTuple_SET_ITEM(args.get(), i, py_ref::borrow(slot(caller, first + static_cast<int>(i))).release());
    kwargs = py_ref::borrow(Py_None);
    if (nkw == 0)
        return;
    kwargs = check(PyDict_New());
    for (Py_ssize_t k = 0; k < nkw; k++)
        check_status(PyDict_SetItem(kwargs.get(), PyTuple_GET_ITEM(kwnames, k), slot(caller, first + static_cast<int>(npos + k))));
}

// type_call -> slot_tp_new -> the class's Python __new__: type_call's only state is the call's arguments
// (on the caller's stack: CALL's operands, or CALL_FUNCTION_EX's tuple and dict); the "new" link runs the
// rest of type_call on __new__'s result. `kwargs` is a dict or None.
bool new_of_class_call(PyObject* callable, cpy::iframe* callee, py_ref args, py_ref kwargs, bridge& b)
{
    if (!is_python_class_call(callable) || first_argument(callee) != callable ||
        python_new(callable) != reinterpret_cast<PyObject*>(callee->f_func))
        return false;
    b.ok = true;
    b.kind = link_new;
    b.data.push_back(py_ref::borrow(callable));
    b.data.push_back(std::move(args));
    b.data.push_back(std::move(kwargs));
    return true;
}

bool new_of_class_call(PyObject* callable, cpy::iframe* callee, cpy::iframe* caller, int base, int nargs,
                       PyObject* kwnames, bridge& b)
{
    if (!is_python_class_call(callable) ||
        python_new(callable) != reinterpret_cast<PyObject*>(callee->f_func))
        return false;
    py_ref args, kwargs;
    call_arguments(caller, base + 2, nargs, kwnames, args, kwargs);
    return new_of_class_call(callable, callee, std::move(args), std::move(kwargs), b);
}

// The normal exit of a with block (compile.c compiler_call_exit_with_nones): the stack holds
// [exit, None, None, None] where exit is the bound __exit__ BEFORE_WITH looked up (_PyObject_LookupSpecial),
// called by CALL 2 as a method (x != NULL). method_vectorcall overwrites args[-1] - the slot of exit -
// with its im_self, the manager, until the call returns, and returns __exit__'s result unchanged.
bool is_with_exit(cpy::iframe* callee, cpy::iframe* caller, int base, int oparg)
{
    if (oparg != 2)
        return false;
    for (int i = 1; i <= 3; i++)
    {
        if (slot(caller, base + i) != Py_None)
            return false;
    }
    PyObject* manager = slot(caller, base);
    PyObject* exit = type_lookup(reinterpret_cast<PyObject*>(Py_TYPE(manager)), "__exit__");
    return exit != nullptr && PyFunction_Check(exit) && exit == reinterpret_cast<PyObject*>(callee->f_func) &&
           first_argument(callee) == manager;
}

// The builtin `name` as the caller's frame sees it (f_builtins), borrowed.
PyObject* builtin(cpy::iframe* caller, const char* name)
{
    PyObject* b = caller->f_builtins != nullptr ? PyDict_GetItemWithError(caller->f_builtins, interned(name)) : nullptr;
    if (b == nullptr)
        PyErr_Clear();
    return b;
}

// The kwnames tuple of a call: KW_NAMES, when the compiler emitted it, is the instruction right before
// PRECALL (compile.c compiler_call_simple_kw_helper), and no jump lands on PRECALL. Borrowed, or NULL.
PyObject* kwnames_of(cpy::iframe* caller, const bytecode::code_units& units, const bytecode::instruction& precall)
{
    for (const auto& i : units.all())
    {
        if (i.next == precall.start)
            return i.opcode == KW_NAMES ? PyTuple_GET_ITEM(caller->f_code->co_consts, i.oparg) : nullptr;
    }
    return nullptr;
}

// isinstance(obj, cls) / issubclass(sub, cls) with a Python __instancecheck__ / __subclasscheck__ on
// type(cls) (abstract.c object_recursive_isinstance / object_issubclass): the checker, a bound method from
// _PyObject_LookupSpecial, is called with one argument; then `ok = PyObject_IsTrue(res)` and the builtin
// returns PyBool_FromLong(ok). Exact types, tuples and unions take other paths and are not claimed.
bool check_hook_call(PyObject* callable, cpy::iframe* callee, cpy::iframe* caller, int base, int nargs,
                     PyObject* kwnames, bridge& b)
{
    const char* hook = nullptr;
    if (callable == builtin(caller, "isinstance"))
        hook = "__instancecheck__";
    else if (callable == builtin(caller, "issubclass"))
        hook = "__subclasscheck__";
    if (hook == nullptr || nargs != 2 || kwnames != nullptr)
        return false;
    PyObject* cls = slot(caller, base + 3);
    if (PyType_CheckExact(cls) || PyTuple_Check(cls) || first_argument(callee) != cls)
        return false;
    PyObject* checker = type_lookup(reinterpret_cast<PyObject*>(Py_TYPE(cls)), hook);
    if (checker == nullptr || !PyFunction_Check(checker) || checker != reinterpret_cast<PyObject*>(callee->f_func))
        return false;
    b.ok = true;
    b.kind = link_truth;
    return true;
}

// enum._EnumDict, the namespace EnumType.__prepare__ gives an enum class body, looked up once. graph.py
// saves it item by item with dict's own __setitem__ and its attributes, so it reads the same after a
// resume; other mappings from __prepare__ are not claimed (their pickling may run their __setitem__).
PyTypeObject* enum_dict_type()
{
    static PyObject* type = [] {
        py_ref mod = py_ref::steal(import_module("enum"));
        py_ref t = mod ? py_ref::steal(PyObject_GetAttrString(mod.get(), "_EnumDict")) : py_ref();
        if (!t || !PyType_Check(t.get()))
        {
            PyErr_Clear();
            return static_cast<PyObject*>(nullptr);
        }
        return t.release();
    }();
    return reinterpret_cast<PyTypeObject*>(type);
}

// The metaclass's __prepare__ written in Python (a classmethod, as EnumType's), which __build_class__
// calls as meta.__prepare__(name, bases, **mkw) before the body: `callee` runs it for `meta`.
bool is_python_prepare(PyObject* meta, cpy::iframe* callee)
{
    return PyType_Check(meta) && first_argument(callee) == meta &&
           wrapped_function(meta, "__prepare__", &PyClassMethod_Type) ==
               reinterpret_cast<PyObject*>(callee->f_func);
}

// The metaclass's Python __new__, run by type_call(meta) (slot_tp_new) when __build_class__ calls
// meta(name, bases, ns, **mkw) after the body. type_call then calls type(cls).tp_init, which for a
// metaclass inheriting type.__init__ is type_init: it only checks the argument count (3 here) and runs
// nothing, so the body's cell is all __build_class__ still holds.
bool is_python_meta_new(PyObject* meta, cpy::iframe* callee)
{
    return PyType_Check(meta) && reinterpret_cast<PyTypeObject*>(meta)->tp_init == PyType_Type.tp_init &&
           first_argument(callee) == meta && python_new(meta) == reinterpret_cast<PyObject*>(callee->f_func);
}

// The class body's result, which __build_class__ checks against the new class: None, or the __class__
// cell that the body (compiled with one) also stored in ns as __classcell__ and that __new__ passes on
// in its namespace argument (the fourth; EnumType.__new__ rebinds it to a copy, which keeps the cell).
bool class_cell(PyObject* func, cpy::iframe* callee, py_ref& cell)
{
    py_ref cellvars = py_ref::steal(PyObject_GetAttrString(PyFunction_GET_CODE(func), "co_cellvars"));
    int needs = cellvars ? PySequence_Contains(cellvars.get(), interned("__class__")) : -1;
    if (needs <= 0)
    {
        PyErr_Clear();
        cell = py_ref::borrow(Py_None);
        return needs == 0;
    }
    PyObject* ns = cpy::nlocalsplus(callee) > 3 ? callee->localsplus[3] : nullptr;
    if (ns != nullptr && PyCell_Check(ns))
        ns = PyCell_GET(ns);
    PyObject* found =
        ns != nullptr && PyDict_Check(ns) ? PyDict_GetItemWithError(ns, interned("__classcell__")) : nullptr;
    PyErr_Clear();
    if (found == nullptr || !PyCell_Check(found))
        return false;
    cell = py_ref::borrow(found);
    return true;
}

// builtins.__build_class__(func, name, *bases, **kwds) running a class body (bltinmodule.c): the body
// runs with ns = __prepare__'s mapping as f_locals; when it returns the cell, __build_class__ calls
// meta(name, bases, ns, **mkw) and checks __classcell__. Claimed when every base is a type (update_bases
// then returns the bases unchanged: no __mro_entries__, no __orig_bases__) and ns is an exact dict or an
// enum class body's _EnumDict. The
// metaclass is computed here exactly as __build_class__ did (explicit `metaclass=` or type(bases[0]),
// then _PyType_CalculateMetaclass, which runs no Python code). A Python __prepare__ of that metaclass,
// running before the body, is claimed the same way: its result is the namespace the body then runs in.
bool build_class_call(PyObject* callable, cpy::iframe* callee, cpy::iframe* caller, int base, int nargs,
                      PyObject* kwnames, bridge& b)
{
    if (callable != builtin(caller, "__build_class__") || nargs < 2)
        return false;
    Py_ssize_t nkw = kwnames != nullptr ? PyTuple_GET_SIZE(kwnames) : 0;
    Py_ssize_t npos = nargs - nkw;
    PyObject* func = slot(caller, base + 2);
    PyObject* ns = callee->f_locals;
    bool body = func == reinterpret_cast<PyObject*>(callee->f_func);
    if (npos < 2 || !PyFunction_Check(func) ||
        (body && (ns == nullptr || !(PyDict_CheckExact(ns) || Py_IS_TYPE(ns, enum_dict_type())))))
        return false;
    py_ref bases = check(PyTuple_New(npos - 2));
    for (Py_ssize_t i = 2; i < npos; i++)
    {
        PyObject* base_i = slot(caller, base + 2 + static_cast<int>(i));
        if (!PyType_Check(base_i))
            return false;
        PyTuple_SET_ITEM(bases.get(), i - 2, py_ref::borrow(base_i).release());
    }
    py_ref mkw = py_ref::borrow(Py_None);
    PyObject* meta = nullptr;
    if (nkw > 0)
    {
        mkw = check(PyDict_New());
        for (Py_ssize_t k = 0; k < nkw; k++)
            check_status(PyDict_SetItem(mkw.get(), PyTuple_GET_ITEM(kwnames, k), slot(caller, base + 2 + static_cast<int>(npos + k))));
        meta = PyDict_GetItemWithError(mkw.get(), interned("metaclass"));
        if (meta == nullptr && PyErr_Occurred())
            throw python_error();
    }
    py_ref winner = py_ref::borrow(meta);
    if (meta != nullptr)
        check_status(PyDict_DelItem(mkw.get(), interned("metaclass")));
    else
        winner = py_ref::borrow(PyTuple_GET_SIZE(bases.get()) == 0 ? reinterpret_cast<PyObject*>(&PyType_Type)
                                                                   : reinterpret_cast<PyObject*>(Py_TYPE(PyTuple_GET_ITEM(bases.get(), 0))));
    if (PyType_Check(winner.get()))
    {
        PyTypeObject* w = _PyType_CalculateMetaclass(reinterpret_cast<PyTypeObject*>(winner.get()), bases.get());
        if (w == nullptr)
            throw python_error(); // cannot happen: __build_class__ did the same before running the body
        winner = py_ref::borrow(reinterpret_cast<PyObject*>(w));
    }
    bool prepare = !body && is_python_prepare(winner.get(), callee);
    py_ref cell;
    if (!body && !prepare && !(is_python_meta_new(winner.get(), callee) && class_cell(func, callee, cell)))
        return false;
    b.ok = true;
    b.kind = body ? link_build_class : prepare ? link_prepare : link_meta_new;
    b.data.push_back(py_ref::borrow(slot(caller, base + 3))); // name
    b.data.push_back(std::move(bases));
    b.data.push_back(std::move(mkw));
    b.data.push_back(body ? py_ref::borrow(ns) : prepare ? py_ref::borrow(func) : std::move(cell));
    b.data.push_back(std::move(winner));
    return true;
}

// A builtin function of the builtins module named `name` (not a shadowing Python function).
bool is_builtin(PyObject* callable, const char* name)
{
    if (!PyCFunction_Check(callable))
        return false;
    auto* fn = reinterpret_cast<PyCFunctionObject*>(callable);
    return std::strcmp(fn->m_ml->ml_name, name) == 0 && fn->m_self != nullptr && PyModule_Check(fn->m_self) &&
           std::strcmp(PyModule_GetName(fn->m_self), "builtins") == 0;
}

// The C method `name` of `type` as the callable of a call: the method form of LOAD_METHOD (x = the
// method descriptor, self below the arguments) or a bound builtin method (x = NULL). *self receives the
// object it is bound to.
bool is_c_method(PyObject* x, PyObject* y, PyTypeObject* type, const char* name, PyObject** self)
{
    if (x != nullptr && Py_IS_TYPE(x, &PyMethodDescr_Type))
    {
        auto* d = reinterpret_cast<PyMethodDescrObject*>(x);
        *self = y;
        return d->d_common.d_type == type && std::strcmp(d->d_method->ml_name, name) == 0 && PyObject_TypeCheck(y, type);
    }
    if (x == nullptr && PyCFunction_Check(y))
    {
        auto* fn = reinterpret_cast<PyCFunctionObject*>(y);
        *self = fn->m_self;
        return std::strcmp(fn->m_ml->ml_name, name) == 0 && fn->m_self != nullptr && PyObject_TypeCheck(fn->m_self, type);
    }
    return false;
}

// What a native consumer called by one CALL does with its iterator (see consumer_call).
struct consumer
{
    const char* how = nullptr;
    PyObject* self = nullptr; // join's separator, extend's list, send's generator (borrowed)
    py_ref list;              // the list it fills when known (extend)
    py_ref extra = py_ref::borrow(Py_None);
    bool takes_iterable = true; // it calls iter(arg) (the collecting ones, any, all), not arg's next
    int arg = 0;                // which positional argument is the iterable (reduce: the second)
};

bool consumer_of(PyObject* x, PyObject* y, cpy::iframe* caller, int base, int nargs, PyObject* kwnames,
                 consumer& c)
{
    Py_ssize_t nkw = kwnames != nullptr ? PyTuple_GET_SIZE(kwnames) : 0;
    if (nargs < 1 || nkw > nargs - 1)
        return false;
    if (x == nullptr && is_builtin(y, "sum"))
    {
        // running_sum.cpp's sum() over a generator: its total so far, in a list the resume adds to.
        py_ref total = running_sum::total_of(caller, slot(caller, base + 2));
        if (!total)
            return false;
        c.how = "sum";
        c.list = check(PyList_New(1));
        PyList_SET_ITEM(c.list.get(), 0, total.release());
    }
    else if (x == nullptr && (is_builtin(y, "min") || is_builtin(y, "max")))
    {
        // min_max.cpp's loop over a generator: its best so far.
        if (!min_max::consumer_state(caller, slot(caller, base + 2), &c.list, &c.extra))
            return false;
        c.how = "minmax";
    }
    else if (x == nullptr && reduce::is_reduce(y) && nkw == 0 && nargs >= 2)
    {
        // reduce.cpp's loop taking its iterator's next item: the value so far.
        if (!reduce::consumer_state(caller, slot(caller, base + 3), &c.list, &c.extra))
            return false;
        c.how = "reduce";
        c.arg = 1;
    }
    else if (x == nullptr && is_builtin(y, "sorted") && nargs - nkw == 1)
    {
        c.how = "sorted";
        py_ref args;
        call_arguments(caller, base + 2, nargs, kwnames, args, c.extra);
    }
    else if (nkw != 0)
        return false;
    else if (x == nullptr && y == reinterpret_cast<PyObject*>(&PyList_Type) && nargs == 1)
        c.how = "list";
    else if (x == nullptr && y == reinterpret_cast<PyObject*>(&PyTuple_Type) && nargs == 1)
        c.how = "tuple";
    else if (nargs == 1 && (is_c_method(x, y, &PyUnicode_Type, "join", &c.self) ||
                            is_c_method(x, y, &PyBytes_Type, "join", &c.self)))
    {
        c.how = "join";
        c.extra = py_ref::borrow(c.self);
    }
    else if (nargs == 1 && is_c_method(x, y, &PyList_Type, "extend", &c.self))
    {
        c.how = "extend";
        c.list = py_ref::borrow(c.self);
    }
    else if (x == nullptr && nargs == 1 && (is_builtin(y, "any") || is_builtin(y, "all")))
        c.how = is_builtin(y, "any") ? "any" : "all";
    else if (x == nullptr && nargs <= 2 && is_builtin(y, "next"))
    {
        c.how = "next";
        c.takes_iterable = false;
        if (nargs == 2)
            c.extra = check(PyTuple_Pack(1, slot(caller, base + 3)));
    }
    else if (nargs == 1 && is_c_method(x, y, &PyGen_Type, "send", &c.self))
    {
        c.how = "send";
        c.takes_iterable = false;
    }
    return c.how != nullptr;
}

bool collects(const char* how)
{
    return std::strcmp(how, "list") == 0 || std::strcmp(how, "tuple") == 0 ||
           std::strcmp(how, "sorted") == 0 || std::strcmp(how, "join") == 0 ||
           std::strcmp(how, "extend") == 0;
}

void consumer_link(bridge& b, const char* kind, consumer& c, PyObject* source, PyObject* exc)
{
    b.needs_partial_list = collects(c.how) && !c.list;
    b.ok = true;
    b.kind = kind;
    b.data.push_back(check(PyUnicode_FromString(c.how)));
    b.data.push_back(py_ref::borrow(source));
    b.data.push_back(py_ref::borrow(exc != nullptr ? exc : Py_None));
    b.data.push_back(c.list ? std::move(c.list) : py_ref::borrow(Py_None));
    b.data.push_back(std::move(c.extra));
}

// A native consumer running a generator (the callee, entered from gen_send_ex2) for one CALL. Their only
// state besides the generator is the list list_extend fills (Objects/listobject.c; a new list for
// list() / sorted() / str.join() via PySequence_List, `self` for list.extend), or none at all:
// - list(it)          list_vectorcall -> list_extend(new, it); returns the list
// - tuple(it)         PySequence_Tuple fills a new tuple (collected here in a list); returns a tuple
// - sorted(it, **kw)  PySequence_List(it), then list.sort(**kw); returns the list
// - sep.join(it)      str / bytes join: PySequence_Fast(it) -> PySequence_List, then joins it
// - lst.extend(it)    list_extend(lst, it); returns None
// - sum(gen[, start])  running_sum.cpp's loop, which records its total: the link adds the rest to it
// - min(gen) / max(gen) (key=, default=)  min_max.cpp's loop, which records the best so far
// - any(it), all(it)  stop at the first true / false item
// - next(g[, d]), g.send(v): gen_iternext / gen_send_ex once: the yield is the result, a return raises
//   StopIteration (or gives next's default).
// The generator must be the iterator the consumer holds: the argument itself, or what a Python
// generator-function __iter__ of the argument made (slot_tp_iter) for the collecting consumers.
bool consumer_call(PyObject* x, PyObject* y, cpy::iframe* callee, cpy::iframe* caller, int base, int nargs,
                   PyObject* kwnames, bridge& b)
{
    if (callee->owner != FRAME_OWNED_BY_GENERATOR || callee->previous != caller)
        return false;
    PyGenObject* gen = cpy::generator_of(callee);
    if (!PyGen_CheckExact(reinterpret_cast<PyObject*>(gen)) || gen->gi_frame_state != FRAME_EXECUTING)
        return false;
    consumer c;
    if (!consumer_of(x, y, caller, base, nargs, kwnames, c))
        return false;
    PyObject* arg = std::strcmp(c.how, "send") == 0 ? c.self : slot(caller, base + 2 + c.arg);
    bool arg_is_gen = arg == reinterpret_cast<PyObject*>(gen);
    PyObject* iter = type_lookup(reinterpret_cast<PyObject*>(Py_TYPE(arg)), "__iter__");
    bool iter_made_gen = !arg_is_gen && iter != nullptr && PyFunction_Check(iter) &&
                         PyFunction_GET_CODE(iter) == reinterpret_cast<PyObject*>(gen->gi_code);
    if (!(arg_is_gen || (c.takes_iterable && iter_made_gen)))
        return false;
    consumer_link(b, link_consume, c, reinterpret_cast<PyObject*>(gen), gen->gi_exc_state.exc_value);
    return true;
}

// Iterators whose next runs no Python code of its own: any Python frame it ran would sit between the
// consumer and the callee. A map over them calls its function for nothing else.
bool runs_no_python(PyObject* it)
{
    static const std::vector<PyTypeObject*> types = []
    {
        std::vector<PyTypeObject*> t;
        py_ref ns = py_ref::steal(PyDict_New());
        const char* const probes[] = {
            "iter([])",         "iter(())",    "iter(range(0))",    "iter(range(2**64))", "iter('')",
            "iter('\\u20ac')",  "iter(b'')",   "iter(bytearray())", "iter({})",           "iter({}.values())",
            "iter({}.items())", "iter(set())", "reversed([])"};
        for (const char* probe : probes)
        {
            py_ref v = ns ? py_ref::steal(PyRun_String(probe, Py_eval_input, ns.get(), ns.get())) : py_ref();
            if (v)
                t.push_back(Py_TYPE(v.get()));
            PyErr_Clear();
        }
        return t;
    }();
    if (PyGen_CheckExact(it))
        return true;
    for (PyTypeObject* t : types)
    {
        if (Py_IS_TYPE(it, t))
            return true;
    }
    return false;
}

// `def __iter__(self): return self` (3.11: RESUME 0, LOAD_FAST 0, RETURN_VALUE).
bool returns_self(PyObject* func)
{
    if (!PyFunction_Check(func))
        return false;
    auto* co = reinterpret_cast<PyCodeObject*>(PyFunction_GET_CODE(func));
    if (co->co_argcount != 1 || Py_SIZE(co) != 3)
        return false;
    const _Py_CODEUNIT* units = _PyCode_CODE(co);
    return _Py_OPCODE(units[0]) == RESUME && _Py_OPCODE(units[1]) == LOAD_FAST && _Py_OPARG(units[1]) == 0 &&
           _Py_OPCODE(units[2]) == RETURN_VALUE;
}

// The same consumers driving an iterator whose tp_iternext calls the callee and returns its result
// unchanged, the callee's StopIteration meaning "exhausted" as for any iterator:
// - map(func, *its) (map_next, bltinmodule.c): func(*next items); its iterators must run no Python
//   code (another map over func would call it too), so the callee is this map's call;
// - an instance of a class with a Python __next__ (slot_tp_iternext): the callee is __next__ with the
//   argument itself as self; consumers that call iter(arg) get arg back only from a C __iter__ that
//   returns self (PyObject_SelfIter) or `return self` in Python.
// The "iterate" link gives the callee's result to the consumer, which then goes on natively.
bool iterator_call(PyObject* x, PyObject* y, cpy::iframe* callee, cpy::iframe* caller, int base, int nargs,
                   PyObject* kwnames, bridge& b)
{
    if (callee->owner == FRAME_OWNED_BY_GENERATOR || callee->previous != caller)
        return false;
    consumer c;
    if (!consumer_of(x, y, caller, base, nargs, kwnames, c) || std::strcmp(c.how, "send") == 0)
        return false;
    PyObject* arg = slot(caller, base + 2 + c.arg);
    if (!iterator_drives(arg, callee))
        return false;
    PyObject* iter = type_lookup(reinterpret_cast<PyObject*>(Py_TYPE(arg)), "__iter__");
    if (c.takes_iterable && Py_TYPE(arg)->tp_iter != PyObject_SelfIter &&
        !(iter != nullptr && returns_self(iter)))
        return false;
    consumer_link(b, link_iterate, c, arg, nullptr);
    return true;
}

// list.sort(key=f) or sorted(it, key=f) in their key phase, which keyed_sort.cpp runs with its state
// where the capture reads it: the callee is f's call for the next item.
bool sort_key_call(PyObject* x, PyObject* y, cpy::iframe* callee, cpy::iframe* caller, bridge& b)
{
    PyObject* self = nullptr;
    bool is_sorted = x == nullptr && is_builtin(y, "sorted");
    if (!is_sorted && !is_c_method(x, y, &PyList_Type, "sort", &self))
        return false;
    PyObject* list = nullptr;
    PyObject* key = nullptr;
    if (callee->previous != caller || !keyed_sort::key_phase_of(caller, &list, &key) ||
        (!is_sorted && list != self) || !forwards_to(key, callee))
        return false;
    b.ok = true;
    b.kind = link_sort;
    keyed_sort::add_link_data(caller, is_sorted, b.data);
    return true;
}

// min(..., key=f) / max(..., key=f) (min_max.cpp records the loop's state): the callee is f's call for
// the item the loop took.
bool min_max_key_call(PyObject* x, PyObject* y, cpy::iframe* callee, cpy::iframe* caller, bridge& b)
{
    PyObject* key = nullptr;
    if (x != nullptr || !(is_builtin(y, "min") || is_builtin(y, "max")) || callee->previous != caller ||
        !min_max::key_phase_of(caller, &key) || !forwards_to(key, callee))
        return false;
    b.ok = true;
    b.kind = link_minmax;
    min_max::add_link_data(caller, b.data);
    return true;
}

// functools.reduce(func, ...) (reduce.cpp records the loop's state): the callee is func's call on the
// value so far and the next item.
bool reduce_call(PyObject* x, PyObject* y, cpy::iframe* callee, cpy::iframe* caller, bridge& b)
{
    PyObject* func = nullptr;
    if (x != nullptr || !reduce::is_reduce(y) || callee->previous != caller ||
        !reduce::call_phase_of(caller, &func) || !forwards_to(func, callee))
        return false;
    b.ok = true;
    b.kind = link_reduce;
    reduce::add_link_data(caller, b.data);
    return true;
}

PyObject* method_code(PyObject* obj, const std::string& name);

// sum() in PyNumber_Add(total, item) running a Python __add__ of the total or __radd__ of the item
// (running_sum.cpp records both and the iterator): binary_op1's state is which side ran, as for
// BINARY_OP. The iterator must be one the snapshot can hold as it is (a generator, a builtin
// container's iterator); anything else waits.
bool sum_add_call(PyObject* x, PyObject* y, cpy::iframe* callee, cpy::iframe* caller, bridge& b)
{
    PyObject *lhs = nullptr, *item = nullptr, *it = nullptr;
    if (x != nullptr || !is_builtin(y, "sum") || callee->previous != caller ||
        !running_sum::add_phase_of(caller, &lhs, &item, &it) || !runs_no_python(it))
        return false;
    auto* code = reinterpret_cast<PyObject*>(callee->f_code);
    const char* role = nullptr;
    if (method_code(lhs, "__add__") == code && first_argument(callee) == lhs)
        role = "forward";
    else if (method_code(item, "__radd__") == code && first_argument(callee) == item)
        role = "reflected";
    if (role == nullptr)
        return false;
    b.ok = true;
    b.kind = link_sum;
    for (PyObject* o : {lhs, item})
        b.data.push_back(py_ref::borrow(o));
    for (const char* v : {"__add__", "__radd__", "+", role})
        b.data.push_back(check(PyUnicode_FromString(v)));
    b.data.push_back(py_ref::borrow(it));
    return true;
}

bool builtin_hook_call(PyObject* y, cpy::iframe* callee, cpy::iframe* caller, int base, int nargs, bridge& b);
bool getattr_call(PyObject* y, cpy::iframe* callee, cpy::iframe* caller, int base, int nargs, bridge& b);
bool exec_call(PyObject* y, cpy::iframe* callee, cpy::iframe* caller, int base, int nargs, bridge& b);
bool print_call(PyObject* y, cpy::iframe* callee, cpy::iframe* caller, int base, int nargs, PyObject* kwnames, bridge& b);

// Generic CALL of a non-Python callable (ceval.c TARGET(CALL), "Callable is not a normal Python
// function"): the stack holds [X, Y, args...] with X = method or NULL, Y = self or callable until
// PyObject_Vectorcall returns; then it becomes [result] and execution continues after CALL's caches.
// A Python class call runs type_call, whose only state is the new object: it calls __init__ and returns
// the object (slot_tp_init checks that __init__ returned None).
bridge call_bridge(cpy::iframe* callee, cpy::iframe* caller, const bytecode::code_units& units,
                   const bytecode::instruction& ins)
{
    bridge b;
    // Find the PRECALL that belongs to this CALL (or is the instruction itself: specialised PRECALLs
    // run the call and skip CALL).
    bytecode::instruction precall = ins, call = ins;
    if (ins.opcode == CALL)
    {
        for (const auto& i : units.all())
        {
            if (i.next == ins.start)
                precall = i;
        }
    }
    else
    {
        call = units.decode(ins.next);
    }
    if (precall.opcode != PRECALL || call.opcode != CALL)
    {
        b.why = "native code";
        return b;
    }
    int d = depth_before(caller, precall);
    int base = d - precall.oparg - 2;
    if (d < 0 || base < 0)
    {
        b.why = unknown_stack;
        return b;
    }
    PyObject* x = slot(caller, base);
    PyObject* callable = x != nullptr ? x : slot(caller, base + 1);
    b.why = callable_name(callable);
    b.lasti = call.next - 1; // last CACHE of CALL, as for an inlined call
    b.depth = base;
    if (x != nullptr && is_with_exit(callee, caller, base, precall.oparg))
    {
        b.ok = true;
        return b;
    }
    // With x == NULL the callable is Y and the arguments start above it. A vectorcall with
    // PY_VECTORCALL_ARGUMENTS_OFFSET may overwrite args[-1] (Y) for the duration of the call
    // (method_vectorcall, partial_vectorcall): then Y is no longer the callable and nothing is claimed.
    if (forwards_to(callable, callee))
    {
        b.ok = true;
        return b;
    }
    if (x == nullptr && init_of_class_call(callable, callee, b))
        return b;
    PyObject* kwnames = kwnames_of(caller, units, precall);
    if (x == nullptr && (new_of_class_call(callable, callee, caller, base, precall.oparg, kwnames, b) ||
                         check_hook_call(callable, callee, caller, base, precall.oparg, kwnames, b) ||
                         build_class_call(callable, callee, caller, base, precall.oparg, kwnames, b)))
        return b;
    if (consumer_call(x, slot(caller, base + 1), callee, caller, base, precall.oparg, kwnames, b) ||
        iterator_call(x, slot(caller, base + 1), callee, caller, base, precall.oparg, kwnames, b) ||
        sort_key_call(x, slot(caller, base + 1), callee, caller, b) ||
        min_max_key_call(x, slot(caller, base + 1), callee, caller, b) ||
        reduce_call(x, slot(caller, base + 1), callee, caller, b) ||
        sum_add_call(x, slot(caller, base + 1), callee, caller, b))
        return b;
    if (x == nullptr && kwnames == nullptr &&
        (builtin_hook_call(callable, callee, caller, base, precall.oparg, b) ||
         getattr_call(callable, callee, caller, base, precall.oparg, b)))
        return b;
    if (x == nullptr && exec_call(callable, callee, caller, base, precall.oparg, b))
        return b;
    if (x == nullptr && print_call(callable, callee, caller, base, precall.oparg, kwnames, b))
        return b;
    b.ok = false;
    return b;
}

// CALL_FUNCTION_EX (f(*args, **kwargs)): stack [NULL, func, callargs, (kwargs)]; kwargs and callargs are
// popped into C locals, do_call_core -> PyObject_Call -> _PyFunction_Vectorcall returns the result
// unchanged; then [NULL, func] becomes [result]. No caches.
PyObject* local(cpy::iframe* f, int i)
{
    PyObject* v = f->localsplus[i];
    return v != nullptr && PyCell_Check(v) ? PyCell_GET(v) : v;
}

// A metaclass's super().__new__(mcls, name, bases, ns, **kwds) (tp_new_wrapper -> type_new) running a
// __set_name__ from type_new_set_names: `for key, value in <copy of the new class's dict>:
// value.__set_name__(cls, key)`, errors re-raised as RuntimeError from the cause, then
// type_new_init_subclass(cls, kwds), and the class is the result. The copy and the position in it are
// C locals: the copy is found on the C stack (partial_list.cpp), the position is the callee's key.
bool set_name_call(PyObject* func, cpy::iframe* callee, cpy::iframe* caller, int func_at, bool has_kwargs,
                   bridge& b)
{
    auto* fn = PyCFunction_Check(func) ? reinterpret_cast<PyCFunctionObject*>(func) : nullptr;
    if (fn == nullptr || fn->m_self != reinterpret_cast<PyObject*>(&PyType_Type) ||
        std::strcmp(fn->m_ml->ml_name, "__new__") != 0 || callee->f_code->co_argcount < 3)
        return false;
    PyObject* callargs = slot(caller, func_at + 1); // popped, alive in do_call_core's locals
    PyObject* kwargs = has_kwargs ? slot(caller, func_at + 2) : nullptr;
    if (!PyTuple_CheckExact(callargs) || PyTuple_GET_SIZE(callargs) != 4 ||
        (kwargs != nullptr && !PyDict_CheckExact(kwargs)))
        return false;
    PyObject* value = local(callee, 0);
    PyObject* cls = local(callee, 1);
    PyObject* key = local(callee, 2);
    if (value == nullptr || cls == nullptr || key == nullptr || !PyType_Check(cls) ||
        !PyUnicode_CheckExact(key) ||
        reinterpret_cast<PyObject*>(Py_TYPE(cls)) != PyTuple_GET_ITEM(callargs, 0) ||
        code_of_or_null(type_lookup(reinterpret_cast<PyObject*>(Py_TYPE(value)), "__set_name__")) !=
            reinterpret_cast<PyObject*>(callee->f_code))
        return false;
    std::string why;
    PyObject* names = partial_list::find_dict(callee, caller, key, value,
                                              reinterpret_cast<PyTypeObject*>(cls)->tp_dict, why);
    if (names == nullptr)
    {
        b.why = why;
        return false;
    }
    b.ok = true;
    b.kind = link_set_names;
    for (PyObject* o : {cls, names, key, kwargs != nullptr ? kwargs : Py_None})
        b.data.push_back(py_ref::borrow(o));
    return true;
}

// True when `v` is the value of one of the frame's local variables (not a cell). The frame has not run
// since its current instruction began, so such an object is alive even if a C local that held it let go.
bool held_by_local(cpy::iframe* f, PyObject* v)
{
    for (int i = 0; i < f->f_code->co_nlocalsplus; i++)
    {
        if (f->localsplus[i] == v)
            return true;
    }
    return false;
}

// A class call f(*args, **kwargs) running a Python __new__, in the common form where args is a local
// variable (a wrapper's `cls(*args, **kwargs)`, `C(*fields)`). CALL_FUNCTION_EX popped args into a C
// local and, unless it was an exact tuple, replaced it there by a tuple copy and dropped it: the popped
// slot may then point to freed memory, so it is read only when a local of the caller holds the same
// object. A list is copied again when the class leaves __init__ to object (type_call then passes the
// arguments to nothing that reads them). kwargs is always the dict the compiler built (BUILD_MAP,
// DICT_MERGE): exact, so never replaced.
bool new_of_class_call_ex(PyObject* func, cpy::iframe* callee, cpy::iframe* caller, int func_at, int oparg,
                          bridge& b)
{
    PyObject* callargs = slot(caller, func_at + 1);
    PyObject* kwargs = (oparg & 1) ? slot(caller, func_at + 2) : Py_None;
    if (!held_by_local(caller, callargs) || (kwargs != Py_None && !PyDict_CheckExact(kwargs)))
        return false;
    py_ref args;
    if (PyTuple_CheckExact(callargs))
        args = py_ref::borrow(callargs);
    else if (PyList_CheckExact(callargs) && PyType_Check(func) &&
             reinterpret_cast<PyTypeObject*>(func)->tp_init == PyBaseObject_Type.tp_init)
        args = check(PyList_AsTuple(callargs));
    else
        return false;
    return new_of_class_call(func, callee, std::move(args), py_ref::borrow(kwargs), b);
}

bridge call_ex_bridge(cpy::iframe* callee, cpy::iframe* caller, const bytecode::instruction& ins)
{
    bridge b;
    int d = depth_before(caller, ins);
    int func_at = d - 2 - (ins.oparg & 1);
    if (func_at < 1)
    {
        b.why = unknown_stack;
        return b;
    }
    PyObject* func = slot(caller, func_at);
    b.why = callable_name(func);
    b.lasti = ins.index;
    b.depth = func_at - 1; // without NULL and func
    // do_call_core -> PyObject_Call: a Python function directly, or through the forwarding layers, or a
    // Python class (type_call -> __init__). func stays on the stack until the call returns.
    if (code_of(func) == reinterpret_cast<PyObject*>(callee->f_code) || forwards_to(func, callee))
    {
        b.ok = true;
        return b;
    }
    if (init_of_class_call(func, callee, b) ||
        new_of_class_call_ex(func, callee, caller, func_at, ins.oparg, b))
        return b;
    set_name_call(func, callee, caller, func_at, (ins.oparg & 1) != 0, b);
    return b;
}

// BEFORE_WITH: TOP is replaced by the bound __exit__, then __enter__ is called from C and its result
// pushed. WITH_EXCEPT_START: calls the exit function (4th from top) with the stack unchanged and pushes
// the result. Neither keeps state in C. No caches.
bridge with_bridge(cpy::iframe* callee, cpy::iframe* caller, const bytecode::instruction& ins)
{
    bridge b;
    int d = depth_before(caller, ins);
    bool enter = ins.opcode == BEFORE_WITH;
    if (d < (enter ? 1 : 4))
    {
        b.why = unknown_stack;
        return b;
    }
    PyObject* hook = nullptr;
    if (enter)
    {
        PyObject* exit = slot(caller, d - 1); // the bound __exit__ that replaced the manager
        b.why = "__enter__()";
        if (!PyMethod_Check(exit))
            return b;
        hook = type_lookup(reinterpret_cast<PyObject*>(Py_TYPE(PyMethod_GET_SELF(exit))), "__enter__");
    }
    else
    {
        hook = slot(caller, d - 4);
        b.why = callable_name(hook);
    }
    if (hook == nullptr || code_of(hook) != reinterpret_cast<PyObject*>(callee->f_code))
        return b;
    b.ok = true;
    b.lasti = ins.index;
    b.depth = d;
    return b;
}

// The __getattr__ slot_tp_getattr_hook calls after an AttributeError from the callee, or NULL (none, or
// the callee is __getattr__ itself).
PyObject* getattr_fallback(PyObject* owner, cpy::iframe* callee)
{
    PyObject* fallback = type_lookup(reinterpret_cast<PyObject*>(Py_TYPE(owner)), "__getattr__");
    return fallback != nullptr && code_of(fallback) == reinterpret_cast<PyObject*>(callee->f_code) ? nullptr
                                                                                                   : fallback;
}

// LOAD_ATTR / LOAD_METHOD reaching Python code (property getters, descriptors' __get__, __getattr__,
// __getattribute__): PyObject_GetAttr / _PyObject_GetMethod return the callee's result. When the type
// has a __getattr__ hook, slot_tp_getattr_hook calls it after an AttributeError from __getattribute__
// (including a property's): that one step is the only state, and the "getattr" link emulates it.
// LOAD_ATTR: [owner] -> [result], 4 caches. LOAD_METHOD (not a method): [owner] -> [NULL, result].
bridge attr_bridge(cpy::iframe* callee, cpy::iframe* caller, const bytecode::instruction& ins)
{
    bridge b;
    int d = depth_before(caller, ins);
    if (d < 1)
    {
        b.why = unknown_stack;
        return b;
    }
    PyObject* owner = slot(caller, d - 1);
    PyObject* name = PyTuple_GET_ITEM(caller->f_code->co_names, ins.oparg);
    PyObject* fallback = getattr_fallback(owner, callee);
    b.ok = true;
    b.lasti = ins.next - 1;
    b.depth = d - 1;
    b.push_null = ins.opcode == LOAD_METHOD;
    b.kind = link_getattr;
    for (PyObject* o : {owner, name, fallback})
        b.data.push_back(py_ref::borrow(o));
    return b;
}

// BINARY_SUBSCR with a Python __getitem__ (slot_mp_subscript / __class_getitem__): [container, sub] ->
// [result], 4 caches.
bridge subscr_bridge(cpy::iframe* caller, const bytecode::instruction& ins)
{
    bridge b;
    int d = depth_before(caller, ins);
    if (d < 2)
    {
        b.why = unknown_stack;
        return b;
    }
    b.ok = true;
    b.lasti = ins.next - 1;
    b.depth = d - 2;
    return b;
}

const char* const binop_names[] = {"add", "and", "floordiv", "lshift", "matmul", "mul", "mod",
                                   "or",  "pow", "rshift",   "sub",    "truediv", "xor"};
const char* const binop_symbols[] = {"+", "&", "//", "<<", "@", "*", "%", "|", "** or pow()", ">>", "-", "/", "^"};
const char* const compare_names[] = {"lt", "le", "eq", "ne", "gt", "ge"};
const int compare_swapped[] = {Py_GT, Py_GE, Py_EQ, Py_NE, Py_LT, Py_LE};
const char* const compare_symbols[] = {"<", "<=", "==", "!=", ">", ">="};

bool proper_subtype(PyObject* sub, PyObject* base)
{
    return Py_TYPE(sub) != Py_TYPE(base) && PyType_IsSubtype(Py_TYPE(sub), Py_TYPE(base));
}

PyObject* method_code(PyObject* obj, const std::string& name)
{
    return code_of_or_null(type_lookup(reinterpret_cast<PyObject*>(Py_TYPE(obj)), name.c_str()));
}

// BINARY_OP calling a Python dunder (slot_nb_* / SLOT1BINFULL): [lhs, rhs] -> [result], 1 cache. The C
// state is which of __iop__, __op__, __rop__ were tried; the role of the callee says it.
bridge binop_bridge(cpy::iframe* callee, cpy::iframe* caller, const bytecode::instruction& ins)
{
    bridge b;
    int d = depth_before(caller, ins);
    int op = ins.oparg % 13;
    bool inplace = ins.oparg >= 13;
    if (d < 2 || ins.oparg < 0 || ins.oparg > 25)
    {
        b.why = unknown_stack;
        return b;
    }
    PyObject* lhs = slot(caller, d - 2);
    PyObject* rhs = slot(caller, d - 1);
    std::string name = binop_names[op];
    auto* code = reinterpret_cast<PyObject*>(callee->f_code);
    const char* role = nullptr;
    if (inplace && method_code(lhs, "__i" + name + "__") == code)
        role = "inplace";
    else if (method_code(lhs, "__" + name + "__") == code)
        role = "forward";
    else if (method_code(rhs, "__r" + name + "__") == code)
        role = "reflected";
    b.why = std::string("operator ") + binop_symbols[op];
    if (role == nullptr)
        return b;
    auto str = [](const std::string& v) { return check(PyUnicode_FromString(v.c_str())); };
    b.ok = true;
    b.lasti = ins.next - 1;
    b.depth = d - 2;
    b.kind = link_binop;
    std::string symbol = std::string(binop_symbols[op]) + (inplace ? "=" : "");
    if (inplace && op == 8)
        symbol = "**=";
    b.data.push_back(py_ref::borrow(lhs));
    b.data.push_back(py_ref::borrow(rhs));
    b.data.push_back(str("__" + name + "__"));
    b.data.push_back(str("__r" + name + "__"));
    b.data.push_back(str(symbol));
    b.data.push_back(str(role));
    return b;
}

// COMPARE_OP calling a Python rich comparison (slot_tp_richcompare from do_richcompare): [left, right]
// -> [result], 2 caches.
bridge compare_bridge(cpy::iframe* callee, cpy::iframe* caller, const bytecode::instruction& ins)
{
    bridge b;
    int d = depth_before(caller, ins);
    if (d < 2 || ins.oparg < 0 || ins.oparg > Py_GE)
    {
        b.why = unknown_stack;
        return b;
    }
    PyObject* left = slot(caller, d - 2);
    PyObject* right = slot(caller, d - 1);
    auto* code = reinterpret_cast<PyObject*>(callee->f_code);
    std::string name = compare_names[ins.oparg];
    std::string swapped = compare_names[compare_swapped[ins.oparg]];
    const char* role = nullptr;
    if (method_code(left, "__" + name + "__") == code)
        role = "forward";
    else if (method_code(right, "__" + swapped + "__") == code)
        role = "reflected";
    b.why = std::string("comparison ") + compare_symbols[ins.oparg];
    if (role == nullptr)
        return b;
    b.ok = true;
    b.lasti = ins.next - 1;
    b.depth = d - 2;
    b.kind = link_compare;
    b.data.push_back(py_ref::borrow(left));
    b.data.push_back(py_ref::borrow(right));
    b.data.push_back(check(PyLong_FromLong(ins.oparg)));
    b.data.push_back(check(PyUnicode_FromString(role)));
    return b;
}

// The Python function behind a data descriptor found on type(owner) for `name`: a property's fset/fdel,
// or the descriptor type's __set__/__delete__ (slot_tp_descr_set).
PyObject* descriptor_setter_code(PyObject* owner, PyObject* name, bool del)
{
    PyObject* descr = _PyType_Lookup(Py_TYPE(owner), name);
    if (descr == nullptr)
        return nullptr;
    if (PyObject_TypeCheck(descr, &PyProperty_Type))
    {
        py_ref f = py_ref::steal(PyObject_GetAttrString(descr, del ? "fdel" : "fset")); // getset: no Python code
        if (!f)
        {
            PyErr_Clear();
            return nullptr;
        }
        return code_of(f.get());
    }
    return method_code(descr, del ? "__delete__" : "__set__");
}

// True when `callee` is a Python hook that getting `name` from `owner` runs: its type's __getattribute__
// or __getattr__, or the getter of the descriptor `name` finds - on type(owner) (a property's fget, a
// Python __get__; PyObject_GenericGetAttr) or, for a class, in its own MRO (type_getattro).
bool attribute_hook(PyObject* owner, PyObject* name, cpy::iframe* callee)
{
    auto* code = reinterpret_cast<PyObject*>(callee->f_code);
    PyObject* first = first_argument(callee);
    if (first == owner &&
        (method_code(owner, "__getattribute__") == code || method_code(owner, "__getattr__") == code))
        return true;
    PyObject* found[2] = {_PyType_Lookup(Py_TYPE(owner), name),
                          PyType_Check(owner) ? _PyType_Lookup(reinterpret_cast<PyTypeObject*>(owner), name)
                                              : nullptr};
    for (PyObject* descr : found)
    {
        if (descr == nullptr)
            continue;
        if (PyObject_TypeCheck(descr, &PyProperty_Type))
        {
            py_ref f = py_ref::steal(PyObject_GetAttrString(descr, "fget")); // getset: no Python code
            PyErr_Clear();
            if (f && first == owner && code_of(f.get()) == code)
                return true;
        }
        else if (first == descr && method_code(descr, "__get__") == code)
            return true;
    }
    return false;
}

// getattr(owner, name[, default]) running one of owner's attribute hooks (builtin_getattr): the hook's
// result is the builtin's, with slot_tp_getattr_hook's __getattr__ after an AttributeError (the
// "getattr" link), and then, given a default, the default instead of an AttributeError
// (_PyObject_LookupAttr).
bool getattr_call(PyObject* y, cpy::iframe* callee, cpy::iframe* caller, int base, int nargs, bridge& b)
{
    if ((nargs != 2 && nargs != 3) || !is_builtin(y, "getattr"))
        return false;
    PyObject* owner = slot(caller, base + 2);
    PyObject* name = slot(caller, base + 3);
    if (!PyUnicode_CheckExact(name) || !attribute_hook(owner, name, callee))
        return false;
    PyObject* fallback = getattr_fallback(owner, callee);
    b.ok = true;
    b.kind = link_getattr;
    for (PyObject* o : {owner, name, fallback})
        b.data.push_back(py_ref::borrow(o));
    b.data.push_back(nargs == 3 ? check(PyTuple_Pack(1, slot(caller, base + 4))) : py_ref::borrow(Py_None));
    return true;
}

// The method PyObject_Str(obj) runs: __str__, or __repr__ when type(obj) inherits object_str (which
// calls tp_repr).
const char* str_method(PyObject* obj)
{
    PyObject* str = type_lookup(reinterpret_cast<PyObject*>(Py_TYPE(obj)), "__str__");
    bool inherited = str != nullptr && str == _PyType_Lookup(&PyBaseObject_Type, interned("__str__"));
    return inherited ? "__repr__" : "__str__";
}

// Builtins that call one Python hook of their argument and only check or convert its result:
// - str(o): type_call -> unicode_new -> PyObject_Str -> slot_tp_str (__str__), or object_str ->
//   slot_tp_repr (__repr__); repr(o): PyObject_Repr -> slot_tp_repr. The result must be a str;
// - len(o): PyObject_Size -> slot_sq_length (__len__): index, >= 0, fits Py_ssize_t, then an int;
// - setattr(o, name, v) / delattr(o, name): PyObject_SetAttr -> __setattr__ / __delattr__, a property's
//   fset / fdel or a descriptor's __set__ / __delete__; the hook's result is dropped, the builtin
//   returns None.
bool builtin_hook_call(PyObject* y, cpy::iframe* callee, cpy::iframe* caller, int base, int nargs, bridge& b)
{
    if (nargs < 1)
        return false;
    PyObject* obj = slot(caller, base + 2);
    auto* code = reinterpret_cast<PyObject*>(callee->f_code);
    PyObject* self = first_argument(callee); // the object, or a descriptor of its type
    const char* kind = nullptr;
    const char* hook = nullptr;
    if (nargs == 1 && (y == reinterpret_cast<PyObject*>(&PyUnicode_Type) || is_builtin(y, "repr")))
    {
        // object_str calls tp_repr itself, so PyObject_Str's check names __str__ even then.
        hook = is_builtin(y, "repr") ? "__repr__" : "__str__";
        const char* method = is_builtin(y, "repr") ? "__repr__" : str_method(obj);
        if (self == obj && !PyUnicode_CheckExact(obj) && method_code(obj, method) == code)
            kind = link_string;
    }
    else if (nargs == 1 && is_builtin(y, "len") && self == obj && method_code(obj, "__len__") == code)
        kind = link_length;
    else if ((nargs == 3 && is_builtin(y, "setattr")) || (nargs == 2 && is_builtin(y, "delattr")))
    {
        bool del = nargs == 2;
        PyObject* name = slot(caller, base + 3);
        if (!PyUnicode_CheckExact(name))
            return false;
        bool hook = self == obj && method_code(obj, del ? "__delattr__" : "__setattr__") == code;
        bool descriptor = (self == obj || self == _PyType_Lookup(Py_TYPE(obj), name)) &&
                          descriptor_setter_code(obj, name, del) == code;
        if (hook || descriptor)
            kind = link_none;
    }
    if (kind == nullptr)
        return false;
    b.ok = true;
    b.kind = kind;
    if (hook != nullptr)
        b.data.push_back(check(PyUnicode_FromString(hook)));
    return true;
}

// exec(source, globals, locals, closure=) / eval(source, globals, locals): builtin_exec_impl and
// builtin_eval_impl run the code with PyEval_EvalCode - a new eval loop whose entry frame is the callee,
// built from the code object given or compiled from the string as "<string>" - and hold nothing else
// while it runs. eval returns the callee's result; exec drops it and returns None (the "none" link).
// IPython's %time, %%time, %timeit and %run, and runpy, run the user's code this way.
bool exec_call(PyObject* y, cpy::iframe* callee, cpy::iframe* caller, int base, int nargs, bridge& b)
{
    bool exec = is_builtin(y, "exec");
    if ((!exec && !is_builtin(y, "eval")) || nargs < 1 || callee->previous != caller || !callee->is_entry)
        return false;
    PyObject* source = slot(caller, base + 2);
    PyCodeObject* code = callee->f_code;
    bool compiled_here = (PyUnicode_Check(source) || PyBytes_Check(source) || PyByteArray_Check(source)) &&
                         PyUnicode_CompareWithASCIIString(code->co_filename, "<string>") == 0 &&
                         PyUnicode_CompareWithASCIIString(code->co_name, "<module>") == 0;
    if (source != reinterpret_cast<PyObject*>(code) && !compiled_here)
        return false;
    b.ok = true;
    b.kind = exec ? link_none : nullptr;
    return true;
}

// print(*args, sep=, end=, file=, flush=) converting one argument with a Python __str__ (or, through
// object_str, __repr__): builtin_print_impl writes each argument with PyFile_WriteObject (file.write of
// PyObject_Str(arg)), separated by sep, then end, then flushes. Its state is the index of the argument
// being converted, told by identity (an object passed twice is not claimed). sep / end were checked
// to be str or None before any conversion; flush is claimed only as a bool (converting anything else
// again would run its __bool__ twice). The "print" link writes the rest on resume.
bool print_call(PyObject* y, cpy::iframe* callee, cpy::iframe* caller, int base, int nargs, PyObject* kwnames, bridge& b)
{
    if (!is_builtin(y, "print"))
        return false;
    py_ref args, kwargs;
    call_arguments(caller, base + 2, nargs, kwnames, args, kwargs);
    PyObject* self = first_argument(callee);
    Py_ssize_t index = -1;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(args.get()); i++)
    {
        if (PyTuple_GET_ITEM(args.get(), i) != self)
            continue;
        if (index >= 0)
            return false;
        index = i;
    }
    if (index < 0 || PyUnicode_CheckExact(self))
        return false;
    PyObject* options[4] = {Py_None, Py_None, Py_None, Py_False}; // sep, end, file, flush
    const char* names[4] = {"sep", "end", "file", "flush"};
    if (kwargs.get() != Py_None)
    {
        PyObject *key, *value;
        Py_ssize_t pos = 0;
        while (PyDict_Next(kwargs.get(), &pos, &key, &value))
        {
            int k = 0;
            while (k < 4 && PyUnicode_CompareWithASCIIString(key, names[k]) != 0)
                k++;
            if (k == 4)
                return false;
            options[k] = value;
        }
    }
    for (int k = 0; k < 2; k++)
    {
        if (options[k] != Py_None && (!PyUnicode_Check(options[k]) || options[k] == self))
            return false;
    }
    if (!PyBool_Check(options[3]))
        return false;
    if (method_code(self, str_method(self)) != reinterpret_cast<PyObject*>(callee->f_code))
        return false;
    b.ok = true;
    b.kind = link_print;
    b.data.push_back(check(PyLong_FromSsize_t(index)));
    b.data.push_back(std::move(args));
    for (PyObject* option : options)
        b.data.push_back(py_ref::borrow(option));
    return true;
}

// Stores and deletes through Python hooks, whose result the C slot drops (slot_tp_setattro,
// slot_tp_descr_set, property_descr_set, slot_mp_ass_subscript: `if (res == NULL) return -1;
// Py_DECREF(res); return 0;`); the instruction then only drops its operands and continues. The "discard"
// link drops the callee's result and pushes nothing.
// STORE_ATTR [v, owner] -> [], 4 caches; DELETE_ATTR [owner] -> []; STORE_SUBSCR [v, container, sub] -> [],
// 1 cache; DELETE_SUBSCR [container, sub] -> []; STORE_NAME [v] -> [] into a non-dict f_locals
// (PyObject_SetItem).
bridge store_bridge(cpy::iframe* callee, cpy::iframe* caller, const bytecode::instruction& ins)
{
    bridge b;
    int d = depth_before(caller, ins);
    int popped = 0;
    PyObject* target = nullptr;
    std::vector<PyObject*> codes;
    switch (ins.opcode)
    {
    case STORE_ATTR:
    case DELETE_ATTR:
    {
        bool del = ins.opcode == DELETE_ATTR;
        popped = del ? 1 : 2;
        if (d < popped)
            break;
        target = slot(caller, d - 1);
        PyObject* name = PyTuple_GET_ITEM(caller->f_code->co_names, ins.oparg);
        codes.push_back(method_code(target, del ? "__delattr__" : "__setattr__"));
        codes.push_back(descriptor_setter_code(target, name, del));
        b.why = std::string(del ? "del " : "setting ") + Py_TYPE(target)->tp_name + "." + to_string(name);
        break;
    }
    case STORE_SUBSCR:
    case DELETE_SUBSCR:
        popped = ins.opcode == STORE_SUBSCR ? 3 : 2;
        if (d < popped)
            break;
        target = slot(caller, d - 2);
        codes.push_back(method_code(target, ins.opcode == STORE_SUBSCR ? "__setitem__" : "__delitem__"));
        b.why = std::string(Py_TYPE(target)->tp_name) + (ins.opcode == STORE_SUBSCR ? ".__setitem__()" : ".__delitem__()");
        break;
    case STORE_NAME:
        popped = 1;
        target = caller->f_locals;
        if (d < popped || target == nullptr || PyDict_CheckExact(target))
            break;
        codes.push_back(method_code(target, "__setitem__"));
        b.why = std::string(Py_TYPE(target)->tp_name) + ".__setitem__()";
        break;
    default:
        break;
    }
    if (target == nullptr)
    {
        b.why = unknown_stack;
        return b;
    }
    auto* code = reinterpret_cast<PyObject*>(callee->f_code);
    bool matches = false;
    for (PyObject* c : codes)
        matches = matches || (c != nullptr && c == code);
    if (!matches)
        return b;
    b.ok = true;
    b.lasti = ins.next - 1;
    b.depth = d - popped;
    b.kind = link_discard;
    return b;
}

// UNARY_NEGATIVE / UNARY_POSITIVE / UNARY_INVERT: [value] -> [PyNumber_*(value)], no caches; the slot
// (slot_nb_negative ...) returns the dunder's result unchanged.
bridge unary_bridge(cpy::iframe* callee, cpy::iframe* caller, const bytecode::instruction& ins)
{
    bridge b;
    int d = depth_before(caller, ins);
    if (d < 1)
    {
        b.why = unknown_stack;
        return b;
    }
    const char* name = ins.opcode == UNARY_NEGATIVE ? "__neg__" : ins.opcode == UNARY_POSITIVE ? "__pos__" : "__invert__";
    PyObject* value = slot(caller, d - 1);
    b.why = std::string("unary ") + name;
    if (method_code(value, name) != reinterpret_cast<PyObject*>(callee->f_code))
        return b;
    b.ok = true;
    b.lasti = ins.index;
    b.depth = d - 1;
    return b;
}

// POP_JUMP_{FORWARD,BACKWARD}_IF_{FALSE,TRUE} on an object with a Python __bool__, or only a Python
// __len__: the condition is popped, then PyObject_IsTrue calls slot_nb_bool (__bool__, which must
// return a bool) or slot_mp_length (__len__, converted as len() does: true when > 0); then the jump is
// taken or not. No caches.
bridge branch_bridge(cpy::iframe* callee, cpy::iframe* caller, const bytecode::instruction& ins)
{
    bridge b;
    int d = depth_before(caller, ins);
    if (d < 1)
    {
        b.why = unknown_stack;
        return b;
    }
    PyObject* cond = slot(caller, d - 1); // popped, but alive until PyObject_IsTrue returns
    auto* code = reinterpret_cast<PyObject*>(callee->f_code);
    bool has_bool = type_lookup(reinterpret_cast<PyObject*>(Py_TYPE(cond)), "__bool__") != nullptr;
    bool using_len = !has_bool && method_code(cond, "__len__") == code;
    b.why = has_bool ? "__bool__()" : "__len__()";
    if (first_argument(callee) != cond || !(using_len || (has_bool && method_code(cond, "__bool__") == code)))
        return b;
    bool forward = ins.opcode == POP_JUMP_FORWARD_IF_FALSE || ins.opcode == POP_JUMP_FORWARD_IF_TRUE;
    bool jump_when = ins.opcode == POP_JUMP_FORWARD_IF_TRUE || ins.opcode == POP_JUMP_BACKWARD_IF_TRUE;
    b.ok = true;
    b.lasti = ins.index;
    b.depth = d - 1;
    b.kind = link_branch;
    b.data.push_back(py_ref::borrow(using_len ? Py_True : Py_False));
    b.data.push_back(py_ref::borrow(jump_when ? Py_True : Py_False));
    b.data.push_back(check(PyLong_FromLong(forward ? ins.next + ins.oparg : ins.next - ins.oparg)));
    return b;
}

// The function a map/filter object calls, from its __reduce__ ((type, (func, *iterables))).
PyObject* applied_function(PyObject* it)
{
    py_ref reduced = py_ref::steal(PyObject_CallMethod(it, "__reduce__", nullptr));
    if (!reduced || !PyTuple_Check(reduced.get()) || PyTuple_GET_SIZE(reduced.get()) < 2 ||
        !PyTuple_Check(PyTuple_GET_ITEM(reduced.get(), 1)) || PyTuple_GET_SIZE(PyTuple_GET_ITEM(reduced.get(), 1)) < 1)
    {
        PyErr_Clear();
        return nullptr;
    }
    return PyTuple_GET_ITEM(PyTuple_GET_ITEM(reduced.get(), 1), 0); // borrowed: the map/filter holds it
}

// FOR_ITER driving Python code: [iter] -> [iter, value], or on StopIteration the iterator is popped and
// the loop exits to the jump target. No caches. Transparent C layers:
// - iter_iternext (iter() of a sequence): PySequence_GetItem(seq, it_index) -> __getitem__; the index
//   lives in the iterator object and moves on only after the call, which the "seqiter" link does;
// - slot_tp_iternext: calls __next__ and returns its result;
// - map_next: calls func(*items) and returns its result;
// - filter_next: calls pred(item); the C state is the item and the loop over falsy results, which the
//   "filter" link redoes (push the item, or take the next one from the filter object).
bridge next_bridge(cpy::iframe* callee, cpy::iframe* caller, const bytecode::instruction& ins)
{
    bridge b;
    int d = depth_before(caller, ins);
    if (d < 1)
    {
        b.why = unknown_stack;
        return b;
    }
    PyObject* it = slot(caller, d - 1);
    auto* code = reinterpret_cast<PyObject*>(callee->f_code);
    b.why = std::string(Py_TYPE(it)->tp_name) + ".__next__()";
    if (PyGen_CheckExact(it))
    {
        auto* gen = reinterpret_cast<PyGenObject*>(it);
        b.why = "a running generator " + to_string(gen->gi_qualname) + "()";
        if (reinterpret_cast<cpy::iframe*>(gen->gi_iframe) != callee || gen->gi_frame_state != FRAME_EXECUTING)
            return b;
        b.ok = true;
        b.lasti = ins.index;
        b.depth = d;
        b.kind = link_generator;
        b.data.push_back(check(PyLong_FromLong(bytecode::jump_target(ins))));
        b.data.push_back(py_ref::borrow(it));
        b.data.push_back(py_ref::borrow(gen->gi_exc_state.exc_value));
        return b;
    }
    const char* kind = nullptr;
    auto* seqiter = reinterpret_cast<cpy::seqiter*>(it);
    if (Py_IS_TYPE(it, &PySeqIter_Type) && seqiter->it_seq != nullptr && first_argument(callee) == seqiter->it_seq &&
        method_code(seqiter->it_seq, "__getitem__") == code)
        kind = link_seqiter;
    else if (Py_IS_TYPE(it, &PyMap_Type) && code_of_or_null(applied_function(it)) == code)
        kind = link_next;
    else if (Py_IS_TYPE(it, &PyFilter_Type) && code_of_or_null(applied_function(it)) == code &&
             callee->f_code->co_argcount >= 1 && callee->localsplus[0] != nullptr)
        kind = link_filter;
    else if (method_code(it, "__next__") == code)
        kind = link_next;
    if (kind == nullptr)
        return b;
    b.ok = true;
    b.lasti = ins.index;
    b.depth = d;
    b.kind = kind;
    b.data.push_back(check(PyLong_FromLong(bytecode::jump_target(ins))));
    if (kind == link_seqiter)
        b.data.push_back(py_ref::borrow(it));
    if (kind == link_filter)
    {
        PyObject* item = callee->localsplus[0];
        if (PyCell_Check(item) && (callee->f_code->co_flags & CO_OPTIMIZED))
            item = PyCell_GET(item); // the argument is a cell of a closure
        b.data.push_back(py_ref::borrow(it));
        b.data.push_back(py_ref::borrow(item));
    }
    return b;
}

// SEND (yield from / await, ceval.c TARGET(SEND)): [receiver, v] -> v is popped into a C local, then
// gen_send_ex2 (or, while tracing, tp_iternext / send) runs the receiver. A yield pushes the value
// ([receiver, value], the next instruction yields it on); a return replaces the receiver by the value
// and jumps by oparg. v is consumed before the call: nothing else is held in C. No caches.
bridge send_bridge(cpy::iframe* callee, cpy::iframe* caller, const bytecode::instruction& ins)
{
    bridge b;
    b.why = "a generator delegating with yield from";
    int d = depth_before(caller, ins);
    if (d < 2)
    {
        b.why = unknown_stack;
        return b;
    }
    PyObject* receiver = slot(caller, d - 2);
    if (!PyGen_CheckExact(receiver))
        return b;
    auto* gen = reinterpret_cast<PyGenObject*>(receiver);
    if (reinterpret_cast<cpy::iframe*>(gen->gi_iframe) != callee || gen->gi_frame_state != FRAME_EXECUTING)
        return b;
    b.ok = true;
    b.lasti = ins.index;
    b.depth = d - 1;
    b.kind = link_send;
    b.data.push_back(check(PyLong_FromLong(bytecode::jump_target(ins))));
    b.data.push_back(py_ref::borrow(receiver));
    b.data.push_back(py_ref::borrow(gen->gi_exc_state.exc_value));
    return b;
}

} // namespace

bridge analyse(cpy::iframe* callee, cpy::iframe* caller)
{
    bytecode::code_units units(reinterpret_cast<PyObject*>(caller->f_code));
    // prev_instr of a frame in a C call is the instruction being executed (INSTRUCTION_START), never
    // one of its caches, except for specialised PRECALLs that skip CALL.
    bytecode::instruction ins = units.containing(cpy::lasti(caller));
    bridge b;
    try
    {
        switch (ins.opcode)
        {
        case CALL:
        case PRECALL:
            b = call_bridge(callee, caller, units, ins);
            break;
        case CALL_FUNCTION_EX:
            b = call_ex_bridge(callee, caller, ins);
            break;
        case BEFORE_WITH:
        case WITH_EXCEPT_START:
            b = with_bridge(callee, caller, ins);
            break;
        case LOAD_ATTR:
        case LOAD_METHOD:
            b = attr_bridge(callee, caller, ins);
            break;
        case BINARY_SUBSCR:
            b = subscr_bridge(caller, ins);
            break;
        case BINARY_OP:
            b = binop_bridge(callee, caller, ins);
            break;
        case COMPARE_OP:
            b = compare_bridge(callee, caller, ins);
            break;
        case FOR_ITER:
            b = next_bridge(callee, caller, ins);
            break;
        case STORE_ATTR:
        case DELETE_ATTR:
        case STORE_SUBSCR:
        case DELETE_SUBSCR:
        case STORE_NAME:
            b = store_bridge(callee, caller, ins);
            break;
        case UNARY_NEGATIVE:
        case UNARY_POSITIVE:
        case UNARY_INVERT:
            b = unary_bridge(callee, caller, ins);
            break;
        case SEND:
            b = send_bridge(callee, caller, ins);
            break;
        case POP_JUMP_FORWARD_IF_FALSE:
        case POP_JUMP_FORWARD_IF_TRUE:
        case POP_JUMP_BACKWARD_IF_FALSE:
        case POP_JUMP_BACKWARD_IF_TRUE:
            b = branch_bridge(callee, caller, ins);
            break;
        default:
            b.why = "native code (" + opname(ins.opcode) + ")";
        }
    }
    catch (const std::exception& e)
    {
        if (PyErr_Occurred())
            PyErr_Clear(); // analysis only: the program's state is untouched
        b = bridge{};
        b.why = std::string("native code (") + e.what() + ")";
    }
    if (!b.ok && b.why.empty())
        b.why = "native code";
    return b;
}

} // namespace suspendable::frames::trampoline

namespace suspendable::frames::trampoline
{

namespace
{

// type(obj).<name>(obj, other), or NotImplemented when the type has no such method (new reference).
PyObject* call_dunder(PyObject* obj, PyObject* name, PyObject* other)
{
    PyObject* method = _PyType_Lookup(Py_TYPE(obj), name);
    if (method == nullptr)
        return py_ref::borrow(Py_NotImplemented).release();
    return PyObject_CallFunctionObjArgs(method, obj, other, nullptr);
}

} // namespace

PyObject* finish_binop(PyObject* link)
{
    PyObject* lhs = PyTuple_GET_ITEM(link, 1);
    PyObject* rhs = PyTuple_GET_ITEM(link, 2);
    const char* role = PyUnicode_AsUTF8(PyTuple_GET_ITEM(link, 6));
    if (role == nullptr)
        return nullptr;
    std::string r = role;
    // binary_op1: __rop__ first only for a proper subtype on the right; the same type never gets __rop__.
    bool reflected_first = proper_subtype(rhs, lhs);
    bool try_forward = r == "inplace" || (r == "reflected" && reflected_first);
    bool try_reflected = Py_TYPE(lhs) != Py_TYPE(rhs) && (r == "inplace" || (r == "forward" && !reflected_first));
    if (try_forward)
    {
        py_ref res = py_ref::steal(call_dunder(lhs, PyTuple_GET_ITEM(link, 3), rhs));
        if (!res || res.get() != Py_NotImplemented)
            return res.release();
    }
    if (try_reflected)
    {
        py_ref res = py_ref::steal(call_dunder(rhs, PyTuple_GET_ITEM(link, 4), lhs));
        if (!res || res.get() != Py_NotImplemented)
            return res.release();
    }
    PyErr_Format(PyExc_TypeError, "unsupported operand type(s) for %U: '%.100s' and '%.100s'", PyTuple_GET_ITEM(link, 5),
                 Py_TYPE(lhs)->tp_name, Py_TYPE(rhs)->tp_name);
    return nullptr;
}

PyObject* finish_sum(PyObject* link, PyObject* result)
{
    if (PyTuple_GET_SIZE(link) != 8)
    {
        Py_XDECREF(result);
        PyErr_SetString(PyExc_ValueError, "malformed sum link in the snapshot");
        return nullptr;
    }
    if (result == Py_NotImplemented)
    {
        Py_DECREF(result);
        result = finish_binop(link); // the link's first items are a "binop" link's
    }
    return running_sum::finish(PyTuple_GET_ITEM(link, 7), result);
}

PyObject* finish_compare(PyObject* link)
{
    PyObject* left = PyTuple_GET_ITEM(link, 1);
    PyObject* right = PyTuple_GET_ITEM(link, 2);
    int op = static_cast<int>(PyLong_AsLong(PyTuple_GET_ITEM(link, 3)));
    const char* role = PyUnicode_AsUTF8(PyTuple_GET_ITEM(link, 4));
    if (role == nullptr || op < 0 || op > Py_GE)
        return nullptr;
    // do_richcompare: swapped first for a proper subtype on the right, then forward, then swapped.
    bool reflected_first = proper_subtype(right, left);
    std::string r = role;
    py_ref name = check(PyUnicode_FromFormat("__%s__", compare_names[op]));
    py_ref swapped = check(PyUnicode_FromFormat("__%s__", compare_names[compare_swapped[op]]));
    if (r == "reflected" && reflected_first)
    {
        py_ref res = py_ref::steal(call_dunder(left, name.get(), right));
        if (!res || res.get() != Py_NotImplemented)
            return res.release();
    }
    else if (r == "forward" && !reflected_first)
    {
        py_ref res = py_ref::steal(call_dunder(right, swapped.get(), left));
        if (!res || res.get() != Py_NotImplemented)
            return res.release();
    }
    if (op == Py_EQ || op == Py_NE)
        return PyBool_FromLong((left == right) == (op == Py_EQ));
    PyErr_Format(PyExc_TypeError, "'%s' not supported between instances of '%.100s' and '%.100s'", compare_symbols[op],
                 Py_TYPE(left)->tp_name, Py_TYPE(right)->tp_name);
    return nullptr;
}

namespace
{

// bltinmodule.c, after the metaclass call: the __class__ cell must hold the new class.
PyObject* check_class_cell(PyObject* name, py_ref cls, PyObject* cell)
{
    if (cls && PyType_Check(cls.get()) && PyCell_Check(cell))
    {
        PyObject* cell_cls = PyCell_GET(cell);
        if (cell_cls != cls.get())
        {
            if (cell_cls == nullptr)
                PyErr_Format(PyExc_RuntimeError,
                             "__class__ not set defining %.200R as %.200R. Was __classcell__ propagated to type.__new__?",
                             name, cls.get());
            else
                PyErr_Format(PyExc_TypeError, "__class__ set to %.200R defining %.200R as %.200R", cell_cls, name, cls.get());
            return nullptr;
        }
    }
    return cls.release();
}

} // namespace

PyObject* finish_build_class(PyObject* link, PyObject* cell)
{
    if (cell == nullptr)
        return nullptr;
    py_ref owned_cell = py_ref::steal(cell);
    PyObject* name = PyTuple_GET_ITEM(link, 1);
    PyObject* mkw = PyTuple_GET_ITEM(link, 3);
    PyObject* margs[3] = {name, PyTuple_GET_ITEM(link, 2), PyTuple_GET_ITEM(link, 4)};
    return check_class_cell(name,
                            py_ref::steal(PyObject_VectorcallDict(PyTuple_GET_ITEM(link, 5), margs, 3,
                                                                  mkw == Py_None ? nullptr : mkw)),
                            cell);
}

PyObject* finish_set_names(PyObject* link, PyObject* result)
{
    // typeobject.c type_new_set_names from the entry after `key`, then type_new_init_subclass
    PyObject* cls = PyTuple_GET_ITEM(link, 1);
    PyObject* names = PyTuple_GET_ITEM(link, 2);
    PyObject* current = PyTuple_GET_ITEM(link, 3);
    PyObject* kwds = PyTuple_GET_ITEM(link, 4);
    const char* cls_name = reinterpret_cast<PyTypeObject*>(cls)->tp_name;
    auto failed = [&](PyObject* value, PyObject* key)
    {
        _PyErr_FormatFromCause(PyExc_RuntimeError,
                               "Error calling __set_name__ on '%.100s' instance %R in '%.100s'",
                               Py_TYPE(value)->tp_name, key, cls_name);
        return nullptr;
    };
    py_ref done = py_ref::steal(result);
    if (!done)
        return failed(PyDict_GetItemWithError(names, current), current);
    Py_ssize_t pos = 0;
    PyObject* key = nullptr;
    PyObject* value = nullptr;
    bool after = false;
    while (PyDict_Next(names, &pos, &key, &value))
    {
        if (!after)
        {
            after = key == current;
            continue;
        }
        py_ref hold_key = py_ref::borrow(key);
        py_ref hold_value = py_ref::borrow(value);
        // _PyObject_LookupSpecial: the type's attribute, bound through its descriptor
        PyObject* special = _PyType_Lookup(Py_TYPE(value), interned("__set_name__"));
        if (special == nullptr)
            continue;
        descrgetfunc get = Py_TYPE(special)->tp_descr_get;
        py_ref set_name =
            get == nullptr ? py_ref::borrow(special)
                           : py_ref::steal(get(special, value, reinterpret_cast<PyObject*>(Py_TYPE(value))));
        if (!set_name)
            return nullptr;
        py_ref res = py_ref::steal(PyObject_CallFunctionObjArgs(set_name.get(), cls, key, nullptr));
        if (!res)
            return failed(value, key);
    }
    // type_new_init_subclass: super(cls, cls).__init_subclass__(**kwds)
    PyObject* pair[2] = {cls, cls};
    py_ref sup =
        py_ref::steal(PyObject_Vectorcall(reinterpret_cast<PyObject*>(&PySuper_Type), pair, 2, nullptr));
    py_ref hook = sup ? py_ref::steal(PyObject_GetAttrString(sup.get(), "__init_subclass__")) : py_ref();
    py_ref ran =
        hook
            ? py_ref::steal(PyObject_VectorcallDict(hook.get(), nullptr, 0, kwds == Py_None ? nullptr : kwds))
            : py_ref();
    return ran ? py_ref::borrow(cls).release() : nullptr;
}

PyObject* finish_meta_new(PyObject* link, PyObject* cls)
{
    py_ref owned = py_ref::steal(cls);
    if (!owned)
        return nullptr;
    // type_call: an instance of meta is initialised by type(cls)->tp_init, which the capture checked is
    // type_init (nothing to run); a metaclass __new__ returning an instance of another metaclass with
    // its own __init__ would need the call's arguments, which are not saved.
    PyObject* name = PyTuple_GET_ITEM(link, 1);
    PyObject* meta = PyTuple_GET_ITEM(link, 5);
    if (PyType_Check(meta) && PyObject_TypeCheck(cls, reinterpret_cast<PyTypeObject*>(meta)) &&
        Py_TYPE(cls)->tp_init != PyType_Type.tp_init)
    {
        PyErr_Format(PyExc_RuntimeError,
                     "cannot finish creating class %.200R after the resume: %.200s.__new__ "
                     "returned an instance of %.200s, whose __init__ was not expected",
                     name, reinterpret_cast<PyTypeObject*>(meta)->tp_name, Py_TYPE(cls)->tp_name);
        return nullptr;
    }
    return check_class_cell(name, std::move(owned), PyTuple_GET_ITEM(link, 4));
}

PyObject* finish_prepare(PyObject* link, PyObject* ns)
{
    // bltinmodule.c builtin___build_class__ after __prepare__: a mapping, then the body runs in it (as
    // _PyEval_Vector(func, ns) does, through the public call that builds the same function), then the rest.
    py_ref owned_ns = py_ref::steal(ns);
    if (!owned_ns)
        return nullptr;
    PyObject* meta = PyTuple_GET_ITEM(link, 5);
    if (!PyMapping_Check(ns))
    {
        PyErr_Format(PyExc_TypeError, "%.200s.__prepare__() must return a mapping, not %.200s",
                     PyType_Check(meta) ? reinterpret_cast<PyTypeObject*>(meta)->tp_name : "<metaclass>",
                     Py_TYPE(ns)->tp_name);
        return nullptr;
    }
    PyObject* func = PyTuple_GET_ITEM(link, 4);
    PyObject* cell = PyEval_EvalCodeEx(PyFunction_GET_CODE(func), PyFunction_GET_GLOBALS(func), ns, nullptr,
                                       0, nullptr, 0, nullptr, 0, nullptr, PyFunction_GET_CLOSURE(func));
    py_ref rest = py_ref::steal(PyTuple_Pack(6, PyTuple_GET_ITEM(link, 0), PyTuple_GET_ITEM(link, 1),
                                             PyTuple_GET_ITEM(link, 2), PyTuple_GET_ITEM(link, 3), ns, meta));
    if (!rest)
    {
        Py_XDECREF(cell);
        return nullptr;
    }
    return finish_build_class(rest.get(), cell);
}

PyObject* finish_print(PyObject* link, PyObject* str)
{
    // bltinmodule.c builtin_print_impl from inside PyFile_WriteObject(args[index]) (fileobject.c)
    py_ref value = py_ref::steal(str);
    if (!value)
        return nullptr;
    if (!PyUnicode_Check(value.get()))
    {
        PyErr_Format(PyExc_TypeError, "__str__ returned non-string (type %.200s)", Py_TYPE(value.get())->tp_name);
        return nullptr;
    }
    Py_ssize_t index = PyLong_AsSsize_t(PyTuple_GET_ITEM(link, 1));
    PyObject* args = PyTuple_GET_ITEM(link, 2);
    PyObject* sep = PyTuple_GET_ITEM(link, 3);
    PyObject* end = PyTuple_GET_ITEM(link, 4);
    PyObject* file = PyTuple_GET_ITEM(link, 5);
    if (file == Py_None)
    {
        file = PySys_GetObject("stdout"); // borrowed; the resumed process's stream
        if (file == nullptr)
        {
            PyErr_SetString(PyExc_RuntimeError, "lost sys.stdout");
            return nullptr;
        }
        if (file == Py_None)
            return py_ref::borrow(Py_None).release();
    }
    py_ref keep_file = py_ref::borrow(file);
    py_ref written = py_ref::steal(PyObject_CallMethod(file, "write", "O", value.get()));
    if (!written)
        return nullptr;
    for (Py_ssize_t i = index + 1; i < PyTuple_GET_SIZE(args); i++)
    {
        int err = sep == Py_None ? PyFile_WriteString(" ", file) : PyFile_WriteObject(sep, file, Py_PRINT_RAW);
        if (err != 0 || PyFile_WriteObject(PyTuple_GET_ITEM(args, i), file, Py_PRINT_RAW) != 0)
            return nullptr;
    }
    if ((end == Py_None ? PyFile_WriteString("\n", file) : PyFile_WriteObject(end, file, Py_PRINT_RAW)) != 0)
        return nullptr;
    if (PyTuple_GET_ITEM(link, 6) == Py_True)
    {
        py_ref flushed = py_ref::steal(PyObject_CallMethod(file, "flush", nullptr));
        if (!flushed)
            return nullptr;
    }
    return py_ref::borrow(Py_None).release();
}

PyObject* finish_length(PyObject* res)
{
    // typeobject.c slot_sq_length, then bltinmodule.c builtin_len
    py_ref owned = py_ref::steal(res);
    if (!owned)
        return nullptr;
    py_ref index = py_ref::steal(_PyNumber_Index(owned.get()));
    if (!index)
        return nullptr;
    if (Py_SIZE(index.get()) < 0)
    {
        PyErr_SetString(PyExc_ValueError, "__len__() should return >= 0");
        return nullptr;
    }
    Py_ssize_t len = PyNumber_AsSsize_t(index.get(), PyExc_OverflowError);
    if (len < 0)
        return nullptr;
    return PyLong_FromSsize_t(len);
}

int branch_truth(PyObject* link, PyObject* result)
{
    // typeobject.c slot_nb_bool / slot_mp_length, as PyObject_IsTrue uses them
    py_ref owned = py_ref::steal(result);
    if (!owned)
        return -1;
    if (PyTuple_GET_ITEM(link, 1) == Py_True)
    {
        py_ref len = py_ref::steal(finish_length(owned.release()));
        return len ? PyObject_IsTrue(len.get()) : -1;
    }
    if (!PyBool_Check(owned.get()))
    {
        PyErr_Format(PyExc_TypeError, "__bool__ should return bool, returned %s",
                     Py_TYPE(owned.get())->tp_name);
        return -1;
    }
    return owned.get() == Py_True;
}

PyObject* finish_new(PyObject* link, PyObject* obj)
{
    // typeobject.c type_call after tp_new: an object that is not an instance of the class called is
    // returned as is; otherwise the type of the object (possibly a subclass) initialises it.
    py_ref result = py_ref::steal(obj);
    if (!result)
        return nullptr;
    auto* cls = reinterpret_cast<PyTypeObject*>(PyTuple_GET_ITEM(link, 1));
    if (PyObject_TypeCheck(obj, cls))
    {
        PyTypeObject* type = Py_TYPE(obj);
        PyObject* args = PyTuple_GET_ITEM(link, 2);
        PyObject* kwargs = PyTuple_GET_ITEM(link, 3);
        if (type->tp_init != nullptr &&
            type->tp_init(obj, args, kwargs == Py_None ? nullptr : kwargs) < 0)
            return nullptr;
    }
    return result.release();
}

namespace
{

// gen_iternext / gen_send_ex after a return: StopIteration carrying the value (none for None).
PyObject* stop_iteration(PyObject* value)
{
    if (value == Py_None)
        PyErr_SetNone(PyExc_StopIteration);
    else
        _PyGen_SetStopIterationValue(value);
    return nullptr;
}

// Consumers that fold each item into a value kept in the link's list (min_max.cpp, running_sum.cpp,
// reduce.cpp) rather than collect it.
bool accumulates(const std::string& how)
{
    return how == "minmax" || how == "sum" || how == "reduce";
}

// One item (or the end, `returned`) of such a consumer: its result, or NULL with *again set for the
// next item (NULL without it: an exception).
PyObject* accumulate(const std::string& how, PyObject* list, PyObject* extra, PyObject* item, bool returned,
                     bool* again)
{
    *again = false;
    if (how == "minmax")
        return min_max::consume(list, extra, item, returned, again);
    if (how == "reduce")
        return reduce::consume(list, extra, item, returned, again);
    // builtin_sum_impl adds each item; every one of its steps gives PyNumber_Add's value.
    if (returned)
        return py_ref::borrow(PyList_GET_ITEM(list, 0)).release();
    PyObject* total = PyNumber_Add(PyList_GET_ITEM(list, 0), item);
    if (total == nullptr || PyList_SetItem(list, 0, total) < 0)
        return nullptr;
    *again = true;
    return nullptr;
}

PyObject* finish_collecting(const std::string& how, PyObject* list, PyObject* extra)
{
    if (how == "list")
        return py_ref::borrow(list).release();
    if (how == "tuple")
        return PyList_AsTuple(list);
    if (how == "extend")
        return py_ref::borrow(Py_None).release();
    if (how == "join")
        return PyUnicode_Check(extra) ? PyUnicode_Join(extra, list) : _PyBytes_Join(extra, list);
    // builtin_sorted: newlist.sort(*args[1:], **kwargs) and the list is the result
    py_ref sort = py_ref::steal(PyObject_GetAttrString(list, "sort"));
    py_ref empty = py_ref::steal(PyTuple_New(0));
    if (!sort || !empty)
        return nullptr;
    py_ref done = py_ref::steal(PyObject_Call(sort.get(), empty.get(), extra == Py_None ? nullptr : extra));
    return done ? py_ref::borrow(list).release() : nullptr;
}

} // namespace

PyObject* consume_outcome(PyObject* link, PyObject* yielded, bool returned, PyObject* return_value, bool* again)
{
    *again = false;
    py_ref item = py_ref::steal(yielded);
    py_ref value = py_ref::steal(return_value);
    const char* how_c = PyUnicode_AsUTF8(PyTuple_GET_ITEM(link, 1));
    if (how_c == nullptr)
        return nullptr;
    std::string how = how_c;
    PyObject* list = PyTuple_GET_ITEM(link, 4);
    PyObject* extra = PyTuple_GET_ITEM(link, 5);
    if (!item && !returned)
        return nullptr; // the generator raised: every consumer lets it propagate
    if (how == "next" || how == "send")
    {
        if (item)
            return item.release();
        if (how == "next" && extra != Py_None)
            return py_ref::borrow(PyTuple_GET_ITEM(extra, 0)).release(); // builtin_next's default
        return stop_iteration(value ? value.get() : Py_None);
    }
    if (how == "any" || how == "all")
    {
        if (returned)
            return PyBool_FromLong(how == "all");
        int truth = PyObject_IsTrue(item.get());
        if (truth < 0)
            return nullptr;
        if ((truth != 0) == (how == "any"))
            return PyBool_FromLong(how == "any");
        *again = true;
        return nullptr;
    }
    if (accumulates(how))
        return accumulate(how, list, extra, item.get(), returned, again);
    if (returned)
        return finish_collecting(how, list, extra);
    if (PyList_Append(list, item.get()) < 0)
        return nullptr;
    *again = true;
    return nullptr;
}

bool folds(PyObject* link)
{
    const char* how = PyUnicode_AsUTF8(PyTuple_GET_ITEM(link, 1));
    if (how == nullptr)
    {
        PyErr_Clear();
        return false;
    }
    return accumulates(how);
}

bool iterator_drives(PyObject* iterator, cpy::iframe* callee)
{
    if (Py_IS_TYPE(iterator, &PyMap_Type))
    {
        py_ref reduced =
            py_ref::steal(PyObject_CallMethod(iterator, "__reduce__", nullptr)); // (map, (func, *its))
        if (!reduced || !PyTuple_Check(reduced.get()) || PyTuple_GET_SIZE(reduced.get()) < 2 ||
            !PyTuple_Check(PyTuple_GET_ITEM(reduced.get(), 1)) ||
            PyTuple_GET_SIZE(PyTuple_GET_ITEM(reduced.get(), 1)) < 2)
        {
            PyErr_Clear();
            return false;
        }
        PyObject* args = PyTuple_GET_ITEM(reduced.get(), 1);
        if (!forwards_to(PyTuple_GET_ITEM(args, 0), callee))
            return false;
        for (Py_ssize_t i = 1; i < PyTuple_GET_SIZE(args); i++)
        {
            if (!runs_no_python(PyTuple_GET_ITEM(args, i)))
                return false;
        }
        return true;
    }
    PyObject* next = type_lookup(reinterpret_cast<PyObject*>(Py_TYPE(iterator)), "__next__");
    return first_argument(callee) == iterator && next != nullptr && PyFunction_Check(next) &&
           next == reinterpret_cast<PyObject*>(callee->f_func);
}

PyObject* iterate_outcome(PyObject* link, PyObject* result)
{
    py_ref item = py_ref::steal(result);
    const char* how_c = PyUnicode_AsUTF8(PyTuple_GET_ITEM(link, 1));
    if (how_c == nullptr)
        return nullptr;
    std::string how = how_c;
    PyObject* source = PyTuple_GET_ITEM(link, 2);
    PyObject* list = PyTuple_GET_ITEM(link, 4);
    PyObject* extra = PyTuple_GET_ITEM(link, 5);
    bool any = how == "any";
    if (!item)
    {
        // tp_iternext's NULL: StopIteration means exhausted to every consumer but next() without a
        // default, which lets it propagate as it is
        if (!PyErr_ExceptionMatches(PyExc_StopIteration) || (how == "next" && extra == Py_None))
            return nullptr;
        PyErr_Clear();
        if (how == "next")
            return py_ref::borrow(PyTuple_GET_ITEM(extra, 0)).release();
        if (any || how == "all")
            return PyBool_FromLong(!any);
        if (accumulates(how))
        {
            bool again = false;
            return accumulate(how, list, extra, nullptr, true, &again);
        }
        return finish_collecting(how, list, extra);
    }
    if (how == "next")
        return item.release();
    if (accumulates(how))
    {
        // the consumer's loop over the rest (PyIter_Next clears a StopIteration)
        for (; item; item = py_ref::steal(PyIter_Next(source)))
        {
            bool again = false;
            PyObject* r = accumulate(how, list, extra, item.get(), false, &again);
            if (!again)
                return r;
        }
        if (PyErr_Occurred())
            return nullptr;
        bool again = false;
        return accumulate(how, list, extra, nullptr, true, &again);
    }
    if (any || how == "all")
    {
        // builtin_any / builtin_all over the rest (PyIter_Next clears a StopIteration)
        for (; item; item = py_ref::steal(PyIter_Next(source)))
        {
            int truth = PyObject_IsTrue(item.get());
            if (truth < 0)
                return nullptr;
            if ((truth != 0) == any)
                return PyBool_FromLong(any);
        }
        return PyErr_Occurred() ? nullptr : PyBool_FromLong(!any);
    }
    // list_extend over the rest, then the consumer's own ending
    for (; item; item = py_ref::steal(PyIter_Next(source)))
    {
        if (PyList_Append(list, item.get()) < 0)
            return nullptr;
    }
    return PyErr_Occurred() ? nullptr : finish_collecting(how, list, extra);
}

} // namespace suspendable::frames::trampoline
