// The admin API and its token protection; the device registry through a real tsmd.
#include "tsm_env.hpp"

#include <boost/test/unit_test.hpp>

#include "child_process.hpp"

#include <fstream>
#include <optional>
#include <utility>

using namespace tsm::test;

BOOST_AUTO_TEST_SUITE(admin)

BOOST_AUTO_TEST_CASE(apps_put_get_list_delete) {
    tsm_env env;
    const auto port = env.tsmd->admin_port();
    auto got = http_call(port, "GET", "/admin/v1/apps/" + app_id);
    BOOST_CHECK_EQUAL(got.status, 200);
    auto j = got.json().as_object();
    BOOST_CHECK_EQUAL(str(j["appId"]), app_id);
    BOOST_CHECK_EQUAL(str(j["deliveryMethod"]), "PUT");
    BOOST_CHECK(!j.contains("key"));
    BOOST_CHECK(got.body.find(app_key) == std::string::npos);

    BOOST_CHECK_EQUAL(env.register_app("second", "abcdef").status, 200);
    auto list = http_call(port, "GET", "/admin/v1/apps");
    BOOST_CHECK_EQUAL(list.status, 200);
    BOOST_CHECK_EQUAL(list.json().as_object()["apps"].as_array().size(), 2u);

    BOOST_CHECK_EQUAL(http_call(port, "DELETE", "/admin/v1/apps/second").status, 200);
    BOOST_CHECK_EQUAL(http_call(port, "DELETE", "/admin/v1/apps/second").status, 404);
    BOOST_CHECK_EQUAL(http_call(port, "GET", "/admin/v1/apps/second").status, 404);

    auto bad = http_call(port, "PUT", "/admin/v1/apps/x1", {}, R"({"key":"zz"})");
    BOOST_CHECK_EQUAL(bad.status, 400);
    auto bad_method = http_call(
        port, "PUT", "/admin/v1/apps/x1", {},
        R"({"key":"00","descriptionUrl":"http://a/","deliveryUrl":"http://a/","deliveryMethod":"GET","callbackPrefixes":["http://a/"]})");
    BOOST_CHECK_EQUAL(bad_method.status, 400);
    auto bad_prefix = http_call(
        port, "PUT", "/admin/v1/apps/x1", {},
        R"({"key":"00","descriptionUrl":"http://a/","deliveryUrl":"http://a/","callbackPrefixes":["ftp://a/"]})");
    BOOST_CHECK_EQUAL(bad_prefix.status, 400);

    // POST delivery method is honoured.
    auto post_app = http_call(port, "PUT", "/admin/v1/apps/" + app_id, {},
                              R"({"key":")" + app_key + R"(","descriptionUrl":")" + env.sp.base()
                                  + R"(/desc","deliveryUrl":")" + env.sp.base()
                                  + R"(/deliver","deliveryMethod":"POST","callbackPrefixes":[")"
                                  + env.sp.base() + R"(/cb/"]})");
    BOOST_CHECK_EQUAL(post_app.status, 200);
    ws_client ws(env.tsmd->port());
    env.deliver(ws);
    BOOST_CHECK_EQUAL(env.sp.delivery_method(), "POST");
}

