#include "sigint_policy.hpp"

#include "py_ref.hpp"

#include <csignal>
#include <pthread.h>

namespace suspendable
{

namespace
{

PyOS_sighandler_t python_handler = nullptr;

void set_blocked(bool blocked)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    pthread_sigmask(blocked ? SIG_BLOCK : SIG_UNBLOCK, &set, nullptr);
}

} // namespace

void prepare_sigint_policy()
{
    python_handler = PyOS_getsig(SIGINT);
    PyOS_setsig(SIGINT, SIG_IGN);
    set_blocked(true);
}

// Linux queues a blocked signal even when its disposition is SIG_IGN, and setting SIG_IGN again
// discards it: a SIGINT that arrived while idle is dropped before the window opens.
sigint_window::sigint_window()
{
    PyOS_setsig(SIGINT, SIG_IGN);
    PyOS_setsig(SIGINT, python_handler);
    set_blocked(false);
}

// Runs with the GIL held. A SIGINT caught by Python's handler but not yet turned into KeyboardInterrupt
// (it arrived as the cell ended) is consumed here, or it would interrupt the next cell.
sigint_window::~sigint_window()
{
    set_blocked(true);
    PyOS_setsig(SIGINT, SIG_IGN);
    if (PyErr_CheckSignals() < 0)
        PyErr_Clear();
}

} // namespace suspendable
