// The v1 touch-point driver's user input, against scripted frames: the description's
// fieldsRequired collected and encrypted under its certificate in deliver (with the
// "user-interaction" feature), user-interaction steps answered (plain and encrypted, the SP's
// key opens them), a re-sent prompt answered again without asking, user-action acknowledged,
// --decline, and a prompt the touch point cannot answer failing the session as CLIENT_ERROR.
#include "example_sp/sp_key.hpp"
#include "touchpoint/sim_card.hpp"
#include "touchpoint/touchpoint_driver.hpp"

#include "tsm/core/hex.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <deque>
#include <sstream>

using namespace tsm::tools::touchpoint;
using tsm::tools::example_sp::sp_key;
namespace json = boost::json;

namespace {

struct scripted_channel final : frame_channel {
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
    bool write(std::string_view frame, std::string&) override {
        written->emplace_back(frame);
        return true;
    }
    void close() override {}
};

struct script {
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
            auto ch = std::make_unique<scripted_channel>();
            ch->to_client = connections[next];
            ch->written = &written[next];
            ++next;
            return ch;
        };
    }
};

touchpoint_options options(field_values fields) {
    touchpoint_options o;
    o.url = "ws://127.0.0.1:1/touchpoint/v1";
    o.app_id = "app1";
    o.service_id = "pin";
    o.fields = std::move(fields);
    o.max_reconnects = 1;
    return o;
}

std::string description(const std::string& certificate_hex, const std::string& fields_required = "[]") {
    std::string d = R"({"type":"description","appId":"app1","serviceId":"pin","description":{"title":"PIN",)"
                    R"("fieldsRequired":)"
                    + fields_required;
    if (!certificate_hex.empty()) {
        d += R"(,"certificate":")" + certificate_hex + "\"";
    }
    return d + "}}";
}

const std::string session_frame = R"({"type":"session","sessionId":"s-1","resumeToken":"tok"})";
const std::string ok_frame = R"({"type":"status","code":"OK","success":true,"message":"PIN set"})";
const std::string pin_prompt =
    R"({"type":"user-interaction","operationId":"op-1","fields":[{"id":"pin","type":"edit","label":{"en":"Choose a PIN"}}],"encrypted":true})";

json::object obj(const std::string& s) {
    return json::parse(s).as_object();
}

sp_key fresh_key() {
    std::string error;
    auto k = sp_key::generate(error);
    BOOST_REQUIRE_MESSAGE(k, error);
    return std::move(*k);
}

std::string open_field(const sp_key& key, const json::object& frame, const std::string& id) {
    auto aes = key.unwrap(std::string(frame.at("ephemeralKey").as_string()));
    BOOST_REQUIRE(aes);
    auto v = sp_key::decrypt_value(*aes, std::string(frame.at("fields").at(id).as_string()));
    BOOST_REQUIRE(v);
    return *v;
}

struct run_result {
    int code;
    std::string out;
    std::string err;
};

run_result run(script& s, const touchpoint_options& o, std::istream* terminal = nullptr) {
    sim_card c(*tsm::core::from_hex("8A2C10"), *tsm::core::from_hex("0E48800471400A"));
    std::ostringstream out, err;
    touchpoint_driver d(o, c, s.factory(), out, err);
    d.set_reconnect_delay(std::chrono::milliseconds(0));
    d.set_terminal(terminal);
    const int code = d.run();
    return {code, out.str(), err.str()};
}

} // namespace

BOOST_AUTO_TEST_SUITE(touchpoint_user_steps_tests)

