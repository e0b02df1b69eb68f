// The engine's builtin Python modules, registered in every embedded interpreter the binary starts
// (kernel, run, resume). Python code reaches the engine only through these.
#pragma once

struct _object;

namespace suspendable
{

// `_suspendable_engine`: frame capture/restore, safe-point trigger, unwind (snapshot/frames, graph).
_object* init_engine_module();

// `_suspendable_format`: snapshot files - header, manifest, sections, signature, atomic write
// (snapshot/format).
_object* init_format_module();

} // namespace suspendable
