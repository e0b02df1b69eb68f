// sum(), with its running total where the capture reads it.
//
// CPython 3.11.2 builtin_sum_impl (Python/bltinmodule.c), mirrored:
//   start (0 when omitted); a str / bytes / bytearray start is refused before any item is taken;
//   while the total is an exact int that fits a C long, exact int and bool items are added in C as long
//       as the C sum does not overflow; the first other item: total = PyNumber_Add(int total, item);
//   then, if the total is an exact float, float items and int items that fit a C long are added to a
//       C double; the first other item: total = PyNumber_Add(float total, item);
//   from then on total = PyNumber_Add(total, item).
// Each step gives the value PyNumber_Add would, so the total saved as an object and continued with
// PyNumber_Add at resume (trampoline.cpp, the "sum" consumer and link) ends with the same value.
#include "running_sum.hpp"

#include "call_registry.hpp"

#include <climits>
#include <vector>

namespace suspendable::frames::running_sum
{

namespace
{

PyObject* original = nullptr; // builtins.sum as CPython made it, for every other call

enum class mode
{
    c_long,
    c_double,
    object
};

struct active_sum
{
    cpy::iframe* caller = nullptr; // the frame whose CALL runs this sum
    py_ref it;                     // iter(iterable): a generator is its own
    mode m = mode::object;
    long i = 0;   // the total in mode c_long
    double f = 0; // in mode c_double
    py_ref total; // in mode object
    // During PyNumber_Add(lhs, item), which may run a Python __add__ / __radd__ (borrowed).
    PyObject* lhs = nullptr;
    PyObject* item = nullptr;
};

using registry = call_registry<active_sum>;

// Enters the C modes the total allows (builtin_sum_impl's checks on `result` before each loop).
void enter_c_mode(active_sum& s)
{
    if (s.m == mode::object && PyLong_CheckExact(s.total.get()))
    {
        int overflow = 0;
        long v = PyLong_AsLongAndOverflow(s.total.get(), &overflow);
        if (overflow == 0)
        {
            s.i = v;
            s.m = mode::c_long;
            s.total.reset();
        }
    }
}

// PyNumber_Add(lhs, item), recorded for the capture of a Python __add__ / __radd__ it runs.
py_ref add_objects(active_sum& s, PyObject* lhs, PyObject* item)
{
    s.lhs = lhs;
    s.item = item;
    py_ref r = py_ref::steal(PyNumber_Add(lhs, item));
    s.lhs = s.item = nullptr;
    return r;
}

// Leaves C mode for `item`, which it cannot add: total = PyNumber_Add(total as an object, item).
bool add_as_objects(active_sum& s, PyObject* item, bool after_long)
{
    py_ref t = py_ref::steal(after_long ? PyLong_FromLong(s.i) : PyFloat_FromDouble(s.f));
    if (!t)
        return false;
    s.total = add_objects(s, t.get(), item);
    s.m = mode::object;
    if (!s.total)
        return false;
    // After the C long loop comes the C double one; after that, objects only.
    if (after_long && PyFloat_CheckExact(s.total.get()))
    {
        s.f = PyFloat_AS_DOUBLE(s.total.get());
        s.m = mode::c_double;
        s.total.reset();
    }
    return true;
}

// An int's value when it has at most one digit (3.11 layout: the sign of ob_size is the sign, its
// magnitude the digit count; a digit is 30 bits, so it fits a long). The common case, read without a
// call into libpython.
bool small_int(PyObject* item, long* value)
{
    Py_ssize_t size = Py_SIZE(item);
    if (size < -1 || size > 1)
        return false;
    auto* digits = reinterpret_cast<PyLongObject*>(item)->ob_digit;
    *value = size == 0 ? 0 : size * static_cast<long>(digits[0]);
    return true;
}

// One item into the total. False with an exception set.
bool add(active_sum& s, PyObject* item)
{
    if (s.m == mode::c_long)
    {
        if (PyLong_CheckExact(item) || PyBool_Check(item))
        {
            int overflow = 0;
            long b = 0;
            if (!small_int(item, &b))
                b = PyLong_AsLongAndOverflow(item, &overflow);
            if (overflow == 0 && (s.i >= 0 ? b <= LONG_MAX - s.i : b >= LONG_MIN - s.i))
            {
                s.i += b;
                return true;
            }
        }
        return add_as_objects(s, item, true);
    }
    if (s.m == mode::c_double)
    {
        if (PyFloat_CheckExact(item))
        {
            s.f += PyFloat_AS_DOUBLE(item);
            return true;
        }
        if (PyLong_Check(item))
        {
            int overflow = 0;
            long v = PyLong_AsLongAndOverflow(item, &overflow);
            if (overflow == 0)
            {
                s.f += static_cast<double>(v);
                return true;
            }
        }
        return add_as_objects(s, item, false);
    }
    py_ref lhs = std::move(s.total); // alive through the call, as builtin_sum_impl's `result`
    s.total = add_objects(s, lhs.get(), item);
    return static_cast<bool>(s.total);
}

py_ref total_now(const active_sum& s)
{
    if (s.m == mode::c_long)
        return py_ref::steal(PyLong_FromLong(s.i));
    if (s.m == mode::c_double)
        return py_ref::steal(PyFloat_FromDouble(s.f));
    return py_ref::borrow(s.total.get());
}

// The loop from the iterator's next item on.
PyObject* run(active_sum& s)
{
    iternextfunc next = Py_TYPE(s.it.get())->tp_iternext;
    for (;;)
    {
        // tp_iternext returns NULL with no exception set at the end, or StopIteration for a generator
        // that returned a value: all PyIter_Next adds is clearing that.
        py_ref item = py_ref::steal(next(s.it.get()));
        if (!item)
        {
            if (PyErr_Occurred() && !PyErr_ExceptionMatches(PyExc_StopIteration))
                return nullptr;
            PyErr_Clear();
            return total_now(s).release();
        }
        if (!add(s, item.get()))
            return nullptr;
    }
}

PyObject* sum(PyObject*, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames)
{
    Py_ssize_t nkw = kwnames != nullptr ? PyTuple_GET_SIZE(kwnames) : 0;
    bool start_kw = nkw == 1 && PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kwnames, 0), "start") == 0;
    // sum(iterable, /, start=0); anything else is the original's to accept or refuse.
    if (nargs < 1 || nargs + nkw > 2 || (nkw == 1 && !start_kw))
        return PyObject_Vectorcall(original, args, static_cast<size_t>(nargs), kwnames);
    PyObject* start = nargs + nkw == 2 ? args[1] : nullptr;
    if (start != nullptr && (PyUnicode_Check(start) || PyBytes_Check(start) || PyByteArray_Check(start)))
        return PyObject_Vectorcall(original, args, static_cast<size_t>(nargs), kwnames); // its TypeError
    active_sum s;
    s.caller = PyThreadState_Get()->cframe->current_frame;
    s.it = py_ref::steal(PyObject_GetIter(args[0]));
    if (!s.it)
        return nullptr;
    s.total = start != nullptr ? py_ref::borrow(start) : py_ref::steal(PyLong_FromLong(0));
    if (!s.total)
        return nullptr;
    enter_c_mode(s);
    if (s.m == mode::object && PyFloat_CheckExact(s.total.get()))
    {
        s.f = PyFloat_AS_DOUBLE(s.total.get());
        s.m = mode::c_double;
        s.total.reset();
    }
    registry::entry r(&s);
    return run(s);
}

