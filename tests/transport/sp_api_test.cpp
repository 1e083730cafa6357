// The SP API's routes, health hook and authentication, over a real shard pool (sp_api_fixture).
#include "tsm/transport/sp_api/handler.hpp"

#include "sp_api_fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <sodium.h>

#include <string>
#include <vector>

using namespace sp_api_test;

namespace {

std::string base64(std::string_view in) {
    std::string out(sodium_base64_encoded_len(in.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(in.data()), in.size(),
                      sodium_base64_VARIANT_ORIGINAL);
    out.resize(out.size() - 1); // the terminating NUL
    return out;
}

tr::http_request bare(std::string method, std::string target, std::string body = {}) {
    tr::http_request r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.body = std::move(body);
    return r;
}

struct route_case {
    std::string target;
    std::vector<std::string> allowed;
    std::string allow_header;
};

/// Every route with its methods (the Allow header the others get).
const std::vector<route_case> routes = {
    {"/transceive", {"POST", "PUT"}, "POST, PUT"},
    {"/ccm/install", {"POST", "PUT"}, "POST, PUT"},
    {"/ccm/delete", {"POST", "PUT"}, "POST, PUT"},
    {"/ccm/storedata", {"POST", "PUT"}, "POST, PUT"},
    {"/desfire/ev1/createApp", {"POST", "PUT"}, "POST, PUT"},
    {"/desfire/ev1/commands", {"POST", "PUT"}, "POST, PUT"},
    {"/desfire/ev1/deleteApp", {"POST", "PUT"}, "POST, PUT"},
    {"/service/completed", {"POST", "PUT"}, "POST, PUT"},
    {"/status/123e4567-e89b-42d3-a456-426614174000", {"GET"}, "GET"},
    {"/executableLoadFiles", {"POST", "PUT"}, "POST, PUT"},
    {"/v3/apps/0A1B2C3D/capfiles", {"GET", "POST", "PUT"}, "GET, POST, PUT"},
    {"/v3/apps/0A1B2C3D/capfiles/", {"GET", "POST", "PUT"}, "GET, POST, PUT"},
    {"/v2/apps/0A1B2C3D/capfiles", {"GET", "POST", "PUT"}, "GET, POST, PUT"},
    {"/apps/0A1B2C3D/capfiles", {"GET", "POST", "PUT"}, "GET, POST, PUT"},
    {"/v3/apps/0A1B2C3D/capfiles/beef", {"DELETE"}, "DELETE"},
    {"/v2/apps/0A1B2C3D/capfiles/beef", {"DELETE"}, "DELETE"},
    {"/apps/0A1B2C3D/capfiles/beef", {"DELETE"}, "DELETE"},
};

const std::vector<std::string> methods = {"GET", "POST", "PUT", "DELETE", "PATCH"};

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

} // namespace

BOOST_AUTO_TEST_SUITE(sp_api_routes)

BOOST_AUTO_TEST_CASE(every_route_refuses_other_methods_with_405_and_allow) {
    fixture f;
    for (const auto& rc : routes) {
        for (const auto& m : methods) {
            if (contains(rc.allowed, m)) {
                continue;
            }
            auto r = f.call(bare(m, rc.target));
            BOOST_TEST(r.status == 405, m << " " << rc.target << " -> " << r.status);
            BOOST_TEST(error_code(r) == "method-not-allowed", m << " " << rc.target);
            BOOST_TEST(header(r, "Allow") == rc.allow_header, m << " " << rc.target);
        }
    }
}

BOOST_AUTO_TEST_CASE(every_route_serves_its_methods_behind_authentication) {
    // Allowed methods reach the handler, which asks for credentials first.
    fixture f;
    for (const auto& rc : routes) {
        for (const auto& m : rc.allowed) {
            auto r = f.call(bare(m, rc.target));
            BOOST_TEST(r.status == 401, m << " " << rc.target << " -> " << r.status);
            BOOST_TEST(error_code(r) == "unauthorized", m << " " << rc.target);
            BOOST_TEST(header(r, "WWW-Authenticate") == "Basic realm=\"opentsm\"", m << " " << rc.target);
        }
    }
}

BOOST_AUTO_TEST_CASE(unknown_paths_are_404) {
    fixture f;
    for (auto target : {"/", "/nothing", "/transceive/more", "/status/", "/status/a/b", "/ccm",
                        "/desfire/ev1", "/v3/apps/0A1B2C3D", "/v3/apps//capfiles",
                        "/v4/apps/0A1B2C3D/capfiles", "/v3/apps/0A1B2C3D/capfiles/a/b"}) {
        auto r = f.call(fixture::sp_request("GET", target, ""));
        BOOST_TEST(r.status == 404, target << " -> " << r.status);
        BOOST_TEST(error_code(r) == "not-found", target);
        BOOST_TEST(error_message(r) == "no such endpoint", target);
    }
}

BOOST_AUTO_TEST_CASE(the_query_string_does_not_change_the_route) {
    fixture f;
    auto r = f.call(bare("GET", "/transceive?x=1"));
    BOOST_TEST(r.status == 405);
}

BOOST_AUTO_TEST_CASE(health_endpoints_are_served_first_without_credentials) {
    fixture f;
    auto r = f.call(bare("GET", "/healthz"));
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.body == "ok");
    BOOST_TEST(f.health_calls == 1);
    // The hook sees every request first and declines the others.
    auto other = f.call(bare("GET", "/nothing"));
    BOOST_TEST(other.status == 404);
    BOOST_TEST(f.health_calls == 1);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(sp_api_authentication)

namespace {

/// A transceive on an open session, with the given credential headers.
tr::http_response transceive_with(fixture& f, const std::string& sid,
                                  std::vector<std::pair<std::string, std::string>> credentials) {
    auto req = bare("POST", "/transceive", R"({"commands":["00A4040000"]})");
    req.headers = std::move(credentials);
    req.headers.emplace_back("sessionId", sid);
    req.headers.emplace_back("callbackUrl", cb_prefix + "1");
    return f.call(std::move(req));
}

} // namespace

BOOST_AUTO_TEST_CASE(all_three_schemes_authenticate) {
    fixture f;
    const std::string sid = f.session_owned_by(0);
    f.open_session(sid);
    const std::string id(app_id);
    const std::vector<std::vector<std::pair<std::string, std::string>>> schemes = {
        {{"app_id", id}, {"app_key", app_key_hex}},
        {{"Authorization", "Basic " + base64(id + ":" + app_key_hex)}},
        {{"Authorization", "basic " + base64(id + ":" + app_key_hex)}},
        {{"Authorization", "Bearer " + app_key_hex}},
        {{"Authorization", "bearer " + app_key_hex}},
        {{"APP_ID", id}, {"App_Key", app_key_hex}}, // header names are case-insensitive
    };
    for (std::size_t i = 0; i < schemes.size(); ++i) {
        auto r = transceive_with(f, sid, schemes[i]);
        BOOST_TEST(r.status == 200, "scheme " << i << " -> " << r.status << " " << r.body);
        BOOST_TEST(body_of(r).contains("operationId"), "scheme " << i);
    }
}

BOOST_AUTO_TEST_CASE(wrong_or_missing_credentials_are_401_with_www_authenticate) {
    fixture f;
    const std::string sid = f.session_owned_by(0);
    f.open_session(sid);
    const std::string id(app_id);
    const std::vector<std::vector<std::pair<std::string, std::string>>> wrong = {
        {},
        {{"app_id", id}},
        {{"app_id", id}, {"app_key", other_key_hex}}, // another app's key
        {{"app_id", id}, {"app_key", "00112233"}},    // a wrong key
        {{"app_id", id}, {"app_key", "not hex"}},
        {{"app_id", "FFFFFFFF"}, {"app_key", app_key_hex}}, // no such app
        {{"Authorization", "Bearer 0011"}},
        {{"Authorization", "Bearer"}},
        {{"Authorization", "Basic " + base64(id + app_key_hex)}}, // no colon
        {{"Authorization", "Basic !!!"}},                         // not base64
        {{"Authorization", "Digest " + app_key_hex}},
    };
    for (std::size_t i = 0; i < wrong.size(); ++i) {
        auto r = transceive_with(f, sid, wrong[i]);
        BOOST_TEST(r.status == 401, "case " << i << " -> " << r.status);
        BOOST_TEST(error_code(r) == "unauthorized", "case " << i);
        BOOST_TEST(header(r, "WWW-Authenticate") == "Basic realm=\"opentsm\"", "case " << i);
        BOOST_TEST(r.body.find(app_key_hex) == std::string::npos); // never echoed
    }
    // Nothing was queued.
    BOOST_TEST(f.store.fake.operations.empty());
}

BOOST_AUTO_TEST_CASE(a_basic_key_may_contain_a_colon_after_the_first) {
    // The split is at the first colon: "id:key:rest" is app "id" with key "key:rest" (not hex: 401).
    fixture f;
    const std::string sid = f.session_owned_by(0);
    f.open_session(sid);
    auto r = transceive_with(f, sid,
                             {{"Authorization",
                               "Basic " + base64(std::string(app_id) + ":" + app_key_hex + ":x")}});
    BOOST_TEST(r.status == 401);
}

BOOST_AUTO_TEST_CASE(another_apps_session_is_404) {
    fixture f;
    const std::string sid = f.session_owned_by(1);
    f.open_session(sid, app_id);
    auto r = f.call(fixture::sp_request("POST", "/transceive", R"({"commands":["00A4040000"]})", sid,
                                        other_app_id, other_key_hex));
    BOOST_TEST(r.status == 404);
    BOOST_TEST(error_code(r) == "session-not-found");
    auto c = f.call(fixture::sp_request("POST", "/service/completed", R"({"success":true})", sid,
                                        other_app_id, other_key_hex));
    BOOST_TEST(c.status == 404);
    BOOST_TEST(error_code(c) == "session-not-found");
    // The owner still can.
    auto ok = f.call(fixture::sp_request("POST", "/transceive", R"({"commands":["00A4040000"]})", sid));
    BOOST_TEST(ok.status == 200);
}

BOOST_AUTO_TEST_CASE(authentication_uses_the_calling_shards_directory) {
    // An app only shard 1 knows authenticates on shard 1 and not on shard 0.
    fixture f;
    core::app_record late;
    late.app_id = "12345678";
    late.key_hash = f.hasher.digest(core::app_directory::key_context, *core::from_hex(app_key_hex + "00"));
    late.callback_prefixes = {cb_prefix};
    f.run_on(1, [&](core::shard_services& s) { s.apps->put(late); });
    auto req = fixture::sp_request("GET", "/status/123e4567-e89b-42d3-a456-426614174000", "", {}, "12345678",
                                   app_key_hex + "00");
    BOOST_TEST(f.call(req, 0).status == 401);
    BOOST_TEST(f.call(req, 1).status == 404); // authenticated; no such operation
}

BOOST_AUTO_TEST_SUITE_END()
