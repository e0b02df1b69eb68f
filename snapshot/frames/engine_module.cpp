// _suspendable_engine: the Python face of the frame engine (frame_engine.hpp). C++ exceptions stop here
// and become Python exceptions.
#include "engine_module.hpp"
#include "frames/cpython311.hpp"
#include "frames/frame_engine.hpp"
#include "frames/keyed_sort.hpp"
#include "frames/min_max.hpp"
#include "frames/reduce.hpp"
#include "frames/running_sum.hpp"

#include <cstring>
#include <dirent.h>
#include <stdexcept>
#include <string>
#include <vector>

namespace suspendable
{

namespace
{

// Runs `body`, turning C++ exceptions into Python ones; returns NULL when an exception is set.
template <typename F>
PyObject* guarded(F&& body)
{
    try
    {
        return body();
    }
    catch (const python_error&)
    {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_RuntimeError, "frame engine: error without an exception");
        return nullptr;
    }
    catch (const std::invalid_argument& e)
    {
        PyErr_SetString(PyExc_ValueError, e.what());
        return nullptr;
    }
    catch (const std::exception& e)
    {
        PyErr_SetString(PyExc_RuntimeError, e.what());
        return nullptr;
    }
}

PyObject* none() { return py_ref::borrow(Py_None).release(); }

PyObject* capture(PyObject*, PyObject* args)
{
    PyObject *frame, *base;
    int mode = frames::resume_before;
    if (!PyArg_ParseTuple(args, "O!O!|i:capture", &PyFrame_Type, &frame, &PyCode_Type, &base, &mode))
        return nullptr;
    return guarded([&] {
        return frames::capture_chain(reinterpret_cast<PyFrameObject*>(frame), base,
                                     static_cast<frames::resume_mode>(mode))
            .release();
    });
}

// capture_caller(base_code, up=1): capture the chain of the Python frame `up` levels above the caller of
// this function, which must be stopped in a Python call (e.g. user code calling checkpoint()).
PyObject* capture_caller(PyObject*, PyObject* args)
{
    PyObject* base;
    int up = 1;
    if (!PyArg_ParseTuple(args, "O!|i:capture_caller", &PyCode_Type, &base, &up))
        return nullptr;
    return guarded([&] {
        // The target's state (stacktop, prev_instr at the CALL's last cache) is valid only if its callee
        // was entered by an inlined Python call; the frames further down are not captured, so how they
        // were entered (a magic called through fn(*args) from C) does not matter.
        py_ref f = py_ref::borrow(reinterpret_cast<PyObject*>(PyEval_GetFrame()));
        bool callee_inlined = true;
        for (int i = 0; i < up && f; i++)
        {
            callee_inlined = !frames::cpy::of(reinterpret_cast<PyFrameObject*>(f.get()))->is_entry;
            f = py_ref::steal(reinterpret_cast<PyObject*>(PyFrame_GetBack(reinterpret_cast<PyFrameObject*>(f.get()))));
        }
        if (!f)
            throw std::runtime_error("no calling frame");
        if (!callee_inlined)
            throw std::runtime_error("checkpoint() must be called directly from Python code");
        return frames::capture_chain(reinterpret_cast<PyFrameObject*>(f.get()), base, frames::resume_after).release();
    });
}

PyObject* resume(PyObject*, PyObject* args, PyObject* kwargs)
{
    static const char* kwlist[] = {"frames", "exc_value", "send", "detached", nullptr};
    PyObject *frames_list, *exc, *send = nullptr;
    int detached = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O!O|O$p:resume", const_cast<char**>(kwlist), &PyList_Type,
                                     &frames_list, &exc, &send, &detached))
        return nullptr;
    return guarded([&] { return frames::resume_chain(frames_list, exc, send, detached != 0).release(); });
}

PyObject* run_detached(PyObject*, PyObject* args)
{
    PyObject *code, *globals;
    if (!PyArg_ParseTuple(args, "O!O!:run_detached", &PyCode_Type, &code, &PyDict_Type, &globals))
        return nullptr;
    return guarded([&] { return frames::run_detached(code, globals).release(); });
}

PyObject* gen_capture(PyObject*, PyObject* gen)
{
    return guarded([&] { return frames::capture_generator(gen).release(); });
}

PyObject* gen_restore(PyObject*, PyObject* args)
{
    PyObject *gen, *state;
    if (!PyArg_ParseTuple(args, "OO:gen_restore", &gen, &state))
        return nullptr;
    return guarded([&] {
        frames::restore_generator(gen, state);
        return none();
    });
}

PyObject* stack_depths(PyObject*, PyObject* code)
{
    return guarded([&] {
        std::vector<int> d = frames::stack_depths(code);
        py_ref list = check(PyList_New(static_cast<Py_ssize_t>(d.size())));
        for (size_t i = 0; i < d.size(); i++)
            PyList_SET_ITEM(list.get(), static_cast<Py_ssize_t>(i), check(PyLong_FromLong(d[i])).release());
        return list.release();
    });
}

PyObject* plain_layout(PyObject*, PyObject* type)
{
    if (!PyType_Check(type))
    {
        PyErr_SetString(PyExc_TypeError, "plain_layout() takes a class");
        return nullptr;
    }
    return PyBool_FromLong(frames::plain_layout(reinterpret_cast<PyTypeObject*>(type)));
}

