// The admin API and its token protection.
#include "tsm_env.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>

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
    auto bad_method = http_call(port, "PUT", "/admin/v1/apps/x1", {},
                                R"({"key":"00","descriptionUrl":"http://a/","deliveryUrl":"http://a/","deliveryMethod":"GET","callbackPrefixes":["http://a/"]})");
    BOOST_CHECK_EQUAL(bad_method.status, 400);
    auto bad_prefix = http_call(port, "PUT", "/admin/v1/apps/x1", {},
                                R"({"key":"00","descriptionUrl":"http://a/","deliveryUrl":"http://a/","callbackPrefixes":["ftp://a/"]})");
    BOOST_CHECK_EQUAL(bad_prefix.status, 400);

    // POST delivery method is honoured.
    auto post_app = http_call(port, "PUT", "/admin/v1/apps/" + app_id, {},
                              R"({"key":")" + app_key + R"(","descriptionUrl":")" + env.sp.base() + R"(/desc","deliveryUrl":")"
                                  + env.sp.base() + R"(/deliver","deliveryMethod":"POST","callbackPrefixes":[")" + env.sp.base() + R"(/cb/"]})");
    BOOST_CHECK_EQUAL(post_app.status, 200);
    ws_client ws(env.tsmd->port());
    env.deliver(ws);
    BOOST_CHECK_EQUAL(env.sp.delivery_method(), "POST");
}

BOOST_AUTO_TEST_CASE(token_protects_the_admin_api) {
    temp_dir dir;
    tsmd_process tsmd(dir.path(), 1, {"--admin-token", "s3cret"});
    BOOST_CHECK_EQUAL(http_call(tsmd.admin_port(), "GET", "/admin/v1/apps").status, 401);
    BOOST_CHECK_EQUAL(http_call(tsmd.admin_port(), "GET", "/admin/v1/apps", {{"Authorization", "Bearer wrong"}}).status, 401);
    BOOST_CHECK_EQUAL(http_call(tsmd.admin_port(), "GET", "/admin/v1/apps", {{"Authorization", "Bearer s3cret"}}).status, 200);
}

BOOST_AUTO_TEST_CASE(apps_from_the_config_file_work) {
    temp_dir dir;
    fake_sp sp;
    const std::string cfg = dir.path() + "/c.toml";
    {
        std::ofstream f(cfg);
        f << "[[apps]]\nid = \"cafe0001\"\nkey = \"0102\"\ndescription_url = \"" << sp.base()
          << "/desc\"\ndelivery_url = \"" << sp.base() << "/deliver\"\ncallback_prefixes = [\"" << sp.base() << "/cb/\"]\n";
    }
    tsmd_process tsmd(dir.path() + "/data", 2, {"--config", cfg});
    auto app = http_call(tsmd.admin_port(), "GET", "/admin/v1/apps/cafe0001");
    BOOST_CHECK_EQUAL(app.status, 200);
    BOOST_CHECK(app.body.find("0102") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(bad_config_is_refused_with_a_message) {
    temp_dir dir;
    const std::string cfg = dir.path() + "/c.toml";
    {
        std::ofstream f(cfg);
        f << "[server\nlisten = 1\n";
    }
    BOOST_CHECK_THROW(tsmd_process(dir.path() + "/data", 1, {"--config", cfg}), std::runtime_error);
}

BOOST_AUTO_TEST_SUITE_END()
