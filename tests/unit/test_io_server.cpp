// io_server message routing, driven over real ZeroMQ sockets on loopback with signed messages, the way a
// Jupyter client talks to the kernel: shell requests run on the thread that started the server, control
// requests are answered while a shell request is still running, stop_on_error aborts queued requests,
// the heartbeat echoes, badly signed messages are dropped, input_request/reply round-trips.
#include "io_server.hpp"

#include <xeus/xguid.hpp>
#include <xeus/xmiddleware.hpp>
#include <xeus/xzmq_serializer.hpp>

#include <gtest/gtest.h>
#include <zmq_addon.hpp>

#include <future>
#include <thread>

using namespace std::chrono_literals;
using suspendable::io_server;

namespace
{

const char* const key = "a-test-key";

xeus::xconfiguration make_config()
{
    xeus::xconfiguration c;
    c.m_transport = "tcp";
    c.m_ip = "127.0.0.1";
    c.m_shell_port = xeus::find_free_port();
    c.m_control_port = xeus::find_free_port();
    c.m_stdin_port = xeus::find_free_port();
    c.m_iopub_port = xeus::find_free_port();
    c.m_hb_port = xeus::find_free_port();
    c.m_key = key;
    return c;
}

std::string endpoint(const std::string& port)
{
    return "tcp://127.0.0.1:" + port;
}

xeus::xmessage request(const std::string& type, nl::json content = nl::json::object())
{
    return xeus::xmessage({}, xeus::make_header(type, "tester", "client-session"), nl::json::object(),
                          nl::json::object(), std::move(content), {});
}

xeus::xmessage reply_to(const xeus::xmessage& req, const std::string& type, nl::json content)
{
    return xeus::xmessage(req.identities(), xeus::make_header(type, "kernel", "kernel-session"), req.header(),
                          nl::json::object(), std::move(content), {});
}

// A front end: DEALER sockets on shell/control/stdin, SUB on iopub, REQ on heartbeat.
struct client
{
    explicit client(zmq::context_t& ctx, const xeus::xconfiguration& c)
        : auth(xeus::make_xauthentication("hmac-sha256", key)), shell(ctx, zmq::socket_type::dealer),
          control(ctx, zmq::socket_type::dealer), stdin_(ctx, zmq::socket_type::dealer),
          iopub(ctx, zmq::socket_type::sub), hb(ctx, zmq::socket_type::req)
    {
        for (zmq::socket_t* s : {&shell, &control, &stdin_})
            s->set(zmq::sockopt::routing_id, "client-identity");
        shell.connect(endpoint(c.m_shell_port));
        control.connect(endpoint(c.m_control_port));
        stdin_.connect(endpoint(c.m_stdin_port));
        iopub.set(zmq::sockopt::subscribe, "");
        iopub.connect(endpoint(c.m_iopub_port));
        hb.connect(endpoint(c.m_hb_port));
        for (zmq::socket_t* s : {&shell, &control, &stdin_, &iopub, &hb})
            s->set(zmq::sockopt::linger, 0);
    }

    void send(zmq::socket_t& s, xeus::xmessage m)
    {
        zmq::multipart_t wire = xeus::xzmq_serializer::serialize(std::move(m), *auth);
        wire.send(s);
    }

    std::optional<xeus::xmessage> receive(zmq::socket_t& s, std::chrono::milliseconds timeout = 3000ms)
    {
        zmq::pollitem_t item{s.handle(), 0, ZMQ_POLLIN, 0};
        if (zmq::poll(&item, 1, timeout) <= 0)
            return std::nullopt;
        zmq::multipart_t wire;
        wire.recv(s);
        return xeus::xzmq_serializer::deserialize(wire, *auth);
    }

    std::vector<xeus::xpub_message> drain_iopub(std::chrono::milliseconds quiet = 300ms)
    {
        std::vector<xeus::xpub_message> out;
        zmq::pollitem_t item{iopub.handle(), 0, ZMQ_POLLIN, 0};
        while (zmq::poll(&item, 1, quiet) > 0)
        {
            zmq::multipart_t wire;
            wire.recv(iopub);
            out.push_back(xeus::xzmq_serializer::deserialize_iopub(wire, *auth));
        }
        return out;
    }

