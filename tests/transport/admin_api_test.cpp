// The admin API adapter over a real shard pool (two shards) and the core fake store: every route
// and method (404/405), the token (none, wrong, right), apps put/get/list/delete seen by every
// shard's directory once acknowledged, card and IIN keys (every refusal a 400 naming the field,
// GET never shows a key), store failures as 503, and the body decoders.
#include "tsm/transport/admin_api/admin_api.hpp"
#include "tsm/transport/admin_api/admin_bodies.hpp"

#include "core_port_fakes.hpp"

#include "tsm/core/app_directory.hpp"
#include "tsm/core/card_keys_context.hpp"
#include "tsm/core/shard_runtime.hpp"

#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

using namespace tsm;
namespace tr = tsm::transport;

namespace tsm::test {
namespace {

/// fake_store plus card keys: put/delete_card_keys of a successful commit are applied, and
/// load_card_keys reads them back. fail_next_commit fails the whole write set.
class card_keys_store final : public core::record_store {
public:
    void commit(core::write_set w, core::durability d, boost::asio::any_io_executor ex,
                commit_handler done) override {
        auto puts = w.put_card_keys;
        auto deletes = w.delete_card_keys;
        inner.commit(std::move(w), d, ex,
                     [this, puts = std::move(puts), deletes = std::move(deletes),
                      done = std::move(done)](std::error_code ec) {
                         if (!ec) {
                             for (const auto& r : puts) {
                                 card_keys[{r.master, r.id}] = r;
                             }
                             for (const auto& k : deletes) {
                                 card_keys.erase(k);
                             }
                         }
                         done(ec);
                     });
    }
    void load_operation(std::string id, boost::asio::any_io_executor ex,
                        load_operation_handler done) override {
        inner.load_operation(std::move(id), ex, std::move(done));
    }
    void load_card_keys(bool master, std::string id, boost::asio::any_io_executor ex,
                        load_card_keys_handler done) override {
        std::optional<core::card_keys_record> r;
        if (auto it = card_keys.find({master, id}); it != card_keys.end()) {
            r = it->second;
        }
        boost::asio::post(ex,
                          [done = std::move(done), r = std::move(r)]() mutable { done({}, std::move(r)); });
    }
    std::error_code load_all(core::recovered_state& out) override { return inner.load_all(out); }
    void close() override {}
    const core::store_stats& stats() const noexcept override { return inner.stats(); }

    fake_store inner;
    std::map<std::pair<bool, std::string>, core::card_keys_record> card_keys;
};

/// Two shards running, each with its services (app directory), behind a shard_runtime.
struct shard_fixture {
    static constexpr unsigned shard_count = 2;

    shard_fixture() : pool(shard_count) {
        std::vector<core::shard_services*> views;
        for (unsigned i = 0; i < shard_count; ++i) {
            services.push_back(std::make_unique<core::shard_services>());
            services.back()->index = i;
            services.back()->ioc = &pool.context(i);
            services.back()->apps = std::make_unique<core::app_directory>(i);
            views.push_back(services.back().get());
        }
        runtime = std::make_unique<core::shard_runtime>(pool, std::move(views));
        pool.start();
    }
    ~shard_fixture() { pool.stop(); }

    /// Runs `handler.on_request(req)` on shard 0 and waits (at most 10 s) for its response.
    std::optional<transport::http_response> call(transport::http_handler& handler,
                                                 transport::http_request req) {
        auto p = std::make_shared<std::promise<transport::http_response>>();
        auto f = p->get_future();
        req.shard = 0;
        pool.invoke_on(0, [&handler, req = std::move(req), p]() mutable {
            handler.on_request(std::move(req),
                               [p](transport::http_response r) { p->set_value(std::move(r)); });
        });
        if (f.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
            return std::nullopt;
        }
        return f.get();
    }

    /// Whether each shard's directory holds `app_id`, read on the shards themselves.
    std::vector<bool> directories_holding(const std::string& app_id) {
        std::vector<char> seen(shard_count, 0);
        pool.invoke_on_all_and_wait(
            [&](unsigned i) { seen[i] = services[i]->apps->find(app_id) != nullptr; });
        return {seen.begin(), seen.end()};
    }

