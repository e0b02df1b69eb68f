// `suspendable repl [--resume [NAME]]`: the console REPL (Python side: suspendable_repl.console).
#include "cli.hpp"
#include "py_ref.hpp"
#include "python_runtime.hpp"

#include <csignal>
#include <cstdio>
#include <pthread.h>
#include <unistd.h>

namespace suspendable::cli
{

int repl(const args& a)
{
    // Suspend (QUIT, USR1) and save-and-exit (HUP, TERM) signals wait, blocked, until the console has
    // installed its handlers (it unblocks them): until then their default action would lose the session.
    sigset_t requests;
    sigemptyset(&requests);
    for (int s : {SIGQUIT, SIGUSR1, SIGHUP, SIGTERM})
        sigaddset(&requests, s);
    pthread_sigmask(SIG_BLOCK, &requests, nullptr);

    runtime_options options;
    // The console reads its options from sys.argv[1:], then leaves sys.argv as `python3.11 -i` has it: [''].
    options.argv = {""};
    options.argv.insert(options.argv.end(), a.begin(), a.end());
    python_runtime runtime(options);
    py_ref module = py_ref::steal(PyImport_ImportModule("suspendable_repl.console"));
    int status = exit_status(module ? py_ref::steal(PyObject_CallMethod(module.get(), "main", nullptr)) : py_ref());
    // No Py_Finalize: a suspended statement's frames are saved, and finalizing them would run their
    // finally blocks and __del__ methods (a TemporaryDirectory it holds would be deleted before the
    // resume). The console has already flushed and saved everything.
    std::fflush(stdout);
    std::fflush(stderr);
    _exit(status);
}

} // namespace suspendable::cli
