// SIGINT in the kernel. Jupyter interrupts with SIGINT (interrupt_mode "signal") and also sends it before
// every shutdown. While idle it must do nothing; while a cell runs it must raise KeyboardInterrupt in
// the main thread, including inside time.sleep.
#pragma once

namespace suspendable
{

// Call once after Python is initialised (its SIGINT handler installed) and before any other thread is
// created: blocks SIGINT in this thread (new threads inherit the mask) and ignores it.
void prepare_sigint_policy();

// Raises KeyboardInterrupt in the running cell (I/O thread, after the hold-back period).
void deliver_interrupt();
// The held-back SIGINT preceded a shutdown_request: it is not an interrupt (I/O thread).
void drop_interrupt();
// A SIGINT arrived during the cell and is neither delivered nor dropped yet.
bool interrupt_held();

// While alive, SIGINT is delivered to the main thread only: held back by the I/O thread, then passed to
// Python's handler unless a shutdown_request follows.
class sigint_window
{
public:
    sigint_window();
    ~sigint_window();
    sigint_window(const sigint_window&) = delete;
    sigint_window& operator=(const sigint_window&) = delete;
};

} // namespace suspendable