// frame_info(frame) -> (lasti, stack depth or -1, is_entry, owner): for tests and diagnostics.
PyObject* frame_info(PyObject*, PyObject* frame)
{
    if (!PyFrame_Check(frame))
    {
        PyErr_SetString(PyExc_TypeError, "frame expected");
        return nullptr;
    }
    frames::cpy::iframe* f = frames::cpy::of(reinterpret_cast<PyFrameObject*>(frame));
    int depth = f->stacktop < frames::cpy::nlocalsplus(f) ? -1 : f->stacktop - frames::cpy::nlocalsplus(f);
    return Py_BuildValue("(iiii)", frames::cpy::lasti(f), depth, static_cast<int>(f->is_entry),
                         static_cast<int>(f->owner));
}

// make_frame(code, globals, lasti): a frame object that is not running, standing in for a saved frame
// object (a traceback's tb_frame, a finished frame a program holds): code, globals and position are right;
// it has no f_back and no locals. A restored frame of the chain may adopt it (frame_restore.cpp).
PyObject* make_frame(PyObject*, PyObject* args)
{
    PyObject *code, *globals;
    int lasti;
    if (!PyArg_ParseTuple(args, "O!O!i:make_frame", &PyCode_Type, &code, &PyDict_Type, &globals, &lasti))
        return nullptr;
    auto* co = reinterpret_cast<PyCodeObject*>(code);
    if (lasti < 0 || lasti >= Py_SIZE(co))
    {
        PyErr_SetString(PyExc_ValueError, "lasti outside the code");
        return nullptr;
    }
    PyFrameObject* f = PyFrame_New(PyThreadState_Get(), co, globals, nullptr);
    if (f == nullptr)
        return nullptr;
    // PyFrame_New's frame is owned by the frame object and not running: its position is prev_instr.
    frames::cpy::of(f)->prev_instr = _PyCode_CODE(co) + lasti;
    return reinterpret_cast<PyObject*>(f);
}

// text_reader_state(f) -> (unread decoded text, decoder) of an io.TextIOWrapper, or None.
// `for line in f` disables f.tell() (Modules/_io/textio.c keeps no snapshot while iterating); the
// position can still be derived from what the wrapper decoded but did not hand out yet. That state is
// in textio's private struct, whose 3.11 layout is mirrored here and validated against public
// attributes (buffer, _CHUNK_SIZE, encoding) before anything is read: on any mismatch, None.
struct textio_311
{
    PyObject_HEAD
    int ok;
    int detached;
    Py_ssize_t chunk_size;
    PyObject* buffer;
    PyObject* encoding;
    PyObject* encoder;
    PyObject* decoder;
    PyObject* readnl;
    PyObject* errors;
    const char* writenl;
    char line_buffering, write_through, readuniversal, readtranslate, writetranslate, seekable, has_read1, telling,
        finalizing;
    void* encodefunc;
    char encoding_start_of_stream;
    PyObject* decoded_chars;
    Py_ssize_t decoded_chars_used;
};

// The wrapper's private struct when `f` is an io.TextIOWrapper whose layout matches textio_311, else
// nullptr (no exception set).
const textio_311* validated_textio(PyObject* f)
{
    py_ref io = py_ref::steal(suspendable::frames::import_module("io"));
    py_ref text_type = io ? py_ref::steal(PyObject_GetAttrString(io.get(), "TextIOWrapper")) : py_ref();
    if (!text_type || !Py_IS_TYPE(f, reinterpret_cast<PyTypeObject*>(text_type.get())))
    {
        PyErr_Clear();
        return nullptr;
    }
    const auto* t = reinterpret_cast<const textio_311*>(f);
    py_ref buffer = py_ref::steal(PyObject_GetAttrString(f, "buffer"));
    py_ref chunk = py_ref::steal(PyObject_GetAttrString(f, "_CHUNK_SIZE"));
    py_ref encoding = py_ref::steal(PyObject_GetAttrString(f, "encoding"));
    py_ref errors = py_ref::steal(PyObject_GetAttrString(f, "errors"));
    if (!buffer || !chunk || !encoding || !errors)
    {
        PyErr_Clear();
        return nullptr;
    }
    bool layout_ok = t->ok == 1 && t->detached == 0 && t->buffer == buffer.get() &&
                     PyLong_AsSsize_t(chunk.get()) == t->chunk_size && t->encoding == encoding.get() &&
                     t->errors == errors.get() && (t->readnl == nullptr || PyUnicode_Check(t->readnl)) &&
                     (t->decoded_chars == nullptr || PyUnicode_Check(t->decoded_chars)) &&
                     t->decoded_chars_used >= 0 &&
                     (t->decoded_chars == nullptr || t->decoded_chars_used <= PyUnicode_GET_LENGTH(t->decoded_chars));
    PyErr_Clear();
    return layout_ok ? t : nullptr;
}

PyObject* text_reader_state(PyObject*, PyObject* f)
{
    const textio_311* t = validated_textio(f);
    if (t == nullptr)
        return none();
    py_ref rest = t->decoded_chars == nullptr
                      ? check(PyUnicode_FromString(""))
                      : check(PyUnicode_Substring(t->decoded_chars, t->decoded_chars_used,
                                                  PyUnicode_GET_LENGTH(t->decoded_chars)));
    return Py_BuildValue("(NO)", rest.release(), t->decoder != nullptr ? t->decoder : Py_None);
}

