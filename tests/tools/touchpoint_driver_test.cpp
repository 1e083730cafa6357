#include "touchpoint/touchpoint_driver.hpp"

#include "touchpoint/pcsc_card.hpp"
#include "touchpoint/sim_card.hpp"
#include "touchpoint/ws_channel.hpp"

#include "tsm/core/hex.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/test/unit_test.hpp>

#include <deque>
#include <sstream>
#include <thread>

using namespace tsm::tools::touchpoint;
namespace json = boost::json;

namespace {

// Frames the "server" sends, in order; when they run out, the connection is lost.
struct fake_channel final : frame_channel {
    std::deque<std::string> to_client;
    std::vector<std::string>* written = nullptr;
    bool read(std::string& frame, std::string& error) override {
        if (to_client.empty()) {
            error = "scripted disconnect";
            return false;
        }
        frame = std::move(to_client.front());
        to_client.pop_front();
        return true;
    }
    bool write(std::string_view frame, std::string& error) override {
        written->emplace_back(frame);
        (void)error;
        return true;
    }
    void close() override {}
};

struct counting_card final : card {
    sim_card inner{*tsm::core::from_hex("8A2C10"), *tsm::core::from_hex("0E48800471400A")};
    int executed = 0;
    std::string transceive(std::string_view apdu) override {
        ++executed;
        return inner.transceive(apdu);
    }
};

touchpoint_options test_options() {
    touchpoint_options o;
    o.url = "ws://127.0.0.1:1/touchpoint/v1";
    o.app_id = "app1";
    o.service_id = "demo";
    o.fields = {{"pin", "1234"}};
    return o;
}

const std::string description_frame =
    R"({"type":"description","appId":"app1","serviceId":"demo","description":{"title":{"en":"Demo"}}})";
const std::string session_frame = R"({"type":"session","sessionId":"s-1","resumeToken":"tok"})";
const std::string batch1_frame =
    R"({"type":"commands","batch":1,"operationId":"op","commands":["00A4040000","80CA9F7F00"],"stopOnError":true})";
const std::string ok_frame = R"({"type":"status","code":"OK","success":true,"message":"done"})";

json::object obj(const std::string& s) {
    return json::parse(s).as_object();
}

// A factory handing out pre-scripted channels, one per connection attempt (nullptr when none).
struct channel_script {
    std::vector<std::deque<std::string>> connections;
    std::vector<std::vector<std::string>> written;
    std::size_t next = 0;
    channel_factory factory() {
        written.resize(connections.size());
        return [this](std::string& error) -> std::unique_ptr<frame_channel> {
            if (next >= connections.size()) {
                error = "refused";
                return nullptr;
            }
            auto ch = std::make_unique<fake_channel>();
            ch->to_client = connections[next];
            ch->written = &written[next];
            ++next;
            return ch;
        };
    }
};

} // namespace

BOOST_AUTO_TEST_SUITE(touchpoint_driver_suite)

BOOST_AUTO_TEST_CASE(runs_describe_deliver_batch_and_status) {
    channel_script script;
    script.connections = {{description_frame, session_frame, batch1_frame, ok_frame}};
    counting_card c;
    std::ostringstream out, err;
    touchpoint_driver d(test_options(), c, script.factory(), out, err);
    BOOST_TEST(d.run() == exit_ok);
    const auto& w = script.written[0];
    BOOST_REQUIRE_EQUAL(w.size(), 3u);
    BOOST_TEST(obj(w[0]).at("type").as_string() == "describe");
    auto deliver = obj(w[1]);
    BOOST_TEST(deliver.at("type").as_string() == "deliver");
    BOOST_TEST(deliver.at("cardId").at("cin").as_string() == "0E48800471400A");
    BOOST_TEST(deliver.at("cardId").at("platformVersion").as_int64() == 2);
    BOOST_TEST(deliver.at("fields").at("pin").as_string() == "1234");
    auto resp = obj(w[2]);
    BOOST_TEST(resp.at("type").as_string() == "responses");
    BOOST_TEST(resp.at("batch").as_int64() == 1);
    BOOST_REQUIRE_EQUAL(resp.at("responses").as_array().size(), 2u);
    BOOST_TEST(std::string(resp.at("responses").as_array()[1].as_string()).ends_with("9000"));
    BOOST_TEST(out.str().find("service: Demo") != std::string::npos);
    BOOST_TEST(out.str().find("00A4040000") == std::string::npos); // no APDUs without --trace-apdu
}

BOOST_AUTO_TEST_CASE(resumes_and_answers_resent_batch_without_rerunning_it) {
    channel_script script;
    script.connections = {{description_frame, session_frame, batch1_frame}, // then the connection drops
                          {batch1_frame, ok_frame}};
    counting_card c;
    std::ostringstream out, err;
    touchpoint_driver d(test_options(), c, script.factory(), out, err);
    d.set_reconnect_delay(std::chrono::milliseconds(0));
    BOOST_TEST(d.run() == exit_ok);
    BOOST_TEST(d.reconnects() == 1);
    BOOST_TEST(c.executed == 2); // the re-sent batch was answered from the cache
    BOOST_REQUIRE_EQUAL(script.written[1].size(), 2u);
    auto resume = obj(script.written[1][0]);
    BOOST_TEST(resume.at("type").as_string() == "resume");
    BOOST_TEST(resume.at("sessionId").as_string() == "s-1");
    BOOST_TEST(resume.at("resumeToken").as_string() == "tok");
    BOOST_TEST(script.written[1][1] == script.written[0][2]);
}

