// tsm-touchpoint --protocol fidesmo-ws on a scripted frame channel: the server drives (no first
// message from the client), responses in lower-case hex for every command, the terminal status,
// and CLIENT_ERROR for a lost card or an undecodable frame.
#include "touchpoint/card_error.hpp"
#include "touchpoint/fidesmo_ws_driver.hpp"
#include "touchpoint/virtual_card.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <deque>
#include <sstream>

using namespace tsm::tools::touchpoint;
namespace json = boost::json;

namespace {

struct scripted_channel final : frame_channel {
    std::deque<std::string> to_client;
    std::vector<std::string>* written = nullptr;
    bool* closed = nullptr;
    bool read(std::string& frame, std::string& error) override {
        if (to_client.empty()) {
            error = "scripted disconnect";
            return false;
        }
        frame = std::move(to_client.front());
        to_client.pop_front();
        return true;
    }
    bool write(std::string_view frame, std::string&) override {
        written->emplace_back(frame);
        return true;
    }
    void close() override { *closed = true; }
};

struct run_result {
    int code;
    std::vector<std::string> written;
    bool closed = false;
    std::string out;
    std::string err;
};

run_result run(std::deque<std::string> frames, card& c) {
    run_result r{};
    touchpoint_options o;
    o.protocol = "fidesmo-ws";
    channel_factory connect = [&](std::string&) {
        auto ch = std::make_unique<scripted_channel>();
        ch->to_client = frames;
        ch->written = &r.written;
        ch->closed = &r.closed;
        return std::unique_ptr<frame_channel>(std::move(ch));
    };
    std::ostringstream out, err;
    fidesmo_ws_driver d(o, c, connect, out, err);
    r.code = d.run();
    r.out = out.str();
    r.err = err.str();
    return r;
}

} // namespace

BOOST_AUTO_TEST_SUITE(fidesmo_ws_driver_tests)

BOOST_AUTO_TEST_CASE(answers_commands_in_lower_case_and_ends_on_status_ok) {
    virtual_card c(tsm::sandbox::secure_element_config::with_test_keys());
    auto r = run({R"({"type":"id","value":"s-1"})",
                  R"({"type":"commands","commands":["00A4040000","00B0000010","80CA004500"]})",
                  R"({"type":"status","code":"OK","message":"Done"})"},
                 c);
    BOOST_CHECK_EQUAL(r.code, exit_ok);
    BOOST_REQUIRE_EQUAL(r.written.size(), 1u); // no first message: only the responses
    auto o = json::parse(r.written[0]).as_object();
    BOOST_CHECK_EQUAL(o["type"].as_string(), "responses");
    BOOST_CHECK(!o.contains("batch"));
    const auto& responses = o["responses"].as_array();
    BOOST_REQUIRE_EQUAL(responses.size(), 3u); // every command, the 6D00 included
    BOOST_CHECK_EQUAL(responses[1].as_string(), "6d00");
    BOOST_CHECK_EQUAL(responses[2].as_string(), "45070e48800471400a9000");
    BOOST_CHECK(r.closed);
    BOOST_CHECK(r.out.find("session: s-1") != std::string::npos);
    BOOST_CHECK(r.out.find("status: OK success=true message=Done") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_failure_status_exits_1) {
    virtual_card c(tsm::sandbox::secure_element_config::with_test_keys());
    auto r =
        run({R"({"type":"id","value":"s-1"})", R"({"type":"status","code":"FAILED","message":"no"})"}, c);
    BOOST_CHECK_EQUAL(r.code, exit_failed);
    BOOST_CHECK(r.written.empty());
}

BOOST_AUTO_TEST_CASE(a_lost_card_is_reported_as_client_error) {
    struct lost final : card {
        std::string transceive(std::string_view) override { throw card_lost_error("card removed"); }
    } c;
    auto r = run({R"({"type":"id","value":"s-1"})", R"({"type":"commands","commands":["00A4040000"]})"}, c);
    BOOST_CHECK_EQUAL(r.code, exit_connection);
    BOOST_REQUIRE_EQUAL(r.written.size(), 1u);
    auto o = json::parse(r.written[0]).as_object();
    BOOST_CHECK_EQUAL(o["type"].as_string(), "status");
    BOOST_CHECK_EQUAL(o["code"].as_string(), "CLIENT_ERROR");
    BOOST_CHECK_EQUAL(o["message"].as_string(), "card removed");
    BOOST_CHECK(r.closed);
}

BOOST_AUTO_TEST_CASE(an_unknown_frame_type_is_a_protocol_error) {
    virtual_card c(tsm::sandbox::secure_element_config::with_test_keys());
    auto r = run({R"({"type":"id","value":"s-1"})", R"({"type":"user-interaction"})"}, c);
    BOOST_CHECK_EQUAL(r.code, exit_protocol);
    BOOST_REQUIRE_EQUAL(r.written.size(), 1u);
    BOOST_CHECK_EQUAL(json::parse(r.written[0]).as_object()["code"].as_string(), "CLIENT_ERROR");
    auto bad = run({R"({"type":"commands","commands":["0G"]})"}, c);
    BOOST_CHECK_EQUAL(bad.code, exit_protocol);
}

BOOST_AUTO_TEST_CASE(a_connection_lost_before_the_status_exits_3) {
    virtual_card c(tsm::sandbox::secure_element_config::with_test_keys());
    auto r = run({R"({"type":"id","value":"s-1"})"}, c);
    BOOST_CHECK_EQUAL(r.code, exit_connection);
    BOOST_CHECK(r.err.find("connection lost before the final status") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