// text_newline(f) -> (newline,) as open() was given it, or None. TextIOWrapper.__init__ (textio.c)
// sets readtranslate exactly for newline=None, readuniversal for None and "", and keeps any other
// newline as readnl; nothing public tells them apart.
PyObject* text_newline(PyObject*, PyObject* f)
{
    const textio_311* t = validated_textio(f);
    if (t == nullptr)
        return none();
    if (t->readtranslate)
        return Py_BuildValue("(O)", Py_None);
    if (t->readuniversal)
        return Py_BuildValue("(s)", "");
    if (t->readnl == nullptr)
        return none();
    return Py_BuildValue("(O)", t->readnl);
}

// functools.lru_cache / cache keep their entries in C (Modules/_functoolsmodule.c, 3.11 layout mirrored
// here): a saved wrapper used to come back empty, so a memoized function ran - and printed - again. The
// mirror is trusted only when it agrees with everything public: type name and size, the wrapped function,
// cache_info() (hits, misses, maxsize, currsize), the entry type's name.
struct lru_elem_311
{
    PyObject_HEAD lru_elem_311* prev;
    lru_elem_311* next;
    Py_hash_t hash;
    PyObject* key;
    PyObject* result;
};

struct lru_cache_311
{
    lru_elem_311 root; // its PyObject_HEAD is the wrapper's
    void* wrapper;
    int typed;
    PyObject* cache;
    Py_ssize_t hits;
    PyObject* func;
    Py_ssize_t maxsize; // -1: unbounded (a key -> result dict); 0: no cache; else key -> elem, LRU list
    Py_ssize_t misses;
    PyObject* kwd_mark;
    PyTypeObject* lru_list_elem_type;
    PyObject* cache_info_type;
    PyObject* dict;
    PyObject* weakreflist;
};

lru_cache_311* validated_lru_cache(PyObject* w)
{
    if (std::string(Py_TYPE(w)->tp_name) != "functools._lru_cache_wrapper" ||
        Py_TYPE(w)->tp_basicsize != static_cast<Py_ssize_t>(sizeof(lru_cache_311)))
        return nullptr;
    auto* c = reinterpret_cast<lru_cache_311*>(w);
    py_ref info = py_ref::steal(PyObject_CallMethod(w, "cache_info", nullptr));
    py_ref wrapped = py_ref::steal(PyObject_GetAttrString(w, "__wrapped__"));
    if (!info || !wrapped || !PyTuple_Check(info.get()) || PyTuple_GET_SIZE(info.get()) != 4)
    {
        PyErr_Clear();
        return nullptr;
    }
    auto field = [&](int i) { return PyLong_AsSsize_t(PyTuple_GET_ITEM(info.get(), i)); };
    PyObject* maxsize = PyTuple_GET_ITEM(info.get(), 2);
    bool ok = c->func == wrapped.get() && c->cache != nullptr && PyDict_CheckExact(c->cache) &&
              c->hits == field(0) && c->misses == field(1) && PyDict_GET_SIZE(c->cache) == field(3) &&
              (maxsize == Py_None ? c->maxsize == -1 : c->maxsize == PyLong_AsSsize_t(maxsize)) &&
              c->kwd_mark != nullptr && c->lru_list_elem_type != nullptr &&
              std::string(c->lru_list_elem_type->tp_name) == "functools._lru_list_elem" &&
              c->lru_list_elem_type->tp_basicsize == static_cast<Py_ssize_t>(sizeof(lru_elem_311));
    PyErr_Clear();
    return ok ? c : nullptr;
}

// lru_cache_state(wrapper) -> ([(key, result)...] least recently used first, hits, misses, kwd_mark), or
// None if the layout is not the one mirrored.
PyObject* lru_cache_state(PyObject*, PyObject* w)
{
    lru_cache_311* c = validated_lru_cache(w);
    if (c == nullptr)
        return none();
    return guarded(
        [&]
        {
            py_ref entries = check(PyList_New(0));
            if (c->maxsize == -1)
            {
                Py_ssize_t pos = 0;
                PyObject *key, *value;
                while (PyDict_Next(c->cache, &pos, &key, &value))
                {
                    py_ref pair = check(PyTuple_Pack(2, key, value));
                    check_status(PyList_Append(entries.get(), pair.get()));
                }
            }
            else
            {
                for (lru_elem_311* e = c->root.next; e != &c->root; e = e->next)
                {
                    py_ref pair = check(PyTuple_Pack(2, e->key, e->result));
                    check_status(PyList_Append(entries.get(), pair.get()));
                }
            }
            return Py_BuildValue("(NnnO)", entries.release(), c->hits, c->misses, c->kwd_mark);
        });
}