BOOST_AUTO_TEST_CASE(gives_up_after_max_reconnects) {
    channel_script script;
    script.connections = {{description_frame, session_frame}};
    counting_card c;
    std::ostringstream out, err;
    auto o = test_options();
    o.max_reconnects = 2;
    touchpoint_driver d(o, c, script.factory(), out, err);
    d.set_reconnect_delay(std::chrono::milliseconds(0));
    BOOST_TEST(d.run() == exit_connection);
    BOOST_TEST(d.reconnects() == 2);
}

BOOST_AUTO_TEST_CASE(failed_status_and_error_frames_exit_1) {
    {
        channel_script script;
        script.connections = {
            {description_frame, session_frame, R"({"type":"status","code":"FAILED","success":false})"}};
        counting_card c;
        std::ostringstream out, err;
        touchpoint_driver d(test_options(), c, script.factory(), out, err);
        BOOST_TEST(d.run() == exit_failed);
    }
    {
        channel_script script;
        script.connections = {{R"({"type":"error","code":"unknown_service","message":"no"})"}};
        counting_card c;
        std::ostringstream out, err;
        touchpoint_driver d(test_options(), c, script.factory(), out, err);
        BOOST_TEST(d.run() == exit_failed);
        BOOST_TEST(err.str().find("unknown_service") != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(bad_hex_is_a_protocol_error_reported_to_server) {
    channel_script script;
    script.connections = {{description_frame, session_frame,
                           R"({"type":"commands","batch":1,"commands":["XYZ"],"stopOnError":true})"}};
    counting_card c;
    std::ostringstream out, err;
    touchpoint_driver d(test_options(), c, script.factory(), out, err);
    BOOST_TEST(d.run() == exit_protocol);
    auto last = obj(script.written[0].back());
    BOOST_TEST(last.at("type").as_string() == "status");
    BOOST_TEST(last.at("code").as_string() == "CLIENT_ERROR");
}

// Real WebSocket on 127.0.0.1:0: a scripted server with one batch (stopOnError, an unknown INS
// in the middle) and a final status.
BOOST_AUTO_TEST_CASE(talks_to_a_websocket_server) {
    namespace net = boost::asio;
    namespace websocket = boost::beast::websocket;
    net::io_context ioc;
    net::ip::tcp::acceptor acceptor(ioc, {net::ip::make_address("127.0.0.1"), 0});
    auto port = acceptor.local_endpoint().port();
    std::vector<std::string> received;
    std::string server_error;
    std::thread server([&] {
        try {
            websocket::stream<net::ip::tcp::socket> ws(acceptor.accept());
            ws.accept();
            boost::beast::flat_buffer buf;
            auto next = [&] {
                buf.clear();
                ws.read(buf);
                received.push_back(boost::beast::buffers_to_string(buf.data()));
            };
            ws.text(true);
            next();
            ws.write(net::buffer(description_frame));
            next();
            ws.write(net::buffer(session_frame));
            std::string batch = R"({"type":"commands","batch":7,"operationId":"op","stopOnError":true,)"
                                R"("commands":["00A4040000","80CA9F7F00","80F2000000","80CA004500"]})";
            ws.write(net::buffer(batch));
            next();
            ws.write(net::buffer(ok_frame));
            ws.close(websocket::close_code::normal);
        } catch (const std::exception& e) {
            server_error = e.what();
        }
    });
    counting_card c;
    std::ostringstream out, err;
    auto o = test_options();
    o.url = "ws://127.0.0.1:" + std::to_string(port) + "/touchpoint/v1";
    std::string url = o.url;
    channel_factory connect = [url](std::string& error) {
        return connect_ws(url, ws_channel_options{}, error);
    };
    touchpoint_driver d(o, c, connect, out, err);
    int rc = d.run();
    server.join();
    BOOST_TEST(server_error.empty(), server_error);
    BOOST_TEST(rc == exit_ok, err.str());
    BOOST_REQUIRE_EQUAL(received.size(), 3u);
    auto resp = obj(received[2]);
    BOOST_TEST(resp.at("batch").as_int64() == 7);
    const auto& rs = resp.at("responses").as_array();
    BOOST_REQUIRE_EQUAL(rs.size(), 3u); // stopped at 6D00
    BOOST_TEST(rs[2].as_string() == "6D00");
}

BOOST_AUTO_TEST_CASE(parses_command_line) {
    auto r = parse_touchpoint_args({"--url", "ws://h:1/touchpoint/v1", "--app", "a", "--service", "s",
                                    "--field", "k=v=w", "--trace-apdu", "--max-reconnects", "0"});
    BOOST_REQUIRE(r.options);
    BOOST_TEST(r.options->fields[0].second == "v=w");
    BOOST_TEST(r.options->trace_apdu);
    BOOST_TEST(r.options->max_reconnects == 0);
    BOOST_TEST(!parse_touchpoint_args({"--app", "a", "--service", "s"}).options);
    // --card pcsc parses exactly when the build has pcsc-lite (pcsc_card_test.cpp has the rest).
    BOOST_TEST(parse_touchpoint_args({"--url", "ws://h/", "--app", "a", "--service", "s", "--card", "pcsc"})
                   .options.has_value()
               == pcsc_available());
    BOOST_TEST(
        !parse_touchpoint_args({"--url", "ws://h/", "--app", "a", "--service", "s", "--cin", "ABC"}).options);
    BOOST_TEST(parse_touchpoint_args({"--help"}).help);
}

BOOST_AUTO_TEST_SUITE_END()
