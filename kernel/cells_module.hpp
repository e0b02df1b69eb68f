// `_suspendable_cells`: runs one top-level code object (a notebook cell, a REPL statement) as the base
// frame of a possible suspension, continues a captured chain in this process, and takes a suspended
// chain off the stack silently. Used by every front end that keeps running after a suspend (the kernel,
// the console REPL); `suspendable run` needs none of it (it exits instead of unwinding).
#pragma once

struct _object;

namespace suspendable
{

// Module init for PyImport_AppendInittab (every embedded interpreter of the binary has it).
_object* init_cells_module();

} // namespace suspendable