// lru_cache_fill(wrapper, entries, hits, misses): puts entries (least recently used first) into an empty
// cache as its wrappers do (bounded: an element the dict owns one reference to and the list the other,
// appended at the most recent end). False if the layout is not the one mirrored or the cache is in use.
PyObject* lru_cache_fill(PyObject*, PyObject* args)
{
    PyObject *w, *entries;
    Py_ssize_t hits, misses;
    if (!PyArg_ParseTuple(args, "OO!nn:lru_cache_fill", &w, &PyList_Type, &entries, &hits, &misses))
        return nullptr;
    lru_cache_311* c = validated_lru_cache(w);
    if (c == nullptr || PyDict_GET_SIZE(c->cache) != 0 || c->maxsize == 0)
        return py_ref::borrow(Py_False).release();
    return guarded(
        [&]
        {
            Py_ssize_t n = PyList_GET_SIZE(entries);
            Py_ssize_t first = c->maxsize > 0 && n > c->maxsize ? n - c->maxsize : 0;
            for (Py_ssize_t i = first; i < n; i++)
            {
                PyObject* pair = PyList_GET_ITEM(entries, i);
                if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2)
                    throw std::invalid_argument("lru_cache_fill: (key, result) pairs expected");
                PyObject* key = PyTuple_GET_ITEM(pair, 0);
                PyObject* result = PyTuple_GET_ITEM(pair, 1);
                if (c->maxsize == -1)
                {
                    check_status(PyDict_SetItem(c->cache, key, result));
                    continue;
                }
                Py_hash_t hash = PyObject_Hash(key);
                if (hash == -1)
                    throw python_error();
                auto* e = PyObject_New(lru_elem_311, c->lru_list_elem_type);
                if (e == nullptr)
                    throw python_error();
                e->hash = hash;
                e->key = py_ref::borrow(key).release();
                e->result = py_ref::borrow(result).release();
                e->prev = e->next = nullptr;
                if (_PyDict_SetItem_KnownHash(c->cache, key, reinterpret_cast<PyObject*>(e), hash) < 0)
                {
                    Py_DECREF(e);
                    throw python_error();
                }
                lru_elem_311* last =
                    c->root.prev; // lru_cache_append_link: the list keeps the creation reference
                last->next = c->root.prev = e;
                e->prev = last;
                e->next = &c->root;
            }
            c->hits = hits;
            c->misses = misses;
            return py_ref::borrow(Py_True).release();
        });
}

// A set iterates in the order of its hash table, which depends on the whole history of insertions and
// deletions, not only on its elements: rebuilt at resume (as pickle rebuilds it) it may iterate in
// another order than the program's would have. Its table (public: cpython/setobject.h) is saved as it
// is - each element with its slot and hash, the dummies deletions left, the pop() finger - and laid out
// again once loaded, only if every element hashes the same in the new process (str hashes differ unless
// PYTHONHASHSEED is fixed): a slot is only valid on its element's probe sequence.

// set_layout(s) -> (mask, [(slot, hash, element)...], [dummy slots], finger): see set_relayout.
PyObject* set_layout(PyObject*, PyObject* s)
{
    if (!PyAnySet_Check(s))
    {
        PyErr_SetString(PyExc_TypeError, "set_layout: a set or frozenset expected");
        return nullptr;
    }
    auto* so = reinterpret_cast<PySetObject*>(s);
    return guarded(
        [&]
        {
            py_ref entries = check(PyList_New(0));
            py_ref dummies = check(PyList_New(0));
            for (Py_ssize_t i = 0; i <= so->mask; i++)
            {
                const setentry& e = so->table[i];
                if (e.key == nullptr)
                    continue;
                py_ref item = e.key == _PySet_Dummy ? check(PyLong_FromSsize_t(i))
                                                    : check(Py_BuildValue("(nnO)", i, e.hash, e.key));
                check_status(
                    PyList_Append(e.key == _PySet_Dummy ? dummies.get() : entries.get(), item.get()));
            }
            return Py_BuildValue("(nNNn)", so->mask, entries.release(), dummies.release(), so->finger);
        });
}

