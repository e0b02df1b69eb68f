// The whole-session API for scripts: run a program under the engine, continue a snapshot, describe a
// snapshot without running it. Implemented by the `suspendable.session` Python module on top of the
// frame engine; these functions need a running python_runtime and the GIL.
#pragma once

#include <string>
#include <vector>

namespace suspendable::session
{

struct script_options
{
    std::string snapshot;          // where a suspend writes (run: ./NAME.snap; resume: the resumed file)
    std::vector<int> signals;      // signals that request a suspend
    double safe_point_timeout = 10; // seconds a request may wait for a safe point
    bool skip_unsaveable = false;   // save objects that cannot be saved as placeholders (and list them)
    bool bundle_modules = false;    // carry the source of modules imported from local files
};

// Runs `script` as __main__ (sys.argv must already be SCRIPT ARGS...). Returns the exit status; a
// negative value -N means "die by signal N" (KeyboardInterrupt, as the interpreter does).
int run_script(const std::string& script, const script_options& options);

// Continues the program saved in `path` in this process. Same statuses as run_script.
int resume(const std::string& path, const script_options& options);

// Prints what `path` holds (stack, variables, modules, versions) without unpickling anything.
int inspect(const std::string& path, bool json);

} // namespace suspendable::session
