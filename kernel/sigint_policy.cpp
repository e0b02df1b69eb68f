#include "sigint_policy.hpp"

#include "io_server.hpp"
#include "py_ref.hpp"

#include <atomic>
#include <csignal>
#include <pthread.h>

namespace suspendable
{

namespace
{

PyOS_sighandler_t python_handler = nullptr;
pthread_t main_thread;
std::atomic<bool> deliver{false}; // the next SIGINT is the one deliver_interrupt() re-sent
std::atomic<bool> held{false};    // a SIGINT is held back: neither delivered nor dropped yet

// jupyter_client sends SIGINT before every shutdown_request: an interrupt is therefore held back briefly
// by the I/O thread and dropped if a shutdown follows (the running cell is then suspended, not killed).
// Only the re-sent signal reaches Python's handler (async-signal-safe: it trips a flag, writes an fd).
void on_sigint(int signal)
{
    if (deliver.exchange(false))
    {
        python_handler(signal);
        return;
    }
    held = true;
    io_server::interrupt_from_handler();
}

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
    main_thread = pthread_self();
    python_handler = PyOS_getsig(SIGINT);
    PyOS_setsig(SIGINT, SIG_IGN);
    set_blocked(true);
}

// Linux queues a blocked signal even when its disposition is SIG_IGN, and setting SIG_IGN again
// discards it: a SIGINT that arrived while idle is dropped before the window opens.
sigint_window::sigint_window()
{
    deliver = false;
    held = false;
    PyOS_setsig(SIGINT, SIG_IGN);
    PyOS_setsig(SIGINT, on_sigint);
    set_blocked(false);
}

// I/O thread. If the window has closed meanwhile, the signal stays blocked and is discarded when the
// next window opens: an interrupt that arrives after its cell ended interrupts nothing.
void deliver_interrupt()
{
    deliver = true;
    held = false;
    pthread_kill(main_thread, SIGINT);
}

void drop_interrupt()
{
    held = false;
}

bool interrupt_held()
{
    return held;
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
