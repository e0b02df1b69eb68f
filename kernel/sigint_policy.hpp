// SIGINT in the kernel. Jupyter interrupts with SIGINT (interrupt_mode "signal") and also sends it before
// every shutdown. While idle it must do nothing; while a cell runs it must raise KeyboardInterrupt in
// the main thread, including inside time.sleep.
#pragma once

namespace suspendable
{

// Call once after Python is initialised (its SIGINT handler installed) and before any other thread is
// created: blocks SIGINT in this thread (new threads inherit the mask) and ignores it.
void prepare_sigint_policy();

// While alive, SIGINT is delivered to the main thread only, through Python's handler.
class sigint_window
{
public:
    sigint_window();
    ~sigint_window();
    sigint_window(const sigint_window&) = delete;
    sigint_window& operator=(const sigint_window&) = delete;
};

} // namespace suspendable
