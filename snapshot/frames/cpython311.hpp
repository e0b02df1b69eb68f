// CPython 3.11 internals used by the frame engine. Include this header only from snapshot/frames/*.cpp:
// it is the one place that knows the layout of _PyInterpreterFrame and PyGenObject.
//
// pycore_frame.h is stable across 3.11 patch releases (byte-identical in 3.11.2 and 3.11.7). Internal
// headers need Py_BUILD_CORE; pulled into C++ they drag in pycore_atomic.h, whose <stdatomic.h> branch
// does not compile as C++, hence the HAVE_STD_ATOMIC undef (the GCC-builtin branch is used instead).
#pragma once

#ifndef Py_BUILD_CORE
#define Py_BUILD_CORE 1
#endif
#include "py_ref.hpp"
#undef HAVE_STD_ATOMIC
#include <frameobject.h>
#include <internal/pycore_frame.h>
#include <opcode.h>

#if PY_VERSION_HEX < 0x030B0000 || PY_VERSION_HEX >= 0x030C0000
#error "snapshot/frames is the CPython 3.11 implementation"
#endif

namespace suspendable::frames::cpy
{

using iframe = _PyInterpreterFrame;

inline iframe* of(PyFrameObject* f) { return f->f_frame; }

inline int nlocalsplus(const iframe* f) { return f->f_code->co_nlocalsplus; }

inline int lasti(const iframe* f) { return _PyInterpreterFrame_LASTI(f); }

// The value stack of f, valid only while f->stacktop >= nlocalsplus (see frame_capture.cpp).
inline PyObject** stack_base(iframe* f) { return f->localsplus + nlocalsplus(f); }

// _PyFrame_GetGenerator: a generator's frame (FRAME_OWNED_BY_GENERATOR) is embedded in it at gi_iframe.
inline PyGenObject* generator_of(iframe* f)
{
    return reinterpret_cast<PyGenObject*>(reinterpret_cast<char*>(f) - offsetof(PyGenObject, gi_iframe));
}

// Objects/iterobject.c seqiterobject (iter() of an object with only __getitem__; PySeqIter_Type), a
// struct private to that file, identical in every 3.11 release.
struct seqiter
{
    PyObject_HEAD
    Py_ssize_t it_index;
    PyObject* it_seq; // NULL once exhausted
};

} // namespace suspendable::frames::cpy

namespace suspendable::frames
{

// PyImport_ImportModule without PyImport_Import's lookup of `__import__` in the builtins of the running
// frame's globals: the engine runs inside any frame, including code eval'ed with `{"__builtins__": {}}`
// (collections.namedtuple), where that lookup raises KeyError. New reference or NULL with an error.
inline PyObject* import_module(const char* name)
{
    return PyImport_ImportModuleLevel(name, nullptr, nullptr, nullptr, 0);
}

} // namespace suspendable::frames