    std::unique_ptr<xeus::xauthentication> auth;
    zmq::socket_t shell, control, stdin_, iopub, hb;
};

// Runs the server's main loop (start) on its own thread, which plays the kernel's main thread.
struct running_server
{
    running_server() : config(make_config()), server(ctx, config, nl::json::error_handler_t::strict) {}

    void start()
    {
        main = std::thread([this] {
            main_id = std::this_thread::get_id();
            server.start(xeus::xpub_message("status", xeus::make_header("status", "kernel", "kernel-session"),
                                            nl::json::object(), nl::json::object(),
                                            nl::json{{"execution_state", "starting"}}, {}));
        });
        std::this_thread::sleep_for(200ms); // let SUB subscriptions and connections settle
    }

    ~running_server()
    {
        server.stop();
        if (main.joinable())
            main.join();
    }

    zmq::context_t ctx;
    xeus::xconfiguration config;
    io_server server;
    std::thread main;
    std::thread::id main_id;
};

TEST(io_server, shell_requests_run_on_the_thread_that_started_the_server)
{
    running_server rs;
    std::promise<std::thread::id> handled_on;
    rs.server.register_shell_listener([&](xeus::xmessage m) {
        handled_on.set_value(std::this_thread::get_id());
        rs.server.send_shell(reply_to(m, "kernel_info_reply", {{"status", "ok"}}));
    });
    rs.server.register_control_listener([](xeus::xmessage) {});
    client c(rs.ctx, rs.config);
    rs.start();
    c.send(c.shell, request("kernel_info_request"));
    auto reply = c.receive(c.shell);
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->header()["msg_type"], "kernel_info_reply");
    EXPECT_EQ(handled_on.get_future().get(), rs.main_id);
}

TEST(io_server, control_is_answered_while_a_shell_request_runs)
{
    running_server rs;
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    std::atomic<bool> shell_busy{false};
    rs.server.register_shell_listener([&](xeus::xmessage m) {
        shell_busy = true;
        released.wait(); // a long-running cell
        shell_busy = false;
        rs.server.send_shell(reply_to(m, "execute_reply", {{"status", "ok"}}));
    });
    rs.server.register_control_listener([&](xeus::xmessage m) {
        rs.server.send_control(reply_to(m, "kernel_info_reply", {{"status", "ok"}, {"busy", bool(shell_busy)}}));
    });
    client c(rs.ctx, rs.config);
    rs.start();
    c.send(c.shell, request("execute_request", {{"code", "long()"}}));
    std::this_thread::sleep_for(100ms);
    c.send(c.control, request("kernel_info_request"));
    auto control_reply = c.receive(c.control, 1000ms);
    ASSERT_TRUE(control_reply.has_value()) << "control request not answered while shell was busy";
    EXPECT_TRUE(control_reply->content()["busy"].get<bool>());
    release.set_value();
    auto shell_reply = c.receive(c.shell);
    ASSERT_TRUE(shell_reply.has_value());
    EXPECT_EQ(shell_reply->content()["status"], "ok");
}

