// Which C layers between a caller and a callee entered from C are transparent, and how to capture the
// caller there. Every case states the ceval.c (3.11.2) code path it relies on; anything else is
// "genuinely stateful native code" and the chain stays uncapturable until it returns.
#include "trampoline.hpp"

#include "bytecode.hpp"

#include <map>
#include <stdexcept>

namespace suspendable::frames::trampoline
{

namespace
{

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
    py_ref mod = py_ref::steal(PyImport_ImportModule("opcode"));
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

PyObject* type_lookup(PyObject* obj_type, const char* name)
{
    return _PyType_Lookup(reinterpret_cast<PyTypeObject*>(obj_type), interned(name));
}

bool is_python_class_call(PyObject* callable)
{
    return PyType_Check(callable) && Py_TYPE(callable)->tp_call == PyType_Type.tp_call &&
           PyType_HasFeature(reinterpret_cast<PyTypeObject*>(callable), Py_TPFLAGS_HEAPTYPE);
}

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
    const auto& depths = cached_stack_depths(reinterpret_cast<PyObject*>(caller->f_code));
    int d = depths[static_cast<size_t>(precall.start)];
    int base = d - precall.oparg - 2;
    if (d < 0 || base < 0)
    {
        b.why = "native code (unknown stack)";
        return b;
    }
    PyObject* x = slot(caller, base);
    PyObject* callable = x != nullptr ? x : slot(caller, base + 1);
    b.why = callable_name(callable);
    if (!is_python_class_call(callable))
        return b;
    PyObject* init = type_lookup(callable, "__init__");
    if (init == nullptr || code_of(init) != reinterpret_cast<PyObject*>(callee->f_code) ||
        callee->f_code->co_argcount < 1)
        return b;
    PyObject* self = callee->localsplus[0];
    if (self != nullptr && PyCell_Check(self) && (callee->f_code->co_flags & CO_OPTIMIZED))
        self = PyCell_GET(self); // `self` used by a closure: MAKE_CELL wrapped the argument
    if (self == nullptr || !PyObject_TypeCheck(self, reinterpret_cast<PyTypeObject*>(callable)))
        return b;
    b.ok = true;
    b.lasti = call.next - 1; // last CACHE of CALL, as for an inlined call
    b.depth = base;
    b.kind = link_init;
    b.data = {self};
    return b;
}

// CALL_FUNCTION_EX (f(*args, **kwargs)): stack [NULL, func, callargs, (kwargs)]; kwargs and callargs are
// popped into C locals, do_call_core -> PyObject_Call -> _PyFunction_Vectorcall returns the result
// unchanged; then [NULL, func] becomes [result]. No caches.
bridge call_ex_bridge(cpy::iframe* callee, cpy::iframe* caller, const bytecode::instruction& ins)
{
    bridge b;
    const auto& depths = cached_stack_depths(reinterpret_cast<PyObject*>(caller->f_code));
    int d = depths[static_cast<size_t>(ins.start)];
    int func_at = d - 2 - (ins.oparg & 1);
    if (func_at < 1)
    {
        b.why = "native code (unknown stack)";
        return b;
    }
    PyObject* func = slot(caller, func_at);
    b.why = callable_name(func);
    if (code_of(func) != reinterpret_cast<PyObject*>(callee->f_code))
        return b;
    b.ok = true;
    b.lasti = ins.index;
    b.depth = func_at - 1; // without NULL and func
    return b;
}

// BEFORE_WITH: TOP is replaced by the bound __exit__, then __enter__ is called from C and its result
// pushed. WITH_EXCEPT_START: calls the exit function (4th from top) with the stack unchanged and pushes
// the result. Neither keeps state in C. No caches.
bridge with_bridge(cpy::iframe* callee, cpy::iframe* caller, const bytecode::instruction& ins)
{
    bridge b;
    const auto& depths = cached_stack_depths(reinterpret_cast<PyObject*>(caller->f_code));
    int d = depths[static_cast<size_t>(ins.start)];
    bool enter = ins.opcode == BEFORE_WITH;
    if (d < (enter ? 1 : 4))
    {
        b.why = "native code (unknown stack)";
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

// LOAD_ATTR / LOAD_METHOD reaching Python code (property getters, descriptors' __get__, __getattr__,
// __getattribute__): PyObject_GetAttr / _PyObject_GetMethod return the callee's result. When the type
// has a __getattr__ hook, slot_tp_getattr_hook calls it after an AttributeError from __getattribute__
// (including a property's): that one step is the only state, and the "getattr" link emulates it.
// LOAD_ATTR: [owner] -> [result], 4 caches. LOAD_METHOD (not a method): [owner] -> [NULL, result].
bridge attr_bridge(cpy::iframe* callee, cpy::iframe* caller, const bytecode::instruction& ins)
{
    bridge b;
    const auto& depths = cached_stack_depths(reinterpret_cast<PyObject*>(caller->f_code));
    int d = depths[static_cast<size_t>(ins.start)];
    if (d < 1)
    {
        b.why = "native code (unknown stack)";
        return b;
    }
    PyObject* owner = slot(caller, d - 1);
    PyObject* name = PyTuple_GET_ITEM(caller->f_code->co_names, ins.oparg);
    PyObject* fallback = type_lookup(reinterpret_cast<PyObject*>(Py_TYPE(owner)), "__getattr__");
    if (fallback != nullptr && code_of(fallback) == reinterpret_cast<PyObject*>(callee->f_code))
        fallback = nullptr; // the callee is __getattr__ itself
    b.ok = true;
    b.lasti = ins.next - 1;
    b.depth = d - 1;
    b.push_null = ins.opcode == LOAD_METHOD;
    b.kind = link_getattr;
    b.data = {owner, name, fallback};
    return b;
}

// BINARY_SUBSCR with a Python __getitem__ (slot_mp_subscript / __class_getitem__): [container, sub] ->
// [result], 4 caches.
bridge subscr_bridge(cpy::iframe* caller, const bytecode::instruction& ins)
{
    bridge b;
    const auto& depths = cached_stack_depths(reinterpret_cast<PyObject*>(caller->f_code));
    int d = depths[static_cast<size_t>(ins.start)];
    if (d < 2)
    {
        b.why = "native code (unknown stack)";
        return b;
    }
    b.ok = true;
    b.lasti = ins.next - 1;
    b.depth = d - 2;
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
        default:
            b.why = "native code (" + opname(ins.opcode) + ")";
        }
    }
    catch (const std::exception& e)
    {
        b = bridge{};
        b.why = std::string("native code (") + e.what() + ")";
    }
    if (!b.ok && b.why.empty())
        b.why = "native code";
    return b;
}

} // namespace suspendable::frames::trampoline