BOOST_AUTO_TEST_CASE(the_device_registry_keeps_devices_with_and_without_keys_across_a_restart) {
    tsm_env env;
    auto port = env.tsmd->admin_port();
    const std::string cplc =
        "4790504047918102000000000000000000000000000000000000000000000000000000000000000000AA";
    const std::string keyless = R"({"iin":"8A2C10","platformVersion":3,"osTypeVersionName":"JCOP3SECIDCS",)"
                                R"("batchId":0,"cplc":")"
                                + cplc + R"(","uid":"04A1B2C3D4E5F6"})";
    auto put = http_call(port, "PUT", "/admin/v1/cards/0E48800471400A", {}, keyless);
    BOOST_CHECK_EQUAL(put.status, 200);
    const std::string enc = "404142434445464748494A4B4C4D4E4F";
    auto keyed =
        http_call(port, "PUT", "/admin/v1/cards/0B02", {},
                  R"({"iin":"8A2C10","platformVersion":2,"isd":"A000000151000000","scp":"03","kvn":48,)"
                  R"("enc":")"
                      + enc + R"(","mac":")" + enc + R"(","dek":")" + enc + R"("})");
    BOOST_CHECK_EQUAL(keyed.status, 200);
    BOOST_CHECK(keyed.body.find(enc) == std::string::npos);
    // bad input: a clear 400, nothing written (the existing record unchanged, no new one)
    auto clash = http_call(port, "PUT", "/admin/v1/cards/0C03", {},
                           R"({"iin":"8A2C10","platformVersion":3,"cplc":")" + cplc + R"("})");
    BOOST_CHECK_EQUAL(clash.status, 400);
    BOOST_CHECK_EQUAL(str(clash.json().as_object()["error"].as_object()["code"]), "bad-request");
    auto bad = http_call(port, "PUT", "/admin/v1/cards/0E48800471400A", {},
                         R"({"iin":"8A2C10","platformVersion":0})");
    BOOST_CHECK_EQUAL(bad.status, 400);
    BOOST_CHECK_EQUAL(http_call(port, "GET", "/admin/v1/cards/0C03").status, 404);

    env.restart_after_kill();
    port = env.tsmd->admin_port();
    auto got = http_call(port, "GET", "/admin/v1/cards/0E48800471400A");
    BOOST_CHECK_EQUAL(got.status, 200);
    BOOST_CHECK_EQUAL(got.body, R"({"cin":"0E48800471400A","iin":"8A2C10","platformVersion":3,)"
                                R"("osTypeVersionName":"JCOP3SECIDCS","batchId":0,"cplc":")"
                                    + cplc + R"(","uid":"04A1B2C3D4E5F6"})");
    auto got_keyed = http_call(port, "GET", "/admin/v1/cards/0B02");
    BOOST_CHECK_EQUAL(got_keyed.status, 200);
    auto k = got_keyed.json().as_object();
    BOOST_CHECK_EQUAL(k["platformVersion"].as_int64(), 2);
    BOOST_CHECK_EQUAL(str(k["isd"]), "A000000151000000");
    BOOST_CHECK(got_keyed.body.find(enc) == std::string::npos);
    // the CPLC is free again once its card is deleted
    BOOST_CHECK_EQUAL(http_call(port, "DELETE", "/admin/v1/cards/0E48800471400A").status, 200);
    BOOST_CHECK_EQUAL(http_call(port, "PUT", "/admin/v1/cards/0C03", {},
                                R"({"iin":"8A2C10","platformVersion":3,"cplc":")" + cplc + R"("})")
                          .status,
                      200);
}

BOOST_AUTO_TEST_CASE(token_protects_the_admin_api) {
    temp_dir dir;
    tsmd_process tsmd(dir.path(), 1, {"--admin-token", "s3cret"});
    BOOST_CHECK_EQUAL(http_call(tsmd.admin_port(), "GET", "/admin/v1/apps").status, 401);
    BOOST_CHECK_EQUAL(
        http_call(tsmd.admin_port(), "GET", "/admin/v1/apps", {{"Authorization", "Bearer wrong"}}).status,
        401);
    BOOST_CHECK_EQUAL(
        http_call(tsmd.admin_port(), "GET", "/admin/v1/apps", {{"Authorization", "Bearer s3cret"}}).status,
        200);
}

namespace {

/// tsm_env's config file replaced by one `[[apps]]` entry for `cafe0001` whose SP is env.sp.
void write_config_app(tsm_env& env, const std::string& key, const std::string& method) {
    std::ofstream f(env.config_path);
    f << "[callbacks]\ninitial_backoff_ms = 50\nmax_backoff_ms = 200\n"
      << "[[apps]]\nid = \"cafe0001\"\nkey = \"" << key << "\"\ndelivery_method = \"" << method
      << "\"\ndescription_url = \"" << env.sp.base() << "/desc\"\ndelivery_url = \"" << env.sp.base()
      << "/deliver\"\ncallback_prefixes = [\"" << env.sp.base() << "/cb/\"]\n";
}

/// The SP API's answer to `key` for app cafe0001: 404 (authenticated, no such operation) or 401.
int status_as_cafe(tsm_env& env, const std::string& key) {
    return http_call(env.tsmd->port(), "GET", "/status/6f1c2d3e-0000-4000-8000-00000000abcd",
                     {{"app_id", "cafe0001"}, {"app_key", key}})
        .status;
}

/// Runs tsmd with `args` (after the binary) until it exits (bounded: 30 s).
std::pair<std::optional<int>, std::string> run_tsmd(const temp_dir& dir, std::vector<std::string> args) {
    args.insert(args.begin(), tsmd_process::binary());
    child_process p(std::move(args), dir.path() + "/tsmd-run.log");
    auto code = p.wait_exit(std::chrono::seconds(30));
    return {code, p.log()};
}

} // namespace