    core::shard_pool pool;
    std::vector<std::unique_ptr<core::shard_services>> services;
    std::unique_ptr<core::shard_runtime> runtime;
};

const std::string enc = "404142434445464748494A4B4C4D4E4F";
const std::string mac = "505152535455565758595A5B5C5D5E5F";
const std::string dek = "606162636465666768696A6B6C6D6E6F";
const std::string df_aes = "5E1B9C3A7D20F4866B0C2E9A41D7F358";

std::string gp_body(const std::string& extra = "", const std::string& scp = "03") {
    return R"({"isd":"A000000151000000","scp":")" + scp + R"(","kvn":1,"enc":")" + enc + R"(","mac":")" + mac
           + R"(","dek":")" + dek + "\"" + extra + "}";
}

std::string app_body(const std::string& key = "00112233", const std::string& extra = "") {
    return R"({"key":")" + key
           + R"(","descriptionUrl":"https://sp.example/d/","deliveryUrl":"https://sp.example/v",)"
             R"("callbackPrefixes":["https://sp.example/cb/"])"
           + extra + "}";
}

tr::http_request request(std::string method, std::string target, std::string body = {},
                         std::vector<std::pair<std::string, std::string>> headers = {}) {
    tr::http_request r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.body = std::move(body);
    r.headers = std::move(headers);
    return r;
}

std::string error_code_of(const tr::http_response& r) {
    auto j = boost::json::parse(r.body).as_object();
    return std::string(j.at("error").as_object().at("code").as_string());
}

std::string error_message_of(const tr::http_response& r) {
    auto j = boost::json::parse(r.body).as_object();
    return std::string(j.at("error").as_object().at("message").as_string());
}

std::optional<std::string> header_of(const tr::http_response& r, std::string_view name) {
    for (const auto& [k, v] : r.headers) {
        if (k == name) {
            return v;
        }
    }
    return std::nullopt;
}

/// The admin API over the shard fixture, a card-keys store, a hasher and a vault.
struct admin_fixture : shard_fixture {
    explicit admin_fixture(std::string token = {})
        : hasher(core::bytes(32, 'p')), vault(core::bytes(core::key_vault::kek_size, 'k')),
          health({.probe = &probe,
                  .store = nullptr,
                  .ws_connections = {},
                  .http_connections = {},
                  .store_writable = {}}),
          admin(*runtime, store, hasher, vault, std::move(token), health) {}

    tr::http_response send(tr::http_request req) {
        auto r = call(admin, std::move(req));
        BOOST_REQUIRE_MESSAGE(r.has_value(), "no response within 10 s");
        return std::move(*r);
    }
    tr::http_response send(std::string method, std::string target, std::string body = {}) {
        return send(request(std::move(method), std::move(target), std::move(body)));
    }
    /// A 400 bad-request whose message names `field`, and nothing stored.
    void expect_refused(const std::string& target, const std::string& body, std::string_view field) {
        const auto commits = store.inner.commits.size();
        auto r = send("PUT", target, body);
        BOOST_TEST(r.status == 400, target << " " << body << " -> " << r.status);
        BOOST_TEST(error_code_of(r) == "bad-request");
        BOOST_TEST(error_message_of(r).find(field) != std::string::npos, error_message_of(r)
                                                                             << " lacks " << field);
        for (const auto& secret : {enc, mac, dek, df_aes}) {
            BOOST_TEST(r.body.find(secret) == std::string::npos);
        }
        BOOST_TEST(store.inner.commits.size() == commits);
    }

    card_keys_store store;
    core::secret_hasher hasher;
    core::key_vault vault;
    core::service_probe probe;
    tr::health_api health;
    tr::admin::admin_api admin;
};

} // namespace
} // namespace tsm::test

using tsm::test::admin_fixture;
using tsm::test::error_code_of;
using tsm::test::error_message_of;
using tsm::test::header_of;
using tsm::test::request;

BOOST_AUTO_TEST_SUITE(admin_api)

