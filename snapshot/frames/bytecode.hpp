// Decoding CPython 3.11 bytecode (internal to snapshot/frames). Works on the de-optimised code
// (PyCode_GetCode): a live frame's co_code_adaptive holds quickened opcodes and inline caches.
#pragma once

#include "cpython311.hpp"

#include <cstdint>
#include <vector>

namespace suspendable::frames::bytecode
{

struct instruction
{
    int index = 0;  // code unit of the opcode (after any EXTENDED_ARG prefix)
    int start = 0;  // code unit of the first EXTENDED_ARG prefix, or index
    int opcode = 0;
    int oparg = 0;
    int next = 0;   // code unit of the next instruction (after the inline caches)
};

// The de-optimised code units of a code object.
class code_units
{
public:
    explicit code_units(PyObject* code);
    int size() const { return static_cast<int>(m_units.size()); }
    // Decodes the instruction whose opcode (or first EXTENDED_ARG) is at code unit `at`.
    instruction decode(int at) const;
    // All instructions in order.
    std::vector<instruction> all() const;
    // The instruction that contains code unit `unit` (an opcode, its EXTENDED_ARG prefix or a cache).
    instruction containing(int unit) const;

private:
    std::vector<uint16_t> m_units;
};

// Number of inline cache units that follow `opcode` (3.11: _PyOpcode_Caches, not exported by libpython).
int cache_entries(int opcode);

// Jump target of a relative jump instruction, or -1 if it does not jump.
int jump_target(const instruction& ins);

struct exception_entry
{
    int start, end, target, depth;
    bool lasti;
};
std::vector<exception_entry> exception_table(PyObject* code);

} // namespace suspendable::frames::bytecode

namespace suspendable::frames
{
// stack_depths() of a code object, computed once per code object (the cache keeps it alive).
const std::vector<int>& cached_stack_depths(PyObject* code);
} // namespace suspendable::frames
