// Static value-stack depth of a CPython 3.11 code object: a forward data-flow pass over the
// de-optimised bytecode and the exception table, with the compiler's own stack effects
// (PyCompile_OpcodeStackEffectWithJump mirrors Python/compile.c:stack_effect).
//
// Invariants relied on (3.11):
// - an exception handler starts with depth entry.depth (+1 for the pushed lasti if entry.lasti) + 1 for
//   the exception (ceval.c exception_unwind);
// - only the innermost (first matching) exception-table entry covers an instruction;
// - RETURN_GENERATOR resumes with the sent value pushed (POP_TOP follows it);
// - compile.c counts call arguments as popped by PRECALL while ceval pops them in CALL: between the two,
//   the real depth is larger by PRECALL's oparg. Callers that look inside a call must add it.
#include "bytecode.hpp"
#include "frame_engine.hpp"

#include <stdexcept>
#include <string>
#include <utility>

namespace suspendable::frames
{

namespace
{

bool is_terminal(int op)
{
    return op == RETURN_VALUE || op == RAISE_VARARGS || op == RERAISE || op == JUMP_FORWARD ||
           op == JUMP_BACKWARD || op == JUMP_BACKWARD_NO_INTERRUPT;
}

int effect(const bytecode::instruction& ins, bool jump)
{
    int e = PyCompile_OpcodeStackEffectWithJump(ins.opcode, ins.oparg, jump ? 1 : 0);
    if (e == PY_INVALID_STACK_EFFECT)
        throw std::runtime_error("no stack effect for opcode " + std::to_string(ins.opcode));
    return e;
}

const bytecode::exception_entry* handler_for(const std::vector<bytecode::exception_entry>& table, int unit)
{
    for (const auto& e : table)
    {
        if (e.start <= unit && unit < e.end)
            return &e;
    }
    return nullptr;
}

} // namespace

std::vector<int> stack_depths(PyObject* code)
{
    bytecode::code_units units(code);
    auto table = bytecode::exception_table(code);
    std::vector<int> depth(static_cast<size_t>(units.size()), -1);
    std::vector<std::pair<int, int>> work = {{0, 0}};
    while (!work.empty())
    {
        auto [at, d] = work.back();
        work.pop_back();
        if (at < 0 || at >= units.size())
            throw std::runtime_error("jump outside the code");
        int& known = depth[static_cast<size_t>(at)];
        if (known >= 0)
        {
            if (known != d)
                throw std::runtime_error("inconsistent stack depth at unit " + std::to_string(at));
            continue;
        }
        known = d;
        bytecode::instruction ins = units.decode(at);
        if (ins.start != ins.index) // EXTENDED_ARG prefix: the real instruction has the same depth
            depth[static_cast<size_t>(ins.index)] = d;
        if (const auto* h = handler_for(table, ins.index))
            work.emplace_back(h->target, h->depth + (h->lasti ? 1 : 0) + 1);
        if (ins.opcode == RETURN_GENERATOR)
        {
            work.emplace_back(ins.next, d + 1);
            continue;
        }
        int target = bytecode::jump_target(ins);
        if (target >= 0)
            work.emplace_back(target, d + effect(ins, true));
        if (!is_terminal(ins.opcode) && ins.next < units.size())
            work.emplace_back(ins.next, d + effect(ins, false));
    }
    return depth;
}

} // namespace suspendable::frames

#include <unordered_map>

namespace suspendable::frames
{

const std::vector<int>& cached_stack_depths(PyObject* code)
{
    struct entry
    {
        py_ref code;
        std::vector<int> depths;
    };
    // Never destroyed: a static destructor would drop references after Py_FinalizeEx.
    static auto* cache = new std::unordered_map<PyObject*, entry>();
    auto it = cache->find(code);
    if (it == cache->end())
        it = cache->emplace(code, entry{py_ref::borrow(code), stack_depths(code)}).first;
    return it->second.depths;
}

} // namespace suspendable::frames