BOOST_AUTO_TEST_CASE(every_route_answers_405_for_other_methods_and_unknown_paths_404) {
    admin_fixture f;
    struct row {
        const char* method;
        const char* target;
        const char* allow;
    };
    const row wrong_methods[] = {{"POST", "/admin/v1/apps", "GET"},
                                 {"DELETE", "/admin/v1/apps", "GET"},
                                 {"PUT", "/admin/v1/apps/", "GET"},
                                 {"POST", "/admin/v1/apps/sp1", "GET, PUT, DELETE"},
                                 {"PATCH", "/admin/v1/apps/sp1", "GET, PUT, DELETE"},
                                 {"POST", "/admin/v1/cards/0E48", "GET, PUT, DELETE"},
                                 {"HEAD", "/admin/v1/cards/0E48", "GET, PUT, DELETE"},
                                 {"POST", "/admin/v1/iins/8A2C", "GET, PUT, DELETE"},
                                 {"POST", "/healthz", "GET, HEAD"}};
    for (const auto& r : wrong_methods) {
        auto res = f.send(r.method, r.target);
        BOOST_TEST(res.status == 405, r.method << " " << r.target);
        BOOST_TEST(error_code_of(res) == "method-not-allowed");
        BOOST_TEST(header_of(res, "Allow").value_or("") == r.allow, r.method << " " << r.target);
    }
    for (const char* target : {"/", "/admin", "/admin/v1", "/admin/v1/nope", "/admin/v1/cards",
                               "/admin/v1/iins/", "/admin/v1/apps/a/b", "/admin/v2/apps", "/transceive"}) {
        auto res = f.send("GET", target);
        BOOST_TEST(res.status == 404, target);
        BOOST_TEST(error_code_of(res) == "not-found");
    }
    // The routes that exist answer GET.
    BOOST_TEST(f.send("GET", "/admin/v1/apps").status == 200);
    BOOST_TEST(f.send("GET", "/admin/v1/apps/").status == 200);
    BOOST_TEST(f.send("GET", "/admin/v1/apps/none").status == 404);
    BOOST_TEST(f.send("GET", "/admin/v1/cards/0E48").status == 404);
    BOOST_TEST(f.send("GET", "/admin/v1/iins/8A2C").status == 404);
    BOOST_TEST(f.send("GET", "/admin/v1/cards/XYZ").status == 400);
    BOOST_TEST(f.send("DELETE", "/admin/v1/iins/8A2G").status == 400);
}

BOOST_AUTO_TEST_CASE(the_token_guards_everything_but_health) {
    admin_fixture f("s3cret");
    auto with = [](std::string auth) {
        return request("GET", "/admin/v1/apps", {}, {{"Authorization", std::move(auth)}});
    };
    auto none = f.send("GET", "/admin/v1/apps");
    BOOST_TEST(none.status == 401);
    BOOST_TEST(error_code_of(none) == "unauthorized");
    for (const char* wrong :
         {"Bearer wrong", "Bearer s3cre", "Bearer s3cret2", "bearer s3cret", "s3cret", "Basic s3cret", ""}) {
        auto r = f.send(with(wrong));
        BOOST_TEST(r.status == 401, wrong);
        BOOST_TEST(r.body.find("s3cret") == std::string::npos);
    }
    BOOST_TEST(f.send(with("Bearer s3cret")).status == 200);
    // Unknown paths and card keys are behind the token too; health is not.
    BOOST_TEST(f.send("GET", "/admin/v1/nope").status == 401);
    BOOST_TEST(f.send("PUT", "/admin/v1/cards/0E48", tsm::test::gp_body()).status == 401);
    BOOST_TEST(f.store.inner.commits.empty());
    BOOST_TEST(f.send("GET", "/healthz").status == 200);
    BOOST_TEST(f.send("GET", "/metrics").status == 200);
    // Without a token the API is open.
    admin_fixture open;
    BOOST_TEST(open.send("GET", "/admin/v1/apps").status == 200);
}