PyMethodDef sum_def = {"sum", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(sum)),
                       METH_FASTCALL | METH_KEYWORDS, nullptr};

} // namespace

void install()
{
    PyObject* builtins = PyImport_AddModule("builtins"); // borrowed
    PyObject* dict = builtins != nullptr ? PyModule_GetDict(builtins) : nullptr;
    PyObject* f = dict != nullptr ? PyDict_GetItemString(dict, "sum") : nullptr;
    if (f == nullptr || !PyCFunction_Check(f))
    {
        PyErr_Clear();
        return;
    }
    auto* fn = reinterpret_cast<PyCFunctionObject*>(f);
    if (fn->m_ml == &sum_def || fn->m_ml->ml_flags != (METH_FASTCALL | METH_KEYWORDS))
        return;
    Py_XSETREF(original, py_ref::borrow(f).release()); // held for the process
    sum_def.ml_doc = fn->m_ml->ml_doc;                 // same __doc__ and __text_signature__
    // Bound to the builtins module with its module name, as the original: __self__, __module__,
    // repr and pickling by reference are unchanged.
    py_ref mine = py_ref::steal(PyCFunction_NewEx(&sum_def, builtins, fn->m_module));
    if (!mine || PyDict_SetItemString(dict, "sum", mine.get()) < 0)
        PyErr_Clear();
}

py_ref total_of(cpy::iframe* caller, PyObject* generator)
{
    active_sum* s =
        registry::find([=](const active_sum& a)
                       { return a.caller == caller && a.it.get() == generator && a.item == nullptr; });
    return s != nullptr ? total_now(*s) : py_ref();
}

bool add_phase_of(cpy::iframe* caller, PyObject** lhs, PyObject** item, PyObject** iterator)
{
    active_sum* s = registry::find([=](const active_sum& a) { return a.caller == caller; });
    if (s == nullptr || s->item == nullptr)
        return false;
    *lhs = s->lhs;
    *item = s->item;
    *iterator = s->it.get();
    return true;
}

PyObject* finish(PyObject* iterator, PyObject* total)
{
    // After the first object-mode step builtin_sum_impl stays with objects: PyNumber_Add per item.
    active_sum s;
    s.it = py_ref::borrow(iterator);
    s.total = py_ref::steal(total);
    if (!s.total)
        return nullptr;
    return run(s);
}

} // namespace suspendable::frames::running_sum