// set_relayout(s, mask, entries, dummies, finger) -> bool: `s`, a set or frozenset holding exactly the
// saved elements (as a load made it), takes the saved table. False, with `s` untouched, if an element
// hashes differently here or the layout does not fit the set. A frozenset's hash does not depend on the
// order, so a hash it already computed stays right.
PyObject* set_relayout(PyObject*, PyObject* args)
{
    PyObject *s, *entries, *dummies;
    Py_ssize_t mask, finger;
    if (!PyArg_ParseTuple(args, "OnO!O!n:set_relayout", &s, &mask, &PyList_Type, &entries, &PyList_Type,
                          &dummies, &finger))
        return nullptr;
    if (!PySet_CheckExact(s) && !PyFrozenSet_CheckExact(s))
        return py_ref::borrow(Py_False).release();
    auto* so = reinterpret_cast<PySetObject*>(s);
    Py_ssize_t size = mask + 1, n = PyList_GET_SIZE(entries), nd = PyList_GET_SIZE(dummies);
    if (size < PySet_MINSIZE || (size & mask) != 0 || n != so->used || n + nd >= size || finger < 0 ||
        finger > mask)
        return py_ref::borrow(Py_False).release();
    std::vector<PyObject*> old_keys; // borrowed here; the old table's references are dropped at the end
    for (Py_ssize_t i = 0; i <= so->mask; i++)
    {
        if (so->table[i].key != nullptr && so->table[i].key != _PySet_Dummy)
            old_keys.push_back(so->table[i].key);
    }
    std::vector<bool> taken(static_cast<size_t>(size), false);
    auto claim = [&](PyObject* slot_obj)
    {
        Py_ssize_t slot = PyLong_AsSsize_t(slot_obj);
        if (slot < 0 || slot > mask || taken[static_cast<size_t>(slot)])
            return false;
        taken[static_cast<size_t>(slot)] = true;
        return true;
    };
    for (Py_ssize_t k = 0; k < n; k++)
    {
        PyObject* t = PyList_GET_ITEM(entries, k);
        // An element of the set, or an equal atom (pickle does not share ints and strs): n distinct
        // slots holding elements of a set of n elements are all of them.
        if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) != 3 || !claim(PyTuple_GET_ITEM(t, 0)) ||
            PySet_Contains(s, PyTuple_GET_ITEM(t, 2)) != 1)
        {
            PyErr_Clear();
            return py_ref::borrow(Py_False).release();
        }
        Py_hash_t hash = PyObject_Hash(PyTuple_GET_ITEM(t, 2));
        if (hash == -1 || hash != PyLong_AsSsize_t(PyTuple_GET_ITEM(t, 1)))
        {
            PyErr_Clear();
            return py_ref::borrow(Py_False).release();
        }
    }
    for (Py_ssize_t k = 0; k < nd; k++)
    {
        if (!claim(PyList_GET_ITEM(dummies, k)))
            return py_ref::borrow(Py_False).release();
    }
    PyErr_Clear();
    // The old table's references are dropped only once the new table holds its own.
    setentry* old_table = so->table;
    setentry* table = so->smalltable;
    if (size > PySet_MINSIZE)
    {
        table = PyMem_New(setentry, static_cast<size_t>(size));
        if (table == nullptr)
            return PyErr_NoMemory();
    }
    std::memset(table, 0, sizeof(setentry) * static_cast<size_t>(size));
    for (Py_ssize_t k = 0; k < n; k++)
    {
        PyObject* t = PyList_GET_ITEM(entries, k);
        setentry& e = table[PyLong_AsSsize_t(PyTuple_GET_ITEM(t, 0))];
        e.key = py_ref::borrow(PyTuple_GET_ITEM(t, 2)).release();
        e.hash = PyLong_AsSsize_t(PyTuple_GET_ITEM(t, 1));
    }
    for (Py_ssize_t k = 0; k < nd; k++)
    {
        setentry& e = table[PyLong_AsSsize_t(PyList_GET_ITEM(dummies, k))];
        e.key = _PySet_Dummy; // setobject.c never counts references to the dummy
        e.hash = -1;
    }
    so->table = table;
    so->mask = mask;
    so->used = n;
    so->fill = n + nd;
    so->finger = finger;
    if (old_table != so->smalltable && old_table != table)
        PyMem_Free(old_table);
    for (PyObject* key : old_keys)
        Py_DECREF(key);
    return py_ref::borrow(Py_True).release();
}

// re.finditer() iterates a scanner (Modules/_sre/sre.c) whose only state between two matches is where
// the next search starts (NULL once exhausted) and whether it must move past an empty match. The 3.11
// layout (_sre/sre.h) is mirrored and trusted only when it agrees with the public pattern, the string
// object and its data, and the scanner is not searching.
struct sre_repeat_311;
struct sre_state_311
{
    const void* ptr;
    const void* beginning;
    const void* start;
    const void* end;
    PyObject* string;
    Py_buffer buffer;
    Py_ssize_t pos, endpos;
    int isbytes;
    int charsize;
    int match_all;
    int must_advance;
    int lastmark;
    int lastindex;
    const void** mark;
    char* data_stack;
    size_t data_stack_size;
    size_t data_stack_base;
    sre_repeat_311* repeat;
};

struct sre_scanner_311
{
    PyObject_HEAD PyObject* pattern;
    sre_state_311 state;
    int executing;
};

sre_scanner_311* validated_scanner(PyObject* sc)
{
    if (std::string(Py_TYPE(sc)->tp_name) != "_sre.SRE_Scanner" ||
        Py_TYPE(sc)->tp_basicsize != static_cast<Py_ssize_t>(sizeof(sre_scanner_311)))
        return nullptr;
    auto* s = reinterpret_cast<sre_scanner_311*>(sc);
    py_ref pattern = py_ref::steal(PyObject_GetAttrString(sc, "pattern"));
    PyErr_Clear();
    const sre_state_311& st = s->state;
    if (!pattern || pattern.get() != s->pattern || s->executing != 0 || st.string == nullptr)
        return nullptr;
    Py_ssize_t length;
    const char* data;
    int charsize;
    if (PyUnicode_Check(st.string) && st.isbytes == 0)
    {
        length = PyUnicode_GET_LENGTH(st.string);
        data = static_cast<const char*>(PyUnicode_DATA(st.string));
        charsize = PyUnicode_KIND(st.string);
    }
    else if (PyBytes_Check(st.string) && st.isbytes == 1)
    {
        length = PyBytes_GET_SIZE(st.string);
        data = PyBytes_AS_STRING(st.string);
        charsize = 1;
    }
    else
        return nullptr; // a bytearray or memoryview can change under it: not claimed
    const char* begin = static_cast<const char*>(st.beginning);
    const char* start = static_cast<const char*>(st.start);
    // state_init: beginning = the data, end = data + endpos (clamped to the length), pos <= endpos
    bool ok = begin == data && st.charsize == charsize && st.pos >= 0 && st.pos <= st.endpos &&
              st.endpos <= length && static_cast<const char*>(st.end) == data + st.endpos * charsize &&
              (start == nullptr ||
               (start >= begin && start <= data + st.endpos * charsize && (start - begin) % charsize == 0)) &&
              (st.must_advance == 0 || st.must_advance == 1);
    return ok ? s : nullptr;
}