BOOST_AUTO_TEST_CASE(apps_put_get_list_delete_reach_every_shard_before_the_answer) {
    admin_fixture f;
    auto put = f.send("PUT", "/admin/v1/apps/sp1", tsm::test::app_body());
    BOOST_REQUIRE_EQUAL(put.status, 200);
    auto j = boost::json::parse(put.body).as_object();
    BOOST_TEST(j.at("appId").as_string() == "sp1");
    BOOST_TEST(j.at("descriptionUrl").as_string() == "https://sp.example/d");
    BOOST_TEST(j.at("deliveryMethod").as_string() == "PUT");
    BOOST_TEST(!j.contains("key"));
    BOOST_TEST(put.body.find("00112233") == std::string::npos);
    // Stored durably with the key's digest only, then in every shard's directory.
    BOOST_REQUIRE_EQUAL(f.store.inner.commits.size(), 1u);
    BOOST_TEST((f.store.inner.commits[0].d == core::durability::sync));
    BOOST_REQUIRE_EQUAL(f.store.inner.apps.count("sp1"), 1u);
    BOOST_TEST(f.store.inner.apps["sp1"].key_hash
               == f.hasher.digest(core::app_directory::key_context, std::string("\x00\x11\x22\x33", 4)));
    BOOST_TEST(f.directories_holding("sp1") == (std::vector<bool>{true, true}));

    auto got = f.send("GET", "/admin/v1/apps/sp1");
    BOOST_TEST(got.status == 200);
    BOOST_TEST(got.body == put.body);
    BOOST_REQUIRE_EQUAL(f.send("PUT", "/admin/v1/apps/sp2",
                               tsm::test::app_body("abcdef", R"(,"deliveryMethod":"POST")"))
                            .status,
                        200);
    auto list = boost::json::parse(f.send("GET", "/admin/v1/apps").body).as_object();
    BOOST_REQUIRE_EQUAL(list.at("apps").as_array().size(), 2u);
    BOOST_TEST(list.at("apps").as_array()[1].as_object().at("deliveryMethod").as_string() == "POST");

    auto del = f.send("DELETE", "/admin/v1/apps/sp2");
    BOOST_TEST(del.status == 200);
    BOOST_TEST(del.body == R"({"deleted":"sp2"})");
    BOOST_TEST(f.store.inner.apps.count("sp2") == 0u);
    BOOST_TEST(f.directories_holding("sp2") == (std::vector<bool>{false, false}));
    BOOST_TEST(f.directories_holding("sp1") == (std::vector<bool>{true, true}));
    BOOST_TEST(f.send("DELETE", "/admin/v1/apps/sp2").status == 404);
    BOOST_TEST(f.send("GET", "/admin/v1/apps/sp2").status == 404);
}

