#include "tsm/core/app_directory.hpp"
#include "tsm/core/shard_pool.hpp"

#include <boost/test/unit_test.hpp>

namespace core = tsm::core;
using tsm::core::app_record;
using tsm::core::secret_hasher;
using tsm::core::callback_url_allowed;

namespace {

struct directory_fixture {
    core::this_thread_as_shard as_shard{3}; // the directory's owner shard, for its assertions
    secret_hasher hasher{secret_hasher::generate_key()};
    core::app_directory dir{3};

    app_record make(std::string id, std::string_view key) {
        app_record a;
        a.app_id = std::move(id);
        a.key_hash = hasher.digest(core::app_directory::key_context, key);
        a.description_url = "https://sp.example/describe";
        a.delivery_url = "https://sp.example/deliver";
        a.callback_prefixes = {"https://sp.example/cb/"};
        return a;
    }
};

app_record with_prefixes(std::vector<std::string> prefixes) {
    app_record a;
    a.app_id = "0A1B2C3D";
    a.callback_prefixes = std::move(prefixes);
    return a;
}

} // namespace

BOOST_AUTO_TEST_SUITE(app_directory)

BOOST_FIXTURE_TEST_CASE(finds_what_was_put_and_forgets_what_was_erased, directory_fixture) {
    dir.put(make("aaaa0001", "key-1"));
    dir.put(make("aaaa0002", "key-2"));
    BOOST_REQUIRE(dir.find("aaaa0001") != nullptr);
    BOOST_TEST(dir.find("aaaa0001")->delivery_url == "https://sp.example/deliver");
    BOOST_TEST(dir.all().size() == 2u);
    dir.erase("aaaa0001");
    BOOST_TEST(dir.find("aaaa0001") == nullptr);
    BOOST_TEST(dir.find("aaaa0002") != nullptr);
    dir.erase("unknown"); // no-op
    BOOST_TEST(dir.all().size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(authenticates_by_id_and_key, directory_fixture) {
    dir.put(make("aaaa0001", "key-1"));
    dir.put(make("aaaa0002", "key-2"));
    const app_record* a = dir.authenticate("aaaa0001", "key-1", hasher);
    BOOST_REQUIRE(a != nullptr);
    BOOST_TEST(a->app_id == "aaaa0001");
    BOOST_TEST(dir.authenticate("aaaa0001", "key-2", hasher) == nullptr); // another app's key
    BOOST_TEST(dir.authenticate("aaaa0001", "wrong", hasher) == nullptr);
    BOOST_TEST(dir.authenticate("nobody", "key-1", hasher) == nullptr);
}

BOOST_FIXTURE_TEST_CASE(authenticates_by_key_alone_when_id_is_empty, directory_fixture) {
    dir.put(make("aaaa0001", "key-1"));
    dir.put(make("aaaa0002", "key-2"));
    const app_record* a = dir.authenticate("", "key-2", hasher);
    BOOST_REQUIRE(a != nullptr);
    BOOST_TEST(a->app_id == "aaaa0002");
    BOOST_TEST(dir.authenticate("", "key-3", hasher) == nullptr);
}

BOOST_FIXTURE_TEST_CASE(rejects_keys_hashed_by_another_pepper, directory_fixture) {
    dir.put(make("aaaa0001", "key-1"));
    const secret_hasher other(secret_hasher::generate_key());
    BOOST_TEST(dir.authenticate("aaaa0001", "key-1", other) == nullptr);
    BOOST_TEST(dir.authenticate("", "key-1", other) == nullptr);
}

BOOST_FIXTURE_TEST_CASE(replacing_an_apps_key_removes_the_old_key_index, directory_fixture) {
    dir.put(make("aaaa0001", "old-key"));
    BOOST_REQUIRE(dir.authenticate("", "old-key", hasher) != nullptr);
    dir.put(make("aaaa0001", "new-key"));
    BOOST_TEST(dir.all().size() == 1u);
    BOOST_TEST(dir.authenticate("", "old-key", hasher) == nullptr);
    BOOST_TEST(dir.authenticate("aaaa0001", "old-key", hasher) == nullptr);
    BOOST_REQUIRE(dir.authenticate("", "new-key", hasher) != nullptr);
    BOOST_TEST(dir.authenticate("", "new-key", hasher)->app_id == "aaaa0001");
    BOOST_TEST(dir.authenticate("aaaa0001", "new-key", hasher) != nullptr);
}

BOOST_FIXTURE_TEST_CASE(erasing_an_app_removes_its_key_index, directory_fixture) {
    dir.put(make("aaaa0001", "key-1"));
    dir.put(make("aaaa0002", "key-2"));
    // Both ways in work before the erase, so the "nothing found" below is the erase's doing.
    BOOST_REQUIRE(dir.authenticate("", "key-1", hasher) != nullptr);
    BOOST_REQUIRE(dir.authenticate("aaaa0001", "key-1", hasher) != nullptr);
    dir.erase("aaaa0001");
    BOOST_TEST(dir.authenticate("", "key-1", hasher) == nullptr);
    BOOST_TEST(dir.authenticate("aaaa0001", "key-1", hasher) == nullptr);
    BOOST_TEST(dir.authenticate("", "key-2", hasher) != nullptr); // the other app's index stays
}

BOOST_AUTO_TEST_CASE(callback_url_allowed_matches_registered_prefixes) {
    const auto app = with_prefixes({"https://sp.example/cb/", "http://10.0.0.1:8080/hook"});
    BOOST_TEST(callback_url_allowed(app, "https://sp.example/cb/op/1"));
    BOOST_TEST(callback_url_allowed(app, "https://sp.example/cb/"));
    BOOST_TEST(callback_url_allowed(app, "http://10.0.0.1:8080/hook?x=1"));
    BOOST_TEST(!callback_url_allowed(app, "https://sp.example/other"));
    BOOST_TEST(!callback_url_allowed(app, "https://evil.example/cb/"));
    BOOST_TEST(!callback_url_allowed(app, "https://sp.example/cb")); // shorter than the prefix
}

BOOST_AUTO_TEST_CASE(callback_url_allowed_matches_only_at_url_boundaries) {
    const auto app = with_prefixes({"https://sp.example", "https://sp2.example/hooks"});
    BOOST_TEST(callback_url_allowed(app, "https://sp.example"));
    BOOST_TEST(callback_url_allowed(app, "https://sp.example/cb"));
    BOOST_TEST(callback_url_allowed(app, "https://sp.example?op=1"));
    BOOST_TEST(callback_url_allowed(app, "https://sp.example#x"));
    BOOST_TEST(!callback_url_allowed(app, "https://sp.example.evil/cb"));
    BOOST_TEST(!callback_url_allowed(app, "https://sp.example:8443/cb"));
    BOOST_TEST(!callback_url_allowed(app, "https://sp.examplex/"));
    BOOST_TEST(callback_url_allowed(app, "https://sp2.example/hooks/1"));
    BOOST_TEST(!callback_url_allowed(app, "https://sp2.example/hooksevil"));
}

BOOST_AUTO_TEST_CASE(callback_url_allowed_refuses_non_http_schemes) {
    const auto app = with_prefixes({"ftp://sp.example/", "file:///", "https://sp.example/"});
    BOOST_TEST(!callback_url_allowed(app, "ftp://sp.example/cb"));
    BOOST_TEST(!callback_url_allowed(app, "file:///etc/passwd"));
    BOOST_TEST(!callback_url_allowed(app, "javascript:alert(1)"));
    BOOST_TEST(callback_url_allowed(app, "https://sp.example/cb"));
}

BOOST_AUTO_TEST_CASE(callback_url_allowed_never_matches_an_empty_prefix) {
    const auto app = with_prefixes({""});
    BOOST_TEST(!callback_url_allowed(app, "https://anything.example/"));
    BOOST_TEST(!callback_url_allowed(with_prefixes({}), "https://anything.example/"));
}

BOOST_AUTO_TEST_SUITE_END()
