// list.sort(key=...) with a key phase the engine can capture (internal to snapshot/frames).
//
// CPython 3.11 keeps a sort's keys and its position in the key loop in C locals of list_sort_impl, so a
// request inside a key function had to wait for the whole sort. install() replaces list.sort with a
// method that runs the key phase itself, recording its state where the capture can read it, then lets
// the original sort the items by those keys. sorted() looks `sort` up on its new list, so it runs the
// replacement too.
#pragma once

#include "cpython311.hpp"

#include <vector>

namespace suspendable::frames::keyed_sort
{

// Replaces list.sort in list's type dict (once per process; later calls do nothing).
void install();

// The key phase of the sort that `caller`'s current CALL started (list.sort or sorted), if one runs
// now: *list is the list being sorted, *key its key function (borrowed). False when none does.
bool key_phase_of(cpy::iframe* caller, PyObject** list, PyObject** key);

// The state of that key phase as link data (see trampoline.hpp, link "sort"), `returns_list` telling
// whether the call is sorted() (its result is the list) or list.sort (None).
void add_link_data(cpy::iframe* caller, bool returns_list, std::vector<py_ref>& data);

// Resume, before any frame runs: the list of a "sort" link goes back to the state list_sort_impl keeps
// it in while sorting (unless the program had changed it already), so that a change the restored key
// function makes is seen as it would have been.
void prepare(PyObject* link);

// Resume: the rest of the sort once the restored key function returned `key` (new reference, or NULL
// with an exception). The call's result (new reference), or NULL with an exception.
PyObject* finish(PyObject* link, PyObject* key);

} // namespace suspendable::frames::keyed_sort