BOOST_AUTO_TEST_CASE(bad_apps_are_400_naming_the_field_and_store_nothing) {
    admin_fixture f;
    const std::pair<std::string, std::string> bad[] = {
        {"/admin/v1/apps/x1", R"({"key":"zz"})"},
        {"/admin/v1/apps/x1", "{not json"},
        {"/admin/v1/apps/x1", "[]"},
        {"/admin/v1/apps/x1", tsm::test::app_body("00", R"(,"deliveryMethod":"GET")")},
        {"/admin/v1/apps/x1", tsm::test::app_body("")},
        {"/admin/v1/apps/x%201", tsm::test::app_body()},
        {"/admin/v1/apps/x1",
         R"({"key":"00","descriptionUrl":"http://a/","deliveryUrl":"http://a/","callbackPrefixes":["ftp://a/"]})"},
        {"/admin/v1/apps/x1",
         R"({"key":"00","descriptionUrl":"ftp://a/","deliveryUrl":"http://a/","callbackPrefixes":["http://a/"]})"},
        {"/admin/v1/apps/x1",
         R"({"key":"00","descriptionUrl":"http://a/","deliveryUrl":"http://a/","callbackPrefixes":[]})"},
    };
    const char* fields[] = {"key",   "JSON",           "object",         "deliveryMethod",  "key",
                            "appId", "callbackPrefix", "descriptionUrl", "callbackPrefixes"};
    for (std::size_t i = 0; i < std::size(bad); ++i) {
        f.expect_refused(bad[i].first, bad[i].second, fields[i]);
    }
    BOOST_TEST(f.directories_holding("x1") == (std::vector<bool>{false, false}));
}

BOOST_AUTO_TEST_CASE(a_failed_write_is_503_and_changes_no_directory) {
    admin_fixture f;
    f.store.inner.fail_next_commit();
    auto r = f.send("PUT", "/admin/v1/apps/sp1", tsm::test::app_body());
    BOOST_TEST(r.status == 503);
    BOOST_TEST(error_code_of(r) == "unavailable");
    BOOST_TEST(header_of(r, "Retry-After").value_or("") == "1");
    BOOST_TEST(f.directories_holding("sp1") == (std::vector<bool>{false, false}));
    BOOST_REQUIRE_EQUAL(f.send("PUT", "/admin/v1/apps/sp1", tsm::test::app_body()).status, 200);
    f.store.inner.fail_next_commit();
    BOOST_TEST(f.send("DELETE", "/admin/v1/apps/sp1").status == 503);
    BOOST_TEST(f.directories_holding("sp1") == (std::vector<bool>{true, true}));
    f.store.inner.fail_next_commit();
    BOOST_TEST(f.send("PUT", "/admin/v1/cards/0E48", tsm::test::gp_body()).status == 503);
    BOOST_TEST(f.store.card_keys.empty());
}

BOOST_AUTO_TEST_CASE(card_keys_are_sealed_and_get_never_returns_them) {
    admin_fixture f;
    auto put = f.send("PUT", "/admin/v1/cards/0e48800471400a",
                      tsm::test::gp_body(R"(,"iin":"8a2c10","securityLevel":"33")"));
    BOOST_REQUIRE_MESSAGE(put.status == 200, put.body);
    BOOST_REQUIRE_EQUAL(f.store.card_keys.count({false, "0E48800471400A"}), 1u);
    const auto& rec = f.store.card_keys[{false, "0E48800471400A"}];
    BOOST_TEST(rec.iin == "8A2C10");
    auto opened = f.vault.open(rec.sealed_keys, core::card_keys_context(rec));
    BOOST_REQUIRE(opened);
    BOOST_TEST(core::to_hex(*opened) == tsm::test::enc + tsm::test::mac + tsm::test::dek);
    auto got = f.send("GET", "/admin/v1/cards/0E48800471400A");
    BOOST_TEST(got.status == 200);
    BOOST_TEST(got.body == put.body);
    BOOST_TEST(got.body
               == R"({"cin":"0E48800471400A","iin":"8A2C10","isd":"A000000151000000","scp":"03","kvn":1,)"
                  R"("keyLength":16,"securityLevel":"33"})");
    for (const auto& secret : {tsm::test::enc, tsm::test::mac, tsm::test::dek}) {
        BOOST_TEST(got.body.find(secret) == std::string::npos);
    }
    BOOST_TEST(f.send("DELETE", "/admin/v1/cards/0E48800471400A").body == R"({"deleted":"0E48800471400A"})");
    BOOST_TEST(f.send("GET", "/admin/v1/cards/0E48800471400A").status == 404);
    BOOST_TEST(f.send("DELETE", "/admin/v1/cards/0E48800471400A").status == 404);

    // An IIN master set with GP diversification and a DESFire part.
    auto iin = f.send("PUT", "/admin/v1/iins/8a2c10",
                      tsm::test::gp_body(
                          R"(,"diversification":"emv","desfire":{"keyType":"AES","key":")" + tsm::test::df_aes
                              + R"(","version":3,"diversification":"an10922","systemIdentifier":"4e58"})",
                          "02"));
    BOOST_REQUIRE_MESSAGE(iin.status == 200, iin.body);
    auto ig = f.send("GET", "/admin/v1/iins/8A2C10");
    BOOST_TEST(ig.body
               == R"({"iin":"8A2C10","isd":"A000000151000000","scp":"02","kvn":1,"keyLength":16,)"
                  R"("securityLevel":"03","diversification":"emv","desfire":{"keyType":"AES","version":3,)"
                  R"("diversification":"an10922","systemIdentifier":"4E58","hasKey":true}})");
    BOOST_TEST(ig.body.find(tsm::test::df_aes) == std::string::npos);
    const auto& m = f.store.card_keys[{true, "8A2C10"}];
    auto df = f.vault.open(m.desfire_sealed_key, core::desfire_key_context(m));
    BOOST_REQUIRE(df);
    BOOST_TEST(core::to_hex(*df) == tsm::test::df_aes);
}

