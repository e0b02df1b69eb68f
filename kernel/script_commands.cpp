// `suspendable run | resume | inspect`: scripts under the engine. Filled in by the engine work (issue 3).
#include "cli.hpp"

#include <iostream>

namespace suspendable::cli
{

static int not_built(const char* what)
{
    std::cerr << "suspendable " << what << ": the snapshot engine is not built into this binary yet\n";
    return usage_error;
}

int run(const args&) { return not_built("run"); }
int resume(const args&) { return not_built("resume"); }
int inspect(const args&) { return not_built("inspect"); }

} // namespace suspendable::cli