// scanner_state(sc) -> (pattern, string, pos, endpos, next search index or None, must_advance) or None.
PyObject* scanner_state(PyObject*, PyObject* sc)
{
    sre_scanner_311* s = validated_scanner(sc);
    if (s == nullptr)
        return none();
    const sre_state_311& st = s->state;
    py_ref index = st.start == nullptr
                       ? py_ref::borrow(Py_None)
                       : py_ref::steal(PyLong_FromSsize_t(
                             (static_cast<const char*>(st.start) - static_cast<const char*>(st.beginning)) /
                             st.charsize));
    if (!index)
        return nullptr;
    return Py_BuildValue("(OOnnOi)", s->pattern, st.string, st.pos, st.endpos, index.get(), st.must_advance);
}

// scanner_set(sc, index or None, must_advance) -> bool: a fresh scanner of the same string goes on from
// there (as scanner_search leaves it after a match).
PyObject* scanner_set(PyObject*, PyObject* args)
{
    PyObject *sc, *index;
    int must_advance;
    if (!PyArg_ParseTuple(args, "OOp:scanner_set", &sc, &index, &must_advance))
        return nullptr;
    sre_scanner_311* s = validated_scanner(sc);
    if (s == nullptr)
        return py_ref::borrow(Py_False).release();
    sre_state_311& st = s->state;
    if (index == Py_None)
        st.start = nullptr;
    else
    {
        Py_ssize_t i = PyLong_AsSsize_t(index);
        if (i == -1 && PyErr_Occurred())
            return nullptr;
        if (i < st.pos || i > st.endpos)
            return py_ref::borrow(Py_False).release();
        st.start = st.ptr = static_cast<const char*>(st.beginning) + i * st.charsize;
    }
    st.must_advance = must_advance;
    return py_ref::borrow(Py_True).release();
}

// os.scandir() iterators (Modules/posixmodule.c ScandirIterator) keep an open DIR* until they are
// exhausted or closed, then NULL. 3.11 layout (Linux), trusted only with its type name and size and
// path_t's function name, which scandir() sets.
struct path_311
{
    const char* function_name;
    const char* argument_name;
    int nullable;
    int allow_fd;
    const wchar_t* wide;
    const char* narrow;
    int fd;
    Py_ssize_t length;
    PyObject* object;
    PyObject* cleanup;
};

struct scandir_iterator_311
{
    PyObject_HEAD path_311 path;
    void* dirp;
    int fd;
};

const scandir_iterator_311* validated_scandir(PyObject* it)
{
    if (std::string(Py_TYPE(it)->tp_name) != "posix.ScandirIterator" ||
        Py_TYPE(it)->tp_basicsize != static_cast<Py_ssize_t>(sizeof(scandir_iterator_311)))
        return nullptr;
    const auto* si = reinterpret_cast<const scandir_iterator_311*>(it);
    if (si->path.function_name == nullptr || std::strcmp(si->path.function_name, "scandir") != 0)
        return nullptr;
    return si;
}

// scandir_closed(it) -> True once the iterator let its directory go (exhausted or closed), False while
// it reads it, None if it is not a 3.11 ScandirIterator.
PyObject* scandir_closed(PyObject*, PyObject* it)
{
    const scandir_iterator_311* si = validated_scandir(it);
    return si != nullptr ? PyBool_FromLong(si->dirp == nullptr) : none();
}

// scandir_rest(it) -> (the path it was given, the names (bytes) it has not yielded yet), read through a
// second stream of the same directory placed where the iterator's is (telldir/seekdir: glibc's cookie is
// the directory offset the file system gave, valid on any stream of that directory), so the iterator
// itself does not move; None if it is not a 3.11 ScandirIterator reading a directory by path.
PyObject* scandir_rest(PyObject*, PyObject* it)
{
    const scandir_iterator_311* si = validated_scandir(it);
    if (si == nullptr || si->dirp == nullptr || si->path.fd != -1)
        return none();
    const char* dir = si->path.narrow != nullptr ? si->path.narrow : "."; // os_scandir_impl's default
    long where = telldir(static_cast<DIR*>(si->dirp));
    DIR* again = opendir(dir);
    if (again == nullptr)
        return PyErr_SetFromErrnoWithFilename(PyExc_OSError, dir);
    seekdir(again, where);
    py_ref names = py_ref::steal(PyList_New(0));
    for (dirent* e = readdir(again); names && e != nullptr; e = readdir(again))
    {
        if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0)
            continue;
        py_ref name = py_ref::steal(PyBytes_FromString(e->d_name));
        if (!name || PyList_Append(names.get(), name.get()) < 0)
            names.reset();
    }
    closedir(again);
    if (!names)
        return nullptr;
    return Py_BuildValue("(ON)", si->path.object != nullptr ? si->path.object : Py_None, names.release());
}

// itertools.pairwise has no pickle support in 3.11; its state is (it, old) in Modules/itertoolsmodule.c.
// The 3.11 layout is mirrored and checked by type name and tp_basicsize before any access.
struct pairwise_311
{
    PyObject_HEAD
    PyObject* it;
    PyObject* old;
};

