#include "tsm/transport/route_table.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace tr = tsm::transport;

namespace {

struct routed {
    bool dispatched = false;
    std::optional<tr::http_response> response;
    std::string handler;
    std::vector<std::string> params;
    std::string rest;
};

tr::route_table::handler named(std::string name, routed& out) {
    return [name, &out](tr::http_request&, const tr::route_match& m, tr::http_responder&) {
        out.handler = name;
        for (auto p : m.params) {
            out.params.emplace_back(p);
        }
        out.rest = std::string(m.rest);
    };
}

routed route(const tr::route_table& t, routed& r, std::string method, std::string target,
             bool answer_not_found = true) {
    tr::http_request req;
    req.method = std::move(method);
    req.target = std::move(target);
    tr::http_responder respond = [&r](tr::http_response res) { r.response = std::move(res); };
    r.dispatched = t.dispatch(req, respond, answer_not_found);
    return r;
}

std::string header(const tr::http_response& r, std::string_view name) {
    for (const auto& [k, v] : r.headers) {
        if (k == name) {
            return v;
        }
    }
    return {};
}

std::string error_code(const tr::http_response& r) {
    return std::string(boost::json::parse(r.body).at("error").at("code").as_string());
}

} // namespace

BOOST_AUTO_TEST_SUITE(route_table)

BOOST_AUTO_TEST_CASE(captures_params_in_pattern_order) {
    routed r;
    tr::route_table t;
    t.add("/v3/apps/{appId}/capfiles/{id}", {"DELETE"}, named("delete", r));
    route(t, r, "DELETE", "/v3/apps/0A1B/capfiles/beef?x=1");
    BOOST_TEST(r.dispatched);
    BOOST_TEST(!r.response.has_value());
    BOOST_TEST(r.handler == "delete");
    BOOST_TEST(r.params == (std::vector<std::string>{"0A1B", "beef"}));
}

BOOST_AUTO_TEST_CASE(a_param_needs_a_non_empty_segment) {
    routed r;
    tr::route_table t;
    t.add("/status/{id}", {"GET"}, named("status", r));
    route(t, r, "GET", "/status/");
    BOOST_TEST(r.handler.empty());
    BOOST_REQUIRE(r.response.has_value());
    BOOST_TEST(r.response->status == 404);
}

BOOST_AUTO_TEST_CASE(a_trailing_star_matches_the_rest) {
    routed r;
    tr::route_table t;
    t.add("/files/*", {"GET"}, named("files", r));
    route(t, r, "GET", "/files/a/b/c");
    BOOST_TEST(r.handler == "files");
    BOOST_TEST(r.rest == "a/b/c");
    routed empty;
    tr::route_table t2;
    t2.add("/files/*", {"GET"}, named("files", empty));
    route(t2, empty, "GET", "/files");
    BOOST_TEST(empty.handler == "files");
    BOOST_TEST(empty.rest.empty());
}

BOOST_AUTO_TEST_CASE(no_match_answers_404_or_leaves_it_to_the_caller) {
    routed r;
    tr::route_table t;
    t.add("/transceive", {"POST"}, named("transceive", r));
    route(t, r, "POST", "/transceive/extra");
    BOOST_TEST(r.dispatched);
    BOOST_REQUIRE(r.response.has_value());
    BOOST_TEST(r.response->status == 404);
    BOOST_TEST(error_code(*r.response) == "not-found");

    routed quiet;
    route(t, quiet, "POST", "/nothing", false);
    BOOST_TEST(!quiet.dispatched);
    BOOST_TEST(!quiet.response.has_value());
}

BOOST_AUTO_TEST_CASE(another_method_answers_405_with_allow) {
    routed r;
    tr::route_table t;
    t.add("/transceive", {"POST", "PUT"}, named("transceive", r));
    route(t, r, "GET", "/transceive");
    BOOST_TEST(r.handler.empty());
    BOOST_REQUIRE(r.response.has_value());
    BOOST_TEST(r.response->status == 405);
    BOOST_TEST(error_code(*r.response) == "method-not-allowed");
    BOOST_TEST(header(*r.response, "Allow") == "POST, PUT");
    BOOST_TEST(r.response->body.find("use POST or PUT") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(methods_are_case_sensitive) {
    routed r;
    tr::route_table t;
    t.add("/status/{id}", {"GET"}, named("status", r));
    route(t, r, "get", "/status/x");
    BOOST_REQUIRE(r.response.has_value());
    BOOST_TEST(r.response->status == 405);
}

BOOST_AUTO_TEST_CASE(the_first_matching_pattern_wins) {
    routed r;
    tr::route_table t;
    t.add("/apps/{appId}/capfiles", {"GET"}, named("param", r));
    t.add("/apps/mine/capfiles", {"GET"}, named("literal", r));
    route(t, r, "GET", "/apps/mine/capfiles");
    BOOST_TEST(r.handler == "param");
}

BOOST_AUTO_TEST_CASE(a_later_pattern_serves_a_method_the_first_refuses) {
    routed r;
    tr::route_table t;
    t.add("/x/{id}", {"GET"}, named("get", r));
    t.add("/x/{id}", {"DELETE"}, named("delete", r));
    route(t, r, "DELETE", "/x/1");
    BOOST_TEST(r.handler == "delete");
    // Refused by both: the Allow header is the first match's.
    routed refused;
    tr::route_table t2;
    t2.add("/x/{id}", {"GET"}, named("get", refused));
    t2.add("/x/{id}", {"DELETE"}, named("delete", refused));
    route(t2, refused, "PUT", "/x/1");
    BOOST_REQUIRE(refused.response.has_value());
    BOOST_TEST(refused.response->status == 405);
    BOOST_TEST(header(*refused.response, "Allow") == "GET");
}

BOOST_AUTO_TEST_CASE(malformed_routes_are_refused_at_start_up) {
    routed r;
    tr::route_table t;
    BOOST_CHECK_THROW(t.add("no-slash", {"GET"}, named("x", r)), std::logic_error);
    BOOST_CHECK_THROW(t.add("/a", {}, named("x", r)), std::logic_error);
    BOOST_CHECK_THROW(t.add("/a/*/b", {"GET"}, named("x", r)), std::logic_error);
    BOOST_CHECK_THROW(t.add("/a", {"GET"}, tr::route_table::handler{}), std::logic_error);
}

BOOST_AUTO_TEST_SUITE_END()
