// The xeus interpreter: each request handler is one call into the kernel's Python side
// (suspendable_kernel.kernel), made with the GIL held. Between requests the main thread holds no GIL.
#pragma once

#include "comm_bridge.hpp"
#include "fd_capture.hpp"
#include "stream_buffer.hpp"

#include <xeus/xinterpreter.hpp>

#include <atomic>
#include <memory>

namespace suspendable
{

class io_server;

class interpreter final : public xeus::xinterpreter
{
public:
    interpreter();
    ~interpreter() override;

    stream_buffer& streams() { return *m_streams; }

private:
    void configure_impl() override;
    nl::json execute_request_impl(int execution_counter, const std::string& code, bool silent, bool store_history,
                                  nl::json user_expressions, bool allow_stdin) override;
    nl::json complete_request_impl(const std::string& code, int cursor_pos) override;
    nl::json inspect_request_impl(const std::string& code, int cursor_pos, int detail_level) override;
    nl::json is_complete_request_impl(const std::string& code) override;
    nl::json kernel_info_request_impl() override;
    void shutdown_request_impl() override;
    void request_suspend(io_server& server, nl::json request);
    void install_signal_handlers();
    void finish_held_interrupt(nl::json& reply);

    std::unique_ptr<stream_buffer> m_streams;
    std::unique_ptr<comm_bridge> m_comms;
    std::unique_ptr<fd_capture> m_capture;
    nl::json m_kernel_info; // computed once at start: kernel_info may be asked on control while busy
    std::atomic<bool> m_cell_running{false}; // read by the I/O thread
};

} // namespace suspendable