BOOST_AUTO_TEST_CASE(apps_from_the_config_file_work) {
    tsm_env env;
    write_config_app(env, "0102", "PUT");
    BOOST_REQUIRE_EQUAL(env.tsmd->terminate(), 0);
    env.start();
    auto app = http_call(env.tsmd->admin_port(), "GET", "/admin/v1/apps/cafe0001");
    BOOST_CHECK_EQUAL(app.status, 200);
    BOOST_CHECK(app.body.find("0102") == std::string::npos);

    // The config-file app delivers and runs operations with its key.
    ws_client ws(env.tsmd->port());
    auto s = env.deliver(ws, "demo", "cafe0001");
    BOOST_CHECK_EQUAL(env.sp.delivery_method(), "PUT");
    auto r = http_call(env.tsmd->port(), "POST", "/transceive",
                       {{"app_id", "cafe0001"},
                        {"app_key", "0102"},
                        {"sessionId", s.session_id},
                        {"callbackUrl", env.callback_url("cafe")}},
                       R"({"commands":["00A4040000"]})");
    BOOST_REQUIRE_EQUAL(r.status, 200);
    const std::string op = str(r.json().as_object()["operationId"]);
    BOOST_CHECK_EQUAL(answer_batch(ws), op);
    auto cb = env.sp.wait_callback(op);
    BOOST_REQUIRE(cb);
    BOOST_CHECK_EQUAL((*cb)["statusCode"].as_int64(), 200);
    BOOST_CHECK_EQUAL(status_as_cafe(env, "0102"), 404);
    BOOST_CHECK_EQUAL(status_as_cafe(env, "0304"), 401);

    // The admin API may change it, until the next start...
    auto put =
        http_call(env.tsmd->admin_port(), "PUT", "/admin/v1/apps/cafe0001", {},
                  R"({"key":"0304","descriptionUrl":")" + env.sp.base() + R"(/desc","deliveryUrl":")"
                      + env.sp.base() + R"(/deliver","callbackPrefixes":[")" + env.sp.base() + R"(/cb/"]})");
    BOOST_REQUIRE_EQUAL(put.status, 200);
    BOOST_CHECK_EQUAL(status_as_cafe(env, "0304"), 404);
    BOOST_CHECK_EQUAL(status_as_cafe(env, "0102"), 401);

    // ...which writes the config file's version over the stored one (architecture.md §7).
    ws.close();
    write_config_app(env, "0506", "POST");
    BOOST_REQUIRE_EQUAL(env.tsmd->terminate(), 0);
    env.start();
    BOOST_CHECK_EQUAL(status_as_cafe(env, "0506"), 404);
    BOOST_CHECK_EQUAL(status_as_cafe(env, "0304"), 401);
    BOOST_CHECK_EQUAL(status_as_cafe(env, "0102"), 401);
    auto changed = http_call(env.tsmd->admin_port(), "GET", "/admin/v1/apps/cafe0001");
    BOOST_REQUIRE_EQUAL(changed.status, 200);
    BOOST_CHECK_EQUAL(str(changed.json().as_object()["deliveryMethod"]), "POST");
    ws_client again(env.tsmd->port());
    env.deliver(again, "demo", "cafe0001");
    BOOST_CHECK_EQUAL(env.sp.delivery_method(), "POST");
    // The app the admin API stored (and the config does not name) is still there.
    BOOST_CHECK_EQUAL(http_call(env.tsmd->admin_port(), "GET", "/admin/v1/apps/" + app_id).status, 200);
}

BOOST_AUTO_TEST_CASE(bad_config_is_refused_with_a_message) {
    temp_dir dir;
    const std::string cfg = dir.path() + "/c.toml";
    {
        std::ofstream f(cfg);
        f << "[server\nlisten = 1\n";
    }
    BOOST_CHECK_THROW(tsmd_process(dir.path() + "/data", 1, {"--config", cfg}), std::runtime_error);
    // Exit code 2 (operations.md §1), and the message names the file.
    const auto [code, log] = run_tsmd(dir, {"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
                                            "--data-dir", dir.path() + "/data", "--config", cfg});
    BOOST_REQUIRE(code.has_value());
    BOOST_CHECK_EQUAL(*code, 2);
    BOOST_CHECK_MESSAGE(log.find("tsmd: config " + cfg + ": ") != std::string::npos, log);
    BOOST_CHECK(log.find("ready") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_port_held_by_another_process_is_refused) {
    temp_dir dir;
    tsmd_process first(dir.path() + "/one", 1);
    // A second tsmd on the first one's port (architecture.md ADR-2: the probe bind refuses it).
    const auto [code, log] = run_tsmd(dir, {"--listen", first.address(), "--admin-listen", "127.0.0.1:0",
                                            "--data-dir", dir.path() + "/two", "--shards", "1"});
    BOOST_REQUIRE(code.has_value());
    BOOST_CHECK_EQUAL(*code, 2);
    BOOST_CHECK_MESSAGE(log.find("listen address " + first.address() + " is in use") != std::string::npos,
                        log);
    // The first one keeps serving.
    BOOST_CHECK_EQUAL(http_call(first.port(), "GET", "/healthz").status, 200);
}

BOOST_AUTO_TEST_SUITE_END()