BOOST_AUTO_TEST_CASE(every_refusal_of_the_key_set_policy_is_400_naming_the_field) {
    admin_fixture f;
    using tsm::test::gp_body;
    const std::string card = "/admin/v1/cards/0E48";
    const std::string iin = "/admin/v1/iins/8A2C";
    auto df = [](const std::string& inner) { return R"({"desfire":{)" + inner + "}}"; };
    const std::string aes = R"("keyType":"AES","key":")" + tsm::test::df_aes + "\"";
    const std::tuple<std::string, std::string, std::string> table[] = {
        {"/admin/v1/cards/XYZ", gp_body(), "CIN"},
        {"/admin/v1/iins/8A2CZZ", gp_body(), "IIN"},
        {card, "{not json", "JSON"},
        {card, "{}", "desfire object"},
        {card, R"({"iin":"8A2C10"})", "desfire object"},
        {card, R"({"iin":"XY",)" + gp_body().substr(1), "iin"},
        {card,
         R"({"isd":"A000","scp":"03","kvn":1,"enc":")" + tsm::test::enc + R"(","mac":")" + tsm::test::mac
             + R"(","dek":")" + tsm::test::dek + R"("})",
         "isd"},
        {card, gp_body("", "04"), "scp"},
        {card,
         gp_body("", "02").replace(gp_body("", "02").find(tsm::test::enc), 32, tsm::test::enc.substr(0, 30)),
         "same length"},
        {card, gp_body().replace(gp_body().find("\"kvn\":1"), 7, "\"kvn\":300"), "kvn"},
        {card, gp_body().replace(gp_body().find("\"kvn\":1"), 7, "\"kvn\":\"1\""), "kvn"},
        {card, gp_body().replace(gp_body().find(tsm::test::mac), 32, "00"), "same length"},
        {card, gp_body().replace(gp_body().find(tsm::test::mac), 32, "ZZ"), "mac"},
        {card, gp_body().replace(gp_body().find('"' + tsm::test::mac), 34, "7"), "mac must be a string"},
        {card,
         R"({"isd":"A000000151000000","scp":"03","kvn":1,"enc":")" + std::string(40, 'A') + R"(","mac":")"
             + std::string(40, 'B') + R"(","dek":")" + std::string(40, 'C') + R"("})",
         "SCP03 keys"},
        {card, gp_body(R"(,"diversification":"kdf3")"), "master key sets only"},
        {card, gp_body(R"(,"securityLevel":"07")"), "securityLevel"},
        {card, gp_body(R"(,"securityLevel":"33")", "02"), "securityLevel"},
        {iin, gp_body(R"(,"diversification":"kdf3")", "02"), "kdf3"},
        {iin, gp_body(R"(,"diversification":"emv")"), "emv"},
        {iin, gp_body(R"(,"diversification":"rot13")", "02"), "diversification"},
        {card, df(R"("keyType":"AES","key":"0011")"), "16 bytes for AES"},
        {card, df(R"("keyType":"3K3DES","key":")" + tsm::test::df_aes + "\""), "24 bytes for 3K3DES"},
        {card, df(R"("keyType":"AES","key":"00\u0031")"), "plain string"},
        {card, df(R"("keyType":"AES","key":1234)"), "must be a string"},
        {card, df(R"("keyType":"AES","key":"XYZ")"), "desfire.key"},
        {card, df(R"("keyType":"AES","key":"")"), "desfire.key"},
        {card, df(R"("keyType":"AES128","key":")" + tsm::test::df_aes + "\""), "keyType"},
        {card, df(R"("key":")" + tsm::test::df_aes + "\""), "keyType"},
        {card, df(aes + R"(,"version":256)"), "version"},
        {card, df(aes + R"(,"version":"1")"), "version"},
        {card, R"({"desfire":"AES"})", "desfire must be an object"},
        {card, df(aes + R"(,"kvn":1)"), "unknown member"},
        {card, df(aes + R"(,"diversification":"an10922")"), "master key sets only"},
        {iin, df(aes + R"(,"diversification":"kdf3")"), "none or an10922"},
        {iin, df(R"("keyType":"DES","key":"0011223344556677","diversification":"an10922")"), "not DES"},
        {iin, df(aes + R"(,"diversification":"an10922","systemIdentifier":")" + std::string(44, 'A') + "\""),
         "at most 21 bytes"},
        {iin, df(aes + R"(,"diversification":"an10922","systemIdentifier":"4E5")"),
         "systemIdentifier must be hex"},
        {iin, df(aes + R"(,"systemIdentifier":"4E58")"), "an10922 diversification only"},
        {card, R"({"scp":"03","desfire":{)" + aes + "}}", "isd"},
    };
    for (const auto& [target, body, field] : table) {
        BOOST_TEST_CONTEXT(target << " " << body) {
            f.expect_refused(target, body, field);
        }
    }
    BOOST_TEST(f.store.card_keys.empty()); // nothing half-written
    BOOST_TEST(f.send("GET", card).status == 404);
    BOOST_TEST(f.send("GET", iin).status == 404);
}

