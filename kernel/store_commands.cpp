// `suspendable trust | sessions`: the snapshot store. Filled in by the file-format work (issue 5).
#include "cli.hpp"

#include <iostream>

namespace suspendable::cli
{

int trust(const args&)
{
    std::cerr << "suspendable trust: the snapshot store is not built into this binary yet\n";
    return usage_error;
}

int sessions(const args&)
{
    std::cerr << "suspendable sessions: the snapshot store is not built into this binary yet\n";
    return usage_error;
}

} // namespace suspendable::cli
