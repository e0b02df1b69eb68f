#include "bytecode.hpp"

#include <array>
#include <stdexcept>

namespace suspendable::frames::bytecode
{

namespace
{

// Read once from the stdlib `opcode` module, which mirrors the interpreter's own table for this build.
std::array<uint8_t, 256> load_cache_table()
{
    std::array<uint8_t, 256> table{};
    py_ref mod = check(import_module("opcode"));
    py_ref entries = check(PyObject_GetAttrString(mod.get(), "_inline_cache_entries"));
    Py_ssize_t n = PySequence_Size(entries.get());
    for (Py_ssize_t i = 0; i < n && i < 256; i++)
    {
        py_ref v = check(PySequence_GetItem(entries.get(), i));
        table[static_cast<size_t>(i)] = static_cast<uint8_t>(PyLong_AsLong(v.get()));
    }
    return table;
}

bool is_backward_jump(int op)
{
    return op == JUMP_BACKWARD || op == JUMP_BACKWARD_NO_INTERRUPT || op == POP_JUMP_BACKWARD_IF_FALSE ||
           op == POP_JUMP_BACKWARD_IF_TRUE || op == POP_JUMP_BACKWARD_IF_NONE ||
           op == POP_JUMP_BACKWARD_IF_NOT_NONE;
}

bool is_forward_jump(int op)
{
    return op == JUMP_FORWARD || op == POP_JUMP_FORWARD_IF_FALSE || op == POP_JUMP_FORWARD_IF_TRUE ||
           op == POP_JUMP_FORWARD_IF_NONE || op == POP_JUMP_FORWARD_IF_NOT_NONE ||
           op == JUMP_IF_FALSE_OR_POP || op == JUMP_IF_TRUE_OR_POP || op == FOR_ITER || op == SEND;
}

int parse_varint(const unsigned char*& p, const unsigned char* end)
{
    if (p == end)
        throw std::out_of_range("exception table");
    int b = *p++;
    int val = b & 63;
    while (b & 64)
    {
        if (p == end)
            throw std::runtime_error("truncated exception table");
        val <<= 6;
        b = *p++;
        val |= b & 63;
    }
    return val;
}

} // namespace

int cache_entries(int opcode)
{
    static const std::array<uint8_t, 256> table = load_cache_table();
    return table[static_cast<size_t>(opcode & 0xff)];
}

code_units::code_units(PyObject* code)
{
    if (!PyCode_Check(code))
        throw std::invalid_argument("code object expected");
    py_ref raw = check(PyCode_GetCode(reinterpret_cast<PyCodeObject*>(code)));
    const char* bytes = PyBytes_AS_STRING(raw.get());
    Py_ssize_t n = PyBytes_GET_SIZE(raw.get()) / 2;
    m_units.resize(static_cast<size_t>(n));
    for (Py_ssize_t i = 0; i < n; i++)
    {
        // _Py_CODEUNIT is (opcode, oparg) in memory order on every platform.
        auto lo = static_cast<uint8_t>(bytes[2 * i]);
        auto hi = static_cast<uint8_t>(bytes[2 * i + 1]);
        m_units[static_cast<size_t>(i)] = static_cast<uint16_t>(lo | (hi << 8));
    }
}

instruction code_units::decode(int at) const
{
    instruction ins;
    ins.start = at;
    int arg = 0;
    int i = at;
    for (;;)
    {
        if (i < 0 || i >= size())
            throw std::out_of_range("instruction outside the code");
        int op = m_units[static_cast<size_t>(i)] & 0xff;
        int oparg = m_units[static_cast<size_t>(i)] >> 8;
        arg = (arg << 8) | oparg;
        if (op != EXTENDED_ARG)
        {
            ins.index = i;
            ins.opcode = op;
            ins.oparg = arg;
            ins.next = i + 1 + cache_entries(op);
            return ins;
        }
        i++;
    }
}

std::vector<instruction> code_units::all() const
{
    std::vector<instruction> out;
    for (int at = 0; at < size();)
    {
        out.push_back(decode(at));
        at = out.back().next;
    }
    return out;
}

instruction code_units::containing(int unit) const
{
    for (int at = 0; at < size();)
    {
        instruction ins = decode(at);
        if (unit < ins.next)
            return ins;
        at = ins.next;
    }
    throw std::out_of_range("code unit outside the code");
}

int jump_target(const instruction& ins)
{
    int after = ins.index + 1 + cache_entries(ins.opcode);
    if (is_forward_jump(ins.opcode))
        return after + ins.oparg;
    if (is_backward_jump(ins.opcode))
        return after - ins.oparg;
    return -1;
}

std::vector<exception_entry> exception_table(PyObject* code)
{
    // Objects/exception_handling_notes.txt: varint-encoded (start, size, target, depth<<1 | lasti),
    // in code units.
    auto* co = reinterpret_cast<PyCodeObject*>(code);
    const auto* p = reinterpret_cast<const unsigned char*>(PyBytes_AS_STRING(co->co_exceptiontable));
    const unsigned char* end = p + PyBytes_GET_SIZE(co->co_exceptiontable);
    std::vector<exception_entry> entries;
    while (p != end)
    {
        exception_entry e{};
        e.start = parse_varint(p, end);
        e.end = e.start + parse_varint(p, end);
        e.target = parse_varint(p, end);
        int dl = parse_varint(p, end);
        e.depth = dl >> 1;
        e.lasti = (dl & 1) != 0;
        entries.push_back(e);
    }
    return entries;
}

} // namespace suspendable::frames::bytecode