TEST(io_server, stop_on_error_aborts_queued_requests_with_status_messages)
{
    running_server rs;
    int handled = 0;
    rs.server.register_shell_listener([&](xeus::xmessage m) {
        ++handled;
        std::this_thread::sleep_for(200ms); // the queued requests arrive meanwhile
        rs.server.send_shell(reply_to(m, "execute_reply", {{"status", "error"}}));
        rs.server.abort_queue([](xeus::xmessage) {}, 50);
    });
    rs.server.register_control_listener([](xeus::xmessage) {});
    client c(rs.ctx, rs.config);
    rs.start();
    c.drain_iopub(100ms); // the "starting" status
    auto first = request("execute_request", {{"code", "1/0"}});
    c.send(c.shell, std::move(first));
    std::vector<std::string> queued_ids;
    for (int i = 0; i < 2; ++i)
    {
        auto q = request("execute_request", {{"code", "queued"}});
        queued_ids.push_back(q.header()["msg_id"]);
        c.send(c.shell, std::move(q));
    }
    std::vector<std::string> statuses;
    for (int i = 0; i < 3; ++i)
    {
        auto r = c.receive(c.shell);
        ASSERT_TRUE(r.has_value());
        statuses.push_back(r->content()["status"]);
        if (i > 0)
        {
            EXPECT_EQ(r->parent_header()["msg_id"], queued_ids[i - 1]);
        }
    }
    EXPECT_EQ(statuses, (std::vector<std::string>{"error", "aborted", "aborted"}));
    EXPECT_EQ(handled, 1);
    int busy = 0, idle = 0;
    for (const auto& m : c.drain_iopub())
    {
        if (m.header()["msg_type"] != "status")
            continue;
        std::string parent = m.parent_header().value("msg_id", "");
        if (parent != queued_ids[0] && parent != queued_ids[1])
            continue;
        (m.content()["execution_state"] == "busy" ? busy : idle)++;
    }
    EXPECT_EQ(busy, 2);
    EXPECT_EQ(idle, 2);
}

TEST(io_server, heartbeat_echoes)
{
    running_server rs;
    rs.server.register_shell_listener([](xeus::xmessage) {});
    rs.server.register_control_listener([](xeus::xmessage) {});
    client c(rs.ctx, rs.config);
    rs.start();
    c.hb.send(zmq::str_buffer("ping"));
    zmq::pollitem_t item{c.hb.handle(), 0, ZMQ_POLLIN, 0};
    ASSERT_GT(zmq::poll(&item, 1, 2000ms), 0);
    zmq::message_t echo;
    ASSERT_TRUE(c.hb.recv(echo));
    EXPECT_EQ(echo.to_string(), "ping");
}

TEST(io_server, messages_signed_with_another_key_are_dropped)
{
    running_server rs;
    std::vector<std::string> seen;
    std::promise<void> got_valid;
    rs.server.register_shell_listener([&](xeus::xmessage m) {
        seen.push_back(m.content().value("code", ""));
        got_valid.set_value();
    });
    rs.server.register_control_listener([](xeus::xmessage) {});
    client c(rs.ctx, rs.config);
    rs.start();
    auto forged = xeus::make_xauthentication("hmac-sha256", "wrong-key");
    zmq::multipart_t wire =
        xeus::xzmq_serializer::serialize(request("execute_request", {{"code", "forged"}}), *forged);
    wire.send(c.shell);
    c.send(c.shell, request("execute_request", {{"code", "genuine"}}));
    ASSERT_EQ(got_valid.get_future().wait_for(3s), std::future_status::ready);
    EXPECT_EQ(seen, std::vector<std::string>{"genuine"});
}

TEST(io_server, input_request_reaches_stdin_with_password_field_and_reply_comes_back)
{
    running_server rs;
    std::promise<std::string> value;
    rs.server.register_shell_listener([&](xeus::xmessage m) {
        // What xeus 2.4.1's interpreter sends: "pwd" instead of the spec's "password".
        rs.server.send_stdin(reply_to(m, "input_request", {{"prompt", "name? "}, {"pwd", true}}));
        auto reply = rs.server.wait_stdin_reply(3000ms);
        value.set_value(reply ? reply->content().value("value", "") : "<timeout>");
    });
    rs.server.register_control_listener([](xeus::xmessage) {});
    client c(rs.ctx, rs.config);
    rs.start();
    c.send(c.shell, request("execute_request", {{"code", "input()"}}));
    auto input_request = c.receive(c.stdin_);
    ASSERT_TRUE(input_request.has_value());
    EXPECT_EQ(input_request->content()["prompt"], "name? ");
    EXPECT_EQ(input_request->content()["password"], true);
    EXPECT_FALSE(input_request->content().contains("pwd"));
    c.send(c.stdin_, request("input_reply", {{"value", "Ada"}}));
    EXPECT_EQ(value.get_future().get(), "Ada");
}

} // namespace