BOOST_AUTO_TEST_CASE(deliver_announces_the_feature_and_encrypts_fields_required) {
    const sp_key key = fresh_key();
    script s;
    s.connections = {{description(key.certificate_hex(), R"([{"id":"name","type":"edit","label":"Name"}])"),
                      session_frame, ok_frame}};
    std::istringstream terminal("Ann\n");
    auto r = run(s, options({{"extra", "x1"}}), &terminal);
    BOOST_CHECK_MESSAGE(r.code == exit_ok, r.err);
    const auto deliver = obj(s.written[0].at(1));
    BOOST_CHECK_EQUAL(deliver.at("features").as_array().at(0).as_string(), "user-interaction");
    BOOST_CHECK_EQUAL(open_field(key, deliver, "name"), "Ann");
    BOOST_CHECK_EQUAL(open_field(key, deliver, "extra"), "x1"); // every value, under one key
    BOOST_CHECK(s.written[0].at(1).find("Ann") == std::string::npos);
    BOOST_CHECK(r.out.find("Ann") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(deliver_without_a_certificate_sends_the_fields_clear) {
    script s;
    s.connections = {{description(""), session_frame, ok_frame}};
    auto r = run(s, options({{"pin", "1234"}}));
    BOOST_CHECK_MESSAGE(r.code == exit_ok, r.err);
    const auto deliver = obj(s.written[0].at(1));
    BOOST_CHECK_EQUAL(deliver.at("fields").at("pin").as_string(), "1234");
    BOOST_CHECK(!deliver.contains("ephemeralKey"));
}

BOOST_AUTO_TEST_CASE(an_encrypted_prompt_is_answered_once_even_when_resent_after_a_resume) {
    const sp_key key = fresh_key();
    script s;
    // The prompt, then the connection drops; the server re-sends the unanswered prompt.
    s.connections = {{description(key.certificate_hex()), session_frame, pin_prompt}, {pin_prompt, ok_frame}};
    auto r = run(s, options({{"pin", "1234"}}));
    BOOST_CHECK_MESSAGE(r.code == exit_ok, r.err);
    const auto& first = s.written.at(0);
    BOOST_REQUIRE_EQUAL(first.size(), 3u);
    const auto input = obj(first[2]);
    BOOST_CHECK_EQUAL(input.at("type").as_string(), "user-input");
    BOOST_CHECK_EQUAL(input.at("operationId").as_string(), "op-1");
    BOOST_CHECK_EQUAL(open_field(key, input, "pin"), "1234");
    BOOST_CHECK(first[2].find("\"1234\"") == std::string::npos); // hex ciphertext only
    const auto& second = s.written.at(1);
    BOOST_REQUIRE_EQUAL(second.size(), 2u); // resume, the same answer
    BOOST_CHECK_EQUAL(obj(second[0]).at("type").as_string(), "resume");
    BOOST_CHECK_EQUAL(obj(second[0]).at("features").as_array().at(0).as_string(), "user-interaction");
    BOOST_CHECK_EQUAL(second[1], first[2]);
    BOOST_CHECK(r.out.find("re-sending the answer already given") != std::string::npos);
    BOOST_CHECK(r.out.find("1234") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_plain_prompt_is_asked_on_the_terminal) {
    script s;
    s.connections = {
        {description(""), session_frame,
         R"({"type":"user-interaction","operationId":"op-2","fields":[{"id":"ok","type":"checkbox","label":"Agree"},{"id":"t","type":"text","label":"Note"}],"encrypted":false})",
         ok_frame}};
    std::istringstream terminal("true\n");
    auto r = run(s, options({}), &terminal);
    BOOST_CHECK_MESSAGE(r.code == exit_ok, r.err);
    const auto input = obj(s.written[0].at(2));
    BOOST_CHECK_EQUAL(input.at("fields").at("ok").as_string(), "true");
    BOOST_CHECK(!input.at("fields").as_object().contains("t"));
    BOOST_CHECK(!input.contains("ephemeralKey"));
    BOOST_CHECK(r.out.find("Agree (true/false): ") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_user_action_is_shown_and_acknowledged) {
    script s;
    s.connections = {
        {description(""), session_frame,
         R"({"type":"user-action","operationId":"op-3","actions":[{"name":"phonecall","description":{"en":"Call us"},"parameters":{"number":"+4612345"}}]})",
         ok_frame}};
    auto r = run(s, options({}));
    BOOST_CHECK_MESSAGE(r.code == exit_ok, r.err);
    BOOST_CHECK_EQUAL(s.written[0].at(2), R"({"type":"user-input","operationId":"op-3"})");
    BOOST_CHECK(r.out.find("phonecall: Call us") != std::string::npos);
    BOOST_CHECK(r.out.find("+4612345") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(decline_answers_declined) {
    const sp_key key = fresh_key();
    script s;
    s.connections = {{description(key.certificate_hex()), session_frame, pin_prompt,
                      R"({"type":"user-action","operationId":"op-4","actions":[]})", ok_frame}};
    auto o = options({{"pin", "1234"}});
    o.decline = true;
    auto r = run(s, o);
    BOOST_CHECK_MESSAGE(r.code == exit_ok, r.err);
    BOOST_CHECK_EQUAL(s.written[0].at(2), R"({"type":"user-input","operationId":"op-1","declined":true})");
    BOOST_CHECK_EQUAL(s.written[0].at(3), R"({"type":"user-input","operationId":"op-4","declined":true})");
}

BOOST_AUTO_TEST_CASE(an_unanswerable_prompt_fails_the_session_as_client_error) {
    script s;
    // Encrypted but the description has no certificate; then a plain one with no answer.
    s.connections = {{description(""), session_frame, pin_prompt}};
    auto r = run(s, options({{"pin", "1234"}}));
    BOOST_CHECK_EQUAL(r.code, exit_failed);
    const auto status = obj(s.written[0].at(2));
    BOOST_CHECK_EQUAL(status.at("code").as_string(), "CLIENT_ERROR");
    BOOST_CHECK(std::string(status.at("message").as_string()).find("no certificate") != std::string::npos);

    script s2;
    s2.connections = {
        {description(""), session_frame,
         R"({"type":"user-interaction","operationId":"op-5","fields":[{"id":"pin","type":"edit"}],"encrypted":false})"}};
    auto r2 = run(s2, options({}));
    BOOST_CHECK_EQUAL(r2.code, exit_failed);
    BOOST_CHECK_EQUAL(obj(s2.written[0].at(2)).at("code").as_string(), "CLIENT_ERROR");
}

BOOST_AUTO_TEST_CASE(fields_required_without_an_answer_fail_before_delivery) {
    script s;
    s.connections = {{description("", R"([{"id":"pin","type":"edit"}])")}};
    auto r = run(s, options({}));
    BOOST_CHECK_EQUAL(r.code, exit_failed);
    BOOST_CHECK_EQUAL(s.written[0].size(), 1u); // describe only: no deliver
    BOOST_CHECK(r.err.find("no answer for field pin") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
