#include "io_server.hpp"

#include "fd_capture.hpp"
#include "protocol_fixes.hpp"

#include <xeus/xeus_context.hpp>
#include <xeus/xmiddleware.hpp>
#include <xeus/xzmq_serializer.hpp>

#include <zmq_addon.hpp>

#include <cerrno>
#include <future>
#include <sys/eventfd.h>
#include <unistd.h>

namespace suspendable
{

namespace
{

enum socket_index
{
    shell_socket = 0,
    control_socket = 1,
    stdin_socket = 2,
};

constexpr std::chrono::milliseconds tick_interval{50};

io_server* g_instance = nullptr;
// Set by a signal handler, consumed by the I/O thread (lock-free, hence async-signal-safe).
std::atomic<bool> g_signalled{false};
std::atomic<bool> g_terminate{false};
std::atomic<bool> g_interrupt{false};
constexpr std::chrono::milliseconds interrupt_hold_back{100};
std::atomic<int> g_wakeup_fd{-1};

// ZeroMQ calls interrupted by a signal (EINTR) are retried: a stray signal must never kill the kernel
// (the probe's crash: cppzmq throws on EINTR and nothing in xeus catches it).
template <class F>
auto retry_eintr(F f) -> decltype(f())
{
    for (;;)
    {
        try
        {
            return f();
        }
        catch (const zmq::error_t& e)
        {
            if (e.num() != EINTR)
                throw;
        }
    }
}

} // namespace

class io_server::messenger final : public xeus::xcontrol_messenger
{
public:
    explicit messenger(io_server& server) : m_server(server) {}

private:
    nl::json send_to_shell_impl(const nl::json& message) override { return m_server.forward_internal(message); }
    io_server& m_server;
};

io_server::io_server(zmq::context_t& context, const xeus::xconfiguration& config, nl::json::error_handler_t eh)
    : m_shell(context, zmq::socket_type::router), m_control(context, zmq::socket_type::router),
      m_stdin(context, zmq::socket_type::router), m_iopub(context, zmq::socket_type::pub),
      m_heartbeat(context, zmq::socket_type::rep),
      m_auth(xeus::make_xauthentication(config.m_signature_scheme, config.m_key)), m_error_handler(eh),
      m_messenger(std::make_unique<messenger>(*this))
{
    for (zmq::socket_t* s : {&m_shell, &m_control, &m_stdin, &m_iopub, &m_heartbeat})
        s->set(zmq::sockopt::linger, xeus::get_socket_linger());
    // Clients of one kernel manager share a session, hence a routing id: the newest connection takes
    // the id over (as in ipykernel), or a second client would never receive its replies.
    for (zmq::socket_t* s : {&m_shell, &m_control, &m_stdin})
        s->set(zmq::sockopt::router_handover, 1);
    xeus::init_socket(m_shell, config.m_transport, config.m_ip, config.m_shell_port);
    xeus::init_socket(m_control, config.m_transport, config.m_ip, config.m_control_port);
    xeus::init_socket(m_stdin, config.m_transport, config.m_ip, config.m_stdin_port);
    xeus::init_socket(m_iopub, config.m_transport, config.m_ip, config.m_iopub_port);
    xeus::init_socket(m_heartbeat, config.m_transport, config.m_ip, config.m_hb_port);
    m_wakeup_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (m_wakeup_fd < 0)
        throw std::system_error(errno, std::generic_category(), "eventfd");
    g_instance = this;
    g_wakeup_fd = m_wakeup_fd;
}

io_server::~io_server()
{
    m_stop_requested = true;
    if (m_io_thread.joinable())
        m_io_thread.join();
    g_wakeup_fd = -1;
    if (m_wakeup_fd >= 0)
        close(m_wakeup_fd);
    g_instance = nullptr;
}

io_server* io_server::instance()
{
    return g_instance;
}

void io_server::set_tick(std::function<void()> tick)
{
    std::lock_guard<std::mutex> lock(m_hooks_mutex);
    m_tick = std::move(tick);
}

void io_server::post_to_main(std::function<void()> task)
{
    {
        std::lock_guard<std::mutex> lock(m_inbox_mutex);
        m_shell_inbox.emplace_back(main_task{std::move(task)});
    }
    m_inbox_cv.notify_all();
}

void io_server::reply_control(const std::vector<std::string>& identities, const nl::json& request_header,
                              const std::string& msg_type, nl::json content)
{
    nl::json sender;
    {
        std::lock_guard<std::mutex> lock(m_sender_mutex);
        sender = m_sender_header.is_object() ? m_sender_header : nl::json::object();
    }
    xeus::xmessage reply(identities,
                         xeus::make_header(msg_type, sender.value("username", "kernel"), sender.value("session", "")),
                         request_header, nl::json::object(), std::move(content), xeus::buffer_sequence());
    post(std::make_pair(int(control_socket), std::move(reply)));
}

void io_server::signal_from_handler()
{
    g_signalled = true;
    signal_wakeup();
}

void io_server::signal_wakeup()
{
    int fd = g_wakeup_fd;
    if (fd >= 0)
    {
        uint64_t one = 1;
        ssize_t written = write(fd, &one, sizeof(one));
        (void)written;
    }
}

void io_server::interrupt_from_handler()
{
    g_interrupt = true;
    signal_wakeup();
}

void io_server::set_interrupt_hook(std::function<void()> deliver, std::function<void()> drop)
{
    std::lock_guard<std::mutex> lock(m_hooks_mutex);
    m_interrupt_hook = std::move(deliver);
    m_interrupt_drop_hook = std::move(drop);
}

void io_server::terminate_from_handler()
{
    g_terminate = true;
    signal_wakeup();
}

void io_server::set_busy_stop_hook(std::function<void()> hook)
{
    std::lock_guard<std::mutex> lock(m_hooks_mutex);
    m_busy_stop_hook = std::move(hook);
}

void io_server::set_signal_hook(std::function<void()> hook)
{
    std::lock_guard<std::mutex> lock(m_hooks_mutex);
    m_signal_hook = std::move(hook);
}

void io_server::set_shell_peek(std::function<void(const xeus::xmessage&, bool)> peek)
{
    std::lock_guard<std::mutex> lock(m_hooks_mutex);
    m_shell_peek = std::move(peek);
}

void io_server::set_control_filter(std::function<bool(xeus::xmessage&)> filter)
{
    std::lock_guard<std::mutex> lock(m_hooks_mutex);
    m_control_filter = std::move(filter);
}

xeus::xcontrol_messenger& io_server::get_control_messenger_impl()
{
    return *m_messenger;
}

// --- outgoing ------------------------------------------------------------------------------------

void io_server::send_shell_impl(xeus::xmessage message)
{
    post(std::make_pair(int(shell_socket), std::move(message)));
}

void io_server::send_control_impl(xeus::xmessage message)
{
    post(std::make_pair(int(control_socket), std::move(message)));
}

void io_server::send_stdin_impl(xeus::xmessage message)
{
    post(std::make_pair(int(stdin_socket), std::move(message)));
}

void io_server::publish_impl(xeus::xpub_message message, xeus::channel)
{
    remember_sender(message.header());
    post(std::move(message));
}

void io_server::remember_sender(const nl::json& header)
{
    std::lock_guard<std::mutex> lock(m_sender_mutex);
    if (m_sender_header.is_null() && header.is_object())
        m_sender_header = header;
}

// Messages produced on the I/O thread (control replies, timed stream flushes) go out at once, after
// what other threads queued before them: a timed flush must not overtake the main thread's earlier one
// (stdout chunks arrived out of order). Others are queued for the I/O thread, woken through the eventfd.
void io_server::post(outgoing item)
{
    if (on_io_thread())
    {
        drain_outbox();
        send_guarded(std::move(item));
        return;
    }
    {
        std::lock_guard<std::mutex> lock(m_outbox_mutex);
        m_outbox.push_back(std::move(item));
    }
    uint64_t one = 1;
    ssize_t written = write(m_wakeup_fd, &one, sizeof(one));
    (void)written; // EAGAIN only when the counter is saturated: the poll is already woken
}

void io_server::send_now(outgoing item)
{
    if (auto* pub = std::get_if<xeus::xpub_message>(&item))
    {
        zmq::multipart_t wire = xeus::xzmq_serializer::serialize_iopub(std::move(*pub), *m_auth, m_error_handler);
        retry_eintr([&] { return wire.send(m_iopub); });
        return;
    }
    auto& [which, message] = std::get<std::pair<int, xeus::xmessage>>(item);
    zmq::socket_t& socket = which == shell_socket ? m_shell : which == control_socket ? m_control : m_stdin;
    zmq::multipart_t wire =
        xeus::xzmq_serializer::serialize(fix_outgoing(std::move(message)), *m_auth, m_error_handler);
    retry_eintr([&] { return wire.send(socket); });
}

// One unsendable message (e.g. JSON that cannot be serialised) is logged and dropped: it must not end
// the I/O thread, which would leave the kernel deaf.
void io_server::send_guarded(outgoing item)
{
    try
    {
        send_now(std::move(item));
    }
    catch (const std::exception& e)
    {
        kernel_log(std::string("could not send a message: ") + e.what());
    }
}

void io_server::drain_outbox()
{
    std::deque<outgoing> batch;
    {
        std::lock_guard<std::mutex> lock(m_outbox_mutex);
        batch.swap(m_outbox);
    }
    for (outgoing& item : batch)
        send_guarded(std::move(item));
}

// --- incoming ------------------------------------------------------------------------------------

void io_server::receive(zmq::socket_t& socket, int which)
{
    zmq::multipart_t wire;
    if (!retry_eintr([&] { return wire.recv(socket, ZMQ_DONTWAIT); }))
        return;
    xeus::xmessage message;
    try
    {
        message = xeus::xzmq_serializer::deserialize(wire, *m_auth);
    }
    catch (const std::exception& e)
    {
        // A message with a bad signature or malformed JSON is dropped, as ipykernel does.
        kernel_log(std::string("dropped an invalid message: ") + e.what());
        return;
    }
    if (which == control_socket)
    {
        if (message.header().value("msg_type", "") == "shutdown_request" && m_interrupt_due)
        {
            // The SIGINT jupyter_client sends right before shutting down: not an interrupt.
            m_interrupt_due.reset();
            std::function<void()> drop;
            {
                std::lock_guard<std::mutex> lock(m_hooks_mutex);
                drop = m_interrupt_drop_hook;
            }
            if (drop)
                drop();
        }
        std::function<bool(xeus::xmessage&)> filter;
        {
            std::lock_guard<std::mutex> lock(m_hooks_mutex);
            filter = m_control_filter;
        }
        if (filter && filter(message))
            return;
        notify_control_listener(std::move(message));
        return;
    }
    if (which == shell_socket)
    {
        std::function<void(const xeus::xmessage&, bool)> peek;
        {
            std::lock_guard<std::mutex> lock(m_hooks_mutex);
            peek = m_shell_peek;
        }
        bool queue_empty;
        {
            std::lock_guard<std::mutex> lock(m_inbox_mutex);
            queue_empty = m_shell_inbox.empty();
        }
        // Only a request right behind the running one may act on it early (with Run All, a %suspend
        // queued behind other cells is meant for the cell before it, not for whichever runs now).
        if (peek)
            peek(message, m_main_busy && queue_empty);
    }
    {
        std::lock_guard<std::mutex> lock(m_inbox_mutex);
        if (which == shell_socket)
            m_shell_inbox.emplace_back(std::move(message));
        else
            m_stdin_inbox.push_back(std::move(message));
    }
    m_inbox_cv.notify_all();
}

void io_server::io_loop()
{
    zmq::pollitem_t items[] = {
        {m_shell.handle(), 0, ZMQ_POLLIN, 0},   {m_control.handle(), 0, ZMQ_POLLIN, 0},
        {m_stdin.handle(), 0, ZMQ_POLLIN, 0},   {m_heartbeat.handle(), 0, ZMQ_POLLIN, 0},
        {nullptr, m_wakeup_fd, ZMQ_POLLIN, 0},
    };
    auto next_tick = std::chrono::steady_clock::now() + tick_interval;
    while (!m_stop_requested)
    {
        try
        {
            zmq::poll(items, 5, m_interrupt_due ? std::chrono::milliseconds(10) : tick_interval);
        }
        catch (const zmq::error_t& e)
        {
            if (e.num() != EINTR)
                throw;
            continue;
        }
        if (items[4].revents & ZMQ_POLLIN)
        {
            uint64_t count;
            ssize_t got = read(m_wakeup_fd, &count, sizeof(count));
            (void)got;
        }
        drain_outbox();
        if (g_interrupt.exchange(false) && !m_interrupt_due)
            m_interrupt_due = std::chrono::steady_clock::now() + interrupt_hold_back;
        if (g_terminate.exchange(false))
            m_stop_requested = true; // SIGTERM/SIGHUP: the same exit path as shutdown_request
        if (g_signalled.exchange(false))
        {
            std::function<void()> hook;
            {
                std::lock_guard<std::mutex> lock(m_hooks_mutex);
                hook = m_signal_hook;
            }
            if (hook)
                hook();
        }
        if (items[3].revents & ZMQ_POLLIN)
        {
            zmq::multipart_t ping;
            if (retry_eintr([&] { return ping.recv(m_heartbeat, ZMQ_DONTWAIT); }))
                retry_eintr([&] { return ping.send(m_heartbeat); });
        }
        if (items[1].revents & ZMQ_POLLIN)
            receive(m_control, control_socket);
        if (items[0].revents & ZMQ_POLLIN)
            receive(m_shell, shell_socket);
        if (items[2].revents & ZMQ_POLLIN)
            receive(m_stdin, stdin_socket);
        auto now = std::chrono::steady_clock::now();
        if (m_interrupt_due && now >= *m_interrupt_due)
        {
            m_interrupt_due.reset();
            std::function<void()> hook;
            {
                std::lock_guard<std::mutex> lock(m_hooks_mutex);
                hook = m_interrupt_hook;
            }
            if (hook)
                hook();
        }
        if (now >= next_tick)
        {
            next_tick = now + tick_interval;
            std::function<void()> tick;
            {
                std::lock_guard<std::mutex> lock(m_hooks_mutex);
                tick = m_tick;
            }
            if (tick)
                tick();
        }
    }
    // Replies produced before the stop (shutdown_reply) must still reach the front end.
    drain_outbox();
}

// A shutdown that arrives while a cell runs: the reply has been flushed; the cell gets a short grace
// period to finish, then the process ends without running more Python (a cell blocked in C or ignoring
// exceptions must not keep a shut-down kernel alive past Jupyter's wait).
void io_server::exit_if_still_busy()
{
    if (!m_main_busy)
        return;
    std::function<void()> suspend;
    {
        std::lock_guard<std::mutex> lock(m_hooks_mutex);
        suspend = m_busy_stop_hook;
    }
    if (suspend)
        suspend();
    // jupyter_client waits 5 s for a kernel to exit after shutdown_reply before killing it: the cell
    // gets 3 s to reach a safe point, leaving time to save the namespace.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(3000);
    while (m_main_busy && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (m_main_busy)
    {
        std::function<void()> hook;
        {
            std::lock_guard<std::mutex> lock(m_hooks_mutex);
            hook = m_exit_hook;
        }
        if (hook)
            hook();
        _exit(0);
    }
}

void io_server::set_exit_hook(std::function<void()> hook)
{
    std::lock_guard<std::mutex> lock(m_hooks_mutex);
    m_exit_hook = std::move(hook);
}

// --- main thread ---------------------------------------------------------------------------------

void io_server::start_impl(xeus::xpub_message message)
{
    remember_sender(message.header());
    post(std::move(message));
    m_io_thread = std::thread([this] {
        try
        {
            io_loop();
        }
        catch (const std::exception& e)
        {
            kernel_log(std::string("I/O thread failed: ") + e.what());
        }
        {
            std::lock_guard<std::mutex> lock(m_inbox_mutex);
            m_stopping = true;
        }
        m_inbox_cv.notify_all();
        exit_if_still_busy();
    });
    // Wake the poll so the "starting" status goes out now.
    uint64_t one = 1;
    ssize_t written = write(m_wakeup_fd, &one, sizeof(one));
    (void)written;
    run_main_loop();
    m_stop_requested = true;
    if (m_io_thread.joinable())
        m_io_thread.join();
}

std::optional<io_server::shell_item> io_server::next_shell_item()
{
    std::unique_lock<std::mutex> lock(m_inbox_mutex);
    m_inbox_cv.wait(lock, [this] { return m_stopping || !m_shell_inbox.empty(); });
    if (m_stopping)
        return std::nullopt;
    shell_item item = std::move(m_shell_inbox.front());
    m_shell_inbox.pop_front();
    return item;
}

void io_server::run_main_loop()
{
    while (auto item = next_shell_item())
    {
        m_main_busy = true;
        if (auto* message = std::get_if<xeus::xmessage>(&*item))
        {
            notify_shell_listener(std::move(*message));
            if (m_abort_unless)
            {
                auto keep = std::move(m_abort_unless);
                m_abort_unless = nullptr;
                abort_queued(keep);
            }
        }
        else if (auto* request = std::get_if<internal_request>(&*item))
        {
            request->reply->set_value(notify_internal_listener(request->message));
        }
        else
        {
            std::get<main_task>(*item).run();
        }
        m_main_busy = false;
    }
}

nl::json io_server::forward_internal(const nl::json& message)
{
    auto reply = std::make_shared<std::promise<nl::json>>();
    std::future<nl::json> result = reply->get_future();
    {
        std::lock_guard<std::mutex> lock(m_inbox_mutex);
        m_shell_inbox.emplace_back(internal_request{message, reply});
    }
    m_inbox_cv.notify_all();
    return result.get();
}

// Called on the main thread after an error with stop_on_error: queued requests are answered with
// status "aborted" without running. Requests still in flight (sent right behind the failing one) are
// caught by waiting one polling interval after the queue looks empty. xeus' own abort listener replies
// "error" and publishes no status: not used.
void io_server::abort_queue_impl(const listener&, long polling_interval)
{
    for (;;)
    {
        {
            std::unique_lock<std::mutex> lock(m_inbox_mutex);
            if (m_shell_inbox.empty())
            {
                m_inbox_cv.wait_for(lock, std::chrono::milliseconds(polling_interval),
                                    [this] { return m_stopping || !m_shell_inbox.empty(); });
            }
            if (m_shell_inbox.empty())
                return;
        }
        abort_queued([](const xeus::xmessage&) { return false; });
    }
}

void io_server::abort_queued_after_current(std::function<bool(const xeus::xmessage&)> keep)
{
    m_abort_unless = std::move(keep);
}

// Busy/idle are published around each aborted reply, as ipykernel does, so front ends settle.
void io_server::send_aborted(const xeus::xmessage& request)
{
    nl::json sender;
    {
        std::lock_guard<std::mutex> lock(m_sender_mutex);
        sender = m_sender_header.is_object() ? m_sender_header : nl::json::object();
    }
    auto status = [&](const char* state) {
        return xeus::xpub_message("kernel.status",
                                  xeus::make_header("status", sender.value("username", "kernel"),
                                                    sender.value("session", "")),
                                  request.header(), nl::json::object(), nl::json{{"execution_state", state}},
                                  xeus::buffer_sequence());
    };
    post(status("busy"));
    post(std::make_pair(int(shell_socket), make_aborted_reply(request, sender)));
    post(status("idle"));
}

// Queued requests for which keep() is false are aborted; the others stay queued, in order. Internal
// requests always stay.
void io_server::abort_queued(const std::function<bool(const xeus::xmessage&)>& keep)
{
    std::deque<shell_item> pending;
    {
        std::lock_guard<std::mutex> lock(m_inbox_mutex);
        pending.swap(m_shell_inbox);
    }
    std::deque<shell_item> kept;
    for (shell_item& item : pending)
    {
        auto* message = std::get_if<xeus::xmessage>(&item);
        if (message != nullptr && !keep(*message))
            send_aborted(*message);
        else
            kept.push_back(std::move(item));
    }
    std::lock_guard<std::mutex> lock(m_inbox_mutex);
    // Requests that arrived meanwhile go after the kept ones.
    for (auto it = kept.rbegin(); it != kept.rend(); ++it)
        m_shell_inbox.push_front(std::move(*it));
}

std::optional<xeus::xmessage> io_server::wait_stdin_reply(std::chrono::milliseconds timeout)
{
    std::unique_lock<std::mutex> lock(m_inbox_mutex);
    if (!m_inbox_cv.wait_for(lock, timeout, [this] { return m_stopping || !m_stdin_inbox.empty(); }) ||
        m_stdin_inbox.empty())
        return std::nullopt;
    xeus::xmessage reply = std::move(m_stdin_inbox.front());
    m_stdin_inbox.pop_front();
    return reply;
}

void io_server::discard_stdin_replies()
{
    std::lock_guard<std::mutex> lock(m_inbox_mutex);
    m_stdin_inbox.clear();
}

// Called from the kernel core while it handles shutdown_request on the I/O thread, before it sends the
// reply: the loop finishes this message (so the reply is queued), flushes, then ends.
void io_server::stop_impl()
{
    m_stop_requested = true;
}

void io_server::update_config_impl(xeus::xconfiguration& config) const
{
    config.m_shell_port = xeus::get_socket_port(m_shell);
    config.m_control_port = xeus::get_socket_port(m_control);
    config.m_stdin_port = xeus::get_socket_port(m_stdin);
    config.m_iopub_port = xeus::get_socket_port(m_iopub);
    config.m_hb_port = xeus::get_socket_port(m_heartbeat);
}

std::unique_ptr<xeus::xserver> make_io_server(xeus::xcontext& context, const xeus::xconfiguration& config,
                                              nl::json::error_handler_t eh)
{
    return std::make_unique<io_server>(context.get_wrapped_context<zmq::context_t>(), config, eh);
}

} // namespace suspendable
