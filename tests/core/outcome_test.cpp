// callback_body: the SP callback body of an operation outcome.
#include "tsm/core/outcome.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

namespace core = tsm::core;
namespace bj = boost::json;

using namespace std::string_literals;

BOOST_AUTO_TEST_SUITE(outcome)

BOOST_AUTO_TEST_CASE(success_body_has_upper_case_hex_responses_and_no_error) {
    core::operation_outcome o;
    o.responses = {std::string("\xab\xcd\x90\x00", 4), std::string("\x6a\x82", 2)};
    const std::string body = core::callback_body("op-1", o);
    const bj::object v = bj::parse(body).as_object();
    BOOST_TEST(v.at("operationId").as_string() == "op-1");
    BOOST_TEST(v.at("statusCode").as_int64() == 200);
    const auto& r = v.at("responses").as_array();
    BOOST_REQUIRE(r.size() == 2u);
    BOOST_TEST(r[0].as_string() == "ABCD9000");
    BOOST_TEST(r[1].as_string() == "6A82");
    BOOST_TEST(!v.contains("error"));
}

BOOST_AUTO_TEST_CASE(success_body_without_responses_has_empty_array) {
    const bj::object v = bj::parse(core::callback_body("op-1", {})).as_object();
    BOOST_TEST(v.at("responses").as_array().empty());
}

BOOST_AUTO_TEST_CASE(failure_body_has_status_code_and_error_object_without_responses) {
    const auto o = core::failed_outcome(409, "session-completed", "the \"SP\" ended it");
    const std::string body = core::callback_body("op-2", o);
    const bj::object v = bj::parse(body).as_object();
    BOOST_TEST(v.at("operationId").as_string() == "op-2");
    BOOST_TEST(v.at("statusCode").as_int64() == 409);
    BOOST_TEST(!v.contains("responses"));
    const auto& e = v.at("error").as_object();
    BOOST_TEST(e.at("code").as_string() == "session-completed");
    BOOST_TEST(e.at("message").as_string() == "the \"SP\" ended it");
}

BOOST_AUTO_TEST_CASE(failure_body_keeps_partial_responses) {
    auto o = core::failed_outcome(500, "card-error", "x");
    o.responses = {std::string("\x90\x00", 2)};
    const bj::object v = bj::parse(core::callback_body("op-3", o)).as_object();
    BOOST_TEST(v.at("responses").as_array().at(0).as_string() == "9000");
    BOOST_TEST(v.at("error").as_object().at("code").as_string() == "card-error");
}

BOOST_AUTO_TEST_CASE(card_errors_name_an_iso_status_word_sw_and_a_desfire_status_byte_status) {
    auto gp = core::failed_outcome(500, "card-error", "wrong data");
    gp.error_command = "INSTALL [for install]";
    gp.error_sw = "6A80";
    const auto g = bj::parse(core::callback_body("op-4", gp)).as_object().at("error").as_object();
    BOOST_TEST(g.at("command").as_string() == "INSTALL [for install]");
    BOOST_TEST(g.at("sw").as_string() == "6A80");
    BOOST_TEST(!g.contains("status"));

    auto df = core::failed_outcome(500, "desfire-error", "duplicate application");
    df.error_command = "CreateApplication";
    df.error_sw = "DE";
    const auto d = bj::parse(core::callback_body("op-5", df)).as_object().at("error").as_object();
    BOOST_TEST(d.at("code").as_string() == "desfire-error");
    BOOST_TEST(d.at("command").as_string() == "CreateApplication");
    BOOST_TEST(d.at("status").as_string() == "DE");
    BOOST_TEST(d.at("message").as_string() == "duplicate application");
    BOOST_TEST(!d.contains("sw"));
}

BOOST_AUTO_TEST_SUITE_END()