bool is_pairwise(PyObject* o)
{
    return std::string(Py_TYPE(o)->tp_name) == "itertools.pairwise" &&
           Py_TYPE(o)->tp_basicsize == static_cast<Py_ssize_t>(sizeof(pairwise_311));
}

// code.co_positions() iterators (Objects/codeobject.c positionsiterator) have no pickle support; what
// they yielded so far is pi_offset / 2 entries (one per code unit). 3.11 layout, checked as above.
struct positions_iterator_311
{
    PyObject_HEAD
    PyCodeObject* pi_code;
    PyCodeAddressRange pi_range;
    int pi_offset;
    int pi_endline;
    int pi_column;
    int pi_endcolumn;
};

// positions_state(it) -> (code, entries already yielded) or None if it is not a 3.11 positions_iterator.
PyObject* positions_state(PyObject*, PyObject* it)
{
    if (std::string(Py_TYPE(it)->tp_name) != "positions_iterator" ||
        Py_TYPE(it)->tp_basicsize != static_cast<Py_ssize_t>(sizeof(positions_iterator_311)))
        return none();
    const auto* pi = reinterpret_cast<const positions_iterator_311*>(it);
    if (pi->pi_code == nullptr)
        return none();
    return Py_BuildValue("(Oi)", reinterpret_cast<PyObject*>(pi->pi_code), pi->pi_offset / 2);
}

// pairwise_state(p) -> (it, old or NULL sentinel) or None if p is not a 3.11 pairwise.
PyObject* pairwise_state(PyObject*, PyObject* p)
{
    if (!is_pairwise(p))
        return none();
    const auto* pw = reinterpret_cast<const pairwise_311*>(p);
    return Py_BuildValue("(OO)", pw->it != nullptr ? pw->it : Py_None,
                         pw->old != nullptr ? pw->old : frames::null_sentinel());
}

// pairwise_set_old(p, old): the element pairwise holds back (as after the iteration that read it).
PyObject* pairwise_set_old(PyObject*, PyObject* args)
{
    PyObject *p, *old;
    if (!PyArg_ParseTuple(args, "OO:pairwise_set_old", &p, &old))
        return nullptr;
    if (!is_pairwise(p))
    {
        PyErr_SetString(PyExc_TypeError, "itertools.pairwise (CPython 3.11) expected");
        return nullptr;
    }
    auto* pw = reinterpret_cast<pairwise_311*>(p);
    PyObject* value = old == frames::null_sentinel() ? nullptr : py_ref::borrow(old).release();
    Py_XSETREF(pw->old, value);
    return none();
}

PyObject* describe_blocker(PyObject*, PyObject* args)
{
    PyObject *frame, *base;
    if (!PyArg_ParseTuple(args, "O!O!:describe_blocker", &PyFrame_Type, &frame, &PyCode_Type, &base))
        return nullptr;
    return guarded([&] {
        std::string why = frames::describe_blocker(reinterpret_cast<PyFrameObject*>(frame), base);
        return why.empty() ? none() : check(PyUnicode_FromString(why.c_str())).release();
    });
}

PyObject* configure(PyObject*, PyObject* args, PyObject* kwargs)
{
    static const char* kwlist[] = {"base_code", "callback", "skip", "count_only", "timeout", "private_prefix",
                                   "on_abandon", nullptr};
    PyObject *base = Py_None, *callback = Py_None, *on_abandon = Py_None;
    long skip = 0;
    int count_only = 0;
    double timeout = 10.0;
    const char* prefix = "";
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|OOlpdsO:configure", const_cast<char**>(kwlist), &base,
                                     &callback, &skip, &count_only, &timeout, &prefix, &on_abandon))
        return nullptr;
    if (base != Py_None && !PyCode_Check(base))
    {
        PyErr_SetString(PyExc_TypeError, "base_code must be a code object");
        return nullptr;
    }
    frames::safe_point_config c;
    c.base_code = py_ref::borrow(base == Py_None ? nullptr : base);
    c.callback = py_ref::borrow(callback == Py_None ? nullptr : callback);
    c.skip = skip;
    c.count_only = count_only != 0;
    c.timeout = timeout;
    c.private_prefix = prefix;
    c.on_abandon = py_ref::borrow(on_abandon);
    frames::configure(std::move(c));
    return none();
}

PyObject* arm(PyObject*, PyObject*)
{
    frames::arm();
    return none();
}

// request(*args): usable directly as a signal.signal handler (it runs at the eval breaker, where the
// stack is not valid, so it only arms the tracer).
PyObject* request(PyObject*, PyObject*)
{
    frames::arm();
    return none();
}

PyObject* request_threadsafe(PyObject*, PyObject*)
{
    if (!frames::request_from_any_thread())
    {
        PyErr_SetString(PyExc_RuntimeError, "pending-call queue is full");
        return nullptr;
    }
    return none();
}

PyObject* disarm(PyObject*, PyObject*)
{
    frames::disarm();
    return none();
}

PyObject* counters(PyObject*, PyObject*)
{
    return Py_BuildValue("(ll)", frames::capturable_events(), frames::deferred_events());
}

PyObject* is_armed(PyObject*, PyObject*) { return PyBool_FromLong(frames::armed() ? 1 : 0); }

