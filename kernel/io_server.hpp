// The kernel's xeus::xserver: one I/O thread owns every ZeroMQ socket (shell, control, stdin, iopub,
// heartbeat; ZeroMQ sockets are not thread-safe). Shell requests are handed to the main thread, which
// runs Python; control requests are answered on the I/O thread, so they are served while a cell runs.
#pragma once

#include <xeus/xauthentication.hpp>
#include <xeus/xeus_context.hpp>
#include <xeus/xkernel_configuration.hpp>
#include <xeus/xserver.hpp>

#include <zmq.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <variant>

namespace suspendable
{

// Shell-side work for the main thread: a request from a front end, or an internal request from the
// control thread (xcontrol_messenger::send_to_shell).
struct internal_request
{
    nl::json message;
    std::shared_ptr<std::promise<nl::json>> reply;
};

struct main_task
{
    std::function<void()> run;
};

class io_server final : public xeus::xserver
{
public:
    io_server(zmq::context_t& context, const xeus::xconfiguration& config, nl::json::error_handler_t eh);
    ~io_server() override;

    // The server of the running kernel (there is one per process).
    static io_server* instance();

    // Reply to the last input_request, or nullopt after `timeout` (the caller checks for signals).
    std::optional<xeus::xmessage> wait_stdin_reply(std::chrono::milliseconds timeout);
    // Drops stdin replies left over from an abandoned input_request.
    void discard_stdin_replies();

    // Called on the I/O thread about every 50 ms (flushes buffered stream output while a cell runs).
    void set_tick(std::function<void()> tick);
    // Called on the I/O thread for each control request before the kernel core sees it; returns true
    // when it handled the message itself.
    void set_control_filter(std::function<bool(xeus::xmessage&)> filter);

    // Called on the I/O thread for each shell request as it arrives, before it is queued; `next` tells
    // whether the main thread is running a request and this one is next in line (how %suspend reaches a
    // running cell at once).
    void set_shell_peek(std::function<void(const xeus::xmessage&, bool busy)> peek);

    // Any thread: runs `task` on the main thread between requests (work that needs Python while idle).
    void post_to_main(std::function<void()> task);
    // Any thread: replies on the control channel to a request the control filter kept (by its routing).
    void reply_control(const std::vector<std::string>& identities, const nl::json& request_header,
                       const std::string& msg_type, nl::json content);
    // Async-signal-safe: makes the I/O thread run the signal hook at its next wake-up.
    static void signal_from_handler();
    // Async-signal-safe: an interrupt (SIGINT) to pass on after the hold-back period, unless a
    // shutdown_request arrives first; the interrupt hook passes it on.
    static void interrupt_from_handler();
    void set_interrupt_hook(std::function<void()> deliver, std::function<void()> drop);
    // Async-signal-safe: the kernel stops as on shutdown_request (SIGTERM, SIGHUP).
    static void terminate_from_handler();
    // I/O thread, when a stop arrives while a request runs: should make the main thread finish soon
    // (the kernel suspends the running cell).
    void set_busy_stop_hook(std::function<void()> hook);
    void set_signal_hook(std::function<void()> hook);

    // Main thread, during a request: once it has been answered, queued requests for which `keep` is
    // false get an "aborted" reply without running (cells queued behind a suspended cell).
    void abort_queued_after_current(std::function<bool(const xeus::xmessage&)> keep);

    // Runs on the I/O thread just before the process exits because a shutdown arrived while a cell was
    // running (the main thread cannot return to the kernel loop).
    void set_exit_hook(std::function<void()> hook);

    bool on_io_thread() const { return std::this_thread::get_id() == m_io_thread.get_id(); }

private:
    class messenger;
    using outgoing = std::variant<std::pair<int, xeus::xmessage>, xeus::xpub_message>;
    using shell_item = std::variant<xeus::xmessage, internal_request, main_task>;

    xeus::xcontrol_messenger& get_control_messenger_impl() override;
    void send_shell_impl(xeus::xmessage message) override;
    void send_control_impl(xeus::xmessage message) override;
    void send_stdin_impl(xeus::xmessage message) override;
    void publish_impl(xeus::xpub_message message, xeus::channel c) override;
    void start_impl(xeus::xpub_message message) override;
    void abort_queue_impl(const listener& l, long polling_interval) override;
    void stop_impl() override;
    void update_config_impl(xeus::xconfiguration& config) const override;

    void post(outgoing item);
    void send_now(outgoing item);
    void send_guarded(outgoing item);
    void io_loop();
    void drain_outbox();
    void receive(zmq::socket_t& socket, int which);
    void run_main_loop();
    std::optional<shell_item> next_shell_item();
    nl::json forward_internal(const nl::json& message);
    void exit_if_still_busy();
    void remember_sender(const nl::json& header);
    static void signal_wakeup();

    zmq::socket_t m_shell;
    zmq::socket_t m_control;
    zmq::socket_t m_stdin;
    zmq::socket_t m_iopub;
    zmq::socket_t m_heartbeat;
    std::unique_ptr<xeus::xauthentication> m_auth;
    nl::json::error_handler_t m_error_handler;
    std::unique_ptr<messenger> m_messenger;

    int m_wakeup_fd = -1; // eventfd: other threads wake the I/O thread's poll after posting
    std::mutex m_outbox_mutex;
    std::deque<outgoing> m_outbox;

    std::mutex m_inbox_mutex;
    std::condition_variable m_inbox_cv;
    std::deque<shell_item> m_shell_inbox;
    std::deque<xeus::xmessage> m_stdin_inbox;
    bool m_stopping = false; // guarded by m_inbox_mutex

    std::atomic<bool> m_stop_requested{false};
    std::atomic<bool> m_main_busy{false};
    std::thread m_io_thread;
    std::mutex m_hooks_mutex;
    std::function<void()> m_tick;
    std::function<bool(xeus::xmessage&)> m_control_filter;
    std::function<void()> m_exit_hook;
    std::function<void(const xeus::xmessage&, bool)> m_shell_peek;
    std::function<void()> m_signal_hook;
    std::function<void()> m_busy_stop_hook;
    std::function<void()> m_interrupt_hook;
    std::function<void()> m_interrupt_drop_hook;
    std::optional<std::chrono::steady_clock::time_point> m_interrupt_due; // I/O thread only
    std::function<bool(const xeus::xmessage&)> m_abort_unless; // main thread only
    void abort_queued(const std::function<bool(const xeus::xmessage&)>& keep);
    void send_aborted(const xeus::xmessage& request);
    std::mutex m_sender_mutex;
    nl::json m_sender_header; // username/session of the kernel core, taken from its first publication
};

std::unique_ptr<xeus::xserver> make_io_server(xeus::xcontext& context, const xeus::xconfiguration& config,
                                              nl::json::error_handler_t eh);

} // namespace suspendable