// ---------------------------------------------------------------- body decoders

BOOST_AUTO_TEST_CASE(app_body_decodes_every_member) {
    core::app_definition a;
    BOOST_TEST(tr::admin::decode_app_body(
                   R"({"key":"00112233","descriptionUrl":"https://sp/d","deliveryUrl":"https://sp/v",
        "deliveryMethod":"POST","callbackPrefixes":["https://sp/cb/","https://sp2/"]})",
                   a)
                   .has_value());
    BOOST_TEST(a.key == std::string("\x00\x11\x22\x33", 4));
    BOOST_TEST(a.description_url == "https://sp/d");
    BOOST_TEST(a.delivery_url == "https://sp/v");
    BOOST_TEST(a.delivery_method == "POST");
    BOOST_TEST(a.callback_prefixes == (std::vector<std::string>{"https://sp/cb/", "https://sp2/"}));
    core::app_definition defaults;
    BOOST_TEST(tr::admin::decode_app_body("{}", defaults).has_value());
    BOOST_TEST(defaults.delivery_method == "PUT");
    BOOST_TEST(defaults.key.empty());
}

BOOST_AUTO_TEST_CASE(app_body_rejects_wrong_types_naming_the_field) {
    for (auto [json, field] : {std::pair{R"({"key":1})", "key"}, std::pair{R"({"key":"0"})", "key"},
                               std::pair{R"({"descriptionUrl":[]})", "descriptionUrl"},
                               std::pair{R"({"deliveryUrl":null})", "deliveryUrl"},
                               std::pair{R"({"deliveryMethod":true})", "deliveryMethod"},
                               std::pair{R"({"callbackPrefixes":"https://sp/"})", "callbackPrefixes"},
                               std::pair{R"({"callbackPrefixes":[1]})", "callbackPrefixes"}}) {
        core::app_definition a;
        auto st = tr::admin::decode_app_body(json, a);
        BOOST_REQUIRE(!st.has_value());
        BOOST_TEST((st.error().code == core::api_errc::bad_request));
        BOOST_TEST(st.error().message.find(field) != std::string::npos,
                   st.error().message << " lacks " << field);
    }
    core::app_definition a;
    BOOST_TEST(!tr::admin::decode_app_body(R"({"key":"00"} {})", a).has_value());
    BOOST_TEST(!tr::admin::decode_app_body("[]", a).has_value());
}

BOOST_AUTO_TEST_CASE(card_keys_body_decodes_keys_in_place_and_ignores_unknown_members) {
    core::card_keys_input in;
    BOOST_REQUIRE(
        tr::admin::decode_card_keys_body(
            R"({"iin":"8A2C","isd":"A000000151","scp":"02","kvn":7,"enc":"0011","mac":"2233","dek":"4455",)"
            R"("securityLevel":"01","diversification":"emv","other":[1,2],)"
            R"("desfire":{"keyType":"DES","key":"0102030405060708","version":4,"diversification":"none","systemIdentifier":"AB"}})",
            in)
            .has_value());
    BOOST_TEST(in.iin == "8A2C");
    BOOST_TEST(in.isd == "A000000151");
    BOOST_TEST(in.scp == "02");
    BOOST_TEST(in.kvn.value_or(-1) == 7);
    BOOST_TEST(core::to_hex(in.enc) == "0011");
    BOOST_TEST(core::to_hex(in.mac) == "2233");
    BOOST_TEST(core::to_hex(in.dek) == "4455");
    BOOST_TEST(in.security_level == "01");
    BOOST_TEST(in.diversification == "emv");
    BOOST_REQUIRE(in.desfire.has_value());
    BOOST_TEST(in.desfire->key_type == "DES");
    BOOST_TEST(core::to_hex(in.desfire->key) == "0102030405060708");
    BOOST_TEST(in.desfire->version == 4);
    BOOST_TEST(in.desfire->diversification == "none");
    BOOST_TEST(in.desfire->system_identifier == "AB");
    core::card_keys_input empty;
    BOOST_TEST(tr::admin::decode_card_keys_body("{}", empty).has_value());
    BOOST_TEST(!empty.has_gp_part());
    BOOST_TEST(!empty.desfire.has_value());
}

BOOST_AUTO_TEST_SUITE_END()