PyMethodDef methods[] = {
    {"capture", capture, METH_VARARGS, "capture(frame, base_code, mode=0) -> (frames, exc_value)"},
    {"capture_caller", capture_caller, METH_VARARGS,
     "capture_caller(base_code, up=1): capture the chain of a frame stopped in a call to Python code"},
    {"resume", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(resume)),
     METH_VARARGS | METH_KEYWORDS,
     "resume(frames, exc_value[, send], *, detached=False) -> the base frame's result"},
    {"run_detached", run_detached, METH_VARARGS,
     "run_detached(code, globals) -> result; the caller's frames are hidden from the program"},
    {"gen_capture", gen_capture, METH_O, "gen_capture(generator) -> state"},
    {"gen_restore", gen_restore, METH_VARARGS, "gen_restore(fresh_generator, state)"},
    {"stack_depths", stack_depths, METH_O, "stack_depths(code) -> list of depths per code unit (-1: none)"},
    {"scandir_closed", scandir_closed, METH_O,
     "scandir_closed(it) -> whether an os.scandir() iterator is done with its directory, or None"},
    {"scandir_rest", scandir_rest, METH_O,
     "scandir_rest(it) -> (path, names (bytes) an open os.scandir() iterator has still to yield), or None"},
    {"plain_layout", plain_layout, METH_O,
     "plain_layout(cls) -> True when an instance is only its __dict__ and __slots__ (classes made by class "
     "statements)"},
    {"frame_info", frame_info, METH_O, "frame_info(frame) -> (lasti, depth, is_entry, owner)"},
    {"make_frame", make_frame, METH_VARARGS, "make_frame(code, globals, lasti) -> a stand-in frame object"},
    {"pairwise_state", pairwise_state, METH_O, "pairwise_state(p) -> (iterator, held element) or None"},
    {"positions_state", positions_state, METH_O,
     "positions_state(code.co_positions() iterator) -> (code, entries yielded) or None"},
    {"pairwise_set_old", pairwise_set_old, METH_VARARGS, "pairwise_set_old(p, element)"},
    {"text_reader_state", text_reader_state, METH_O,
     "text_reader_state(textiowrapper) -> (unread decoded text, decoder) or None"},
    {"scanner_state", scanner_state, METH_O,
     "scanner_state(scanner) -> (pattern, string, pos, endpos, index or None, must_advance) or None"},
    {"scanner_set", scanner_set, METH_VARARGS, "scanner_set(scanner, index or None, must_advance) -> bool"},
    {"set_layout", set_layout, METH_O,
     "set_layout(s) -> (mask, [(slot, hash, element)...], [dummy slots], finger)"},
    {"set_relayout", set_relayout, METH_VARARGS, "set_relayout(s, mask, entries, dummies, finger) -> bool"},
    {"lru_cache_state", lru_cache_state, METH_O,
     "lru_cache_state(wrapper) -> ([(key, result)...], hits, misses, kwd_mark) or None"},
    {"lru_cache_fill", lru_cache_fill, METH_VARARGS,
     "lru_cache_fill(wrapper, entries, hits, misses) -> bool"},
    {"text_newline", text_newline, METH_O,
     "text_newline(textiowrapper) -> (newline,) as open() was given it, or None"},
    {"describe_blocker", describe_blocker, METH_VARARGS,
     "describe_blocker(frame, base_code) -> why the chain cannot be captured now, or None"},
    {"configure", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(configure)),
     METH_VARARGS | METH_KEYWORDS,
     "configure(base_code, callback, skip, count_only, timeout, private_prefix, on_abandon)"},
    {"arm", arm, METH_NOARGS, "install the safe-point tracer now"},
    {"request", request, METH_VARARGS, "request(*signal_handler_args): arm at the next safe point"},
    {"request_threadsafe", request_threadsafe, METH_NOARGS, "arm from any thread (Py_AddPendingCall)"},
    {"disarm", disarm, METH_NOARGS, "remove the safe-point tracer"},
    {"armed", is_armed, METH_NOARGS, "is the tracer installed"},
    {"counters", counters, METH_NOARGS, "(capturable line events, deferred line events)"},
    {nullptr, nullptr, 0, nullptr}};

PyModuleDef engine_def = {PyModuleDef_HEAD_INIT, "_suspendable_engine",
                          "suspendable frame engine (CPython 3.11)", -1, methods};

} // namespace

PyObject* init_engine_module()
{
    return guarded([] {
        py_ref m = check(PyModule_Create(&engine_def));
        // A unique object standing for empty slots; pickled by the session as a persistent reference.
        py_ref sentinel = check(PyObject_CallNoArgs(reinterpret_cast<PyObject*>(&PyBaseObject_Type)));
        frames::set_null_sentinel(sentinel.get());
        check_status(PyModule_AddObjectRef(m.get(), "NULL", sentinel.get()));
        check_status(PyModule_AddStringConstant(m.get(), "BUILT_FOR", PY_VERSION));
        // Before any program code runs: from here on a key function's frame under list.sort, sorted(),
        // min() or max(), reduce()'s function, and a generator's under sum(), min(), max() or reduce(),
        // can be captured.
        frames::keyed_sort::install();
        frames::running_sum::install();
        frames::min_max::install();
        frames::reduce::install();
        return m.release();
    });
}

} // namespace suspendable
