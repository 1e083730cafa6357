// core::validate_app: what an app registration may be (admin API PUT and the config file). Each
// refusal names its field; an accepted app keeps only the digest of its key.
#include "tsm/core/app_validation.hpp"

#include "tsm/core/app_directory.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

using namespace tsm;

namespace {

const core::secret_hasher& hasher() {
    static const core::secret_hasher h(core::bytes(32, 'p'));
    return h;
}

/// Accepts http:// and https:// URLs except those naming host "refused" (stands in for the client).
bool fake_http_url(const std::string& url) {
    return (url.starts_with("http://") || url.starts_with("https://"))
           && url.find("refused") == std::string::npos;
}

void fill(core::app_definition& d) {
    d.app_id = "sp-1_A";
    d.key = core::bytes("\x01\x02\x03", 3);
    d.description_url = "https://sp.example/services//";
    d.delivery_url = "https://sp.example/deliver";
    d.callback_prefixes = {"https://sp.example/cb/", "http://other.example/"};
}

void check_refused(const core::app_definition& d, std::string_view field) {
    auto r = core::validate_app(d, hasher(), fake_http_url);
    BOOST_REQUIRE(!r.has_value());
    BOOST_TEST((r.error().code == core::api_errc::bad_request));
    BOOST_TEST(r.error().message.find(field) != std::string::npos,
               "'" << r.error().message << "' lacks " << field);
}

} // namespace

BOOST_AUTO_TEST_SUITE(validate_app)

BOOST_AUTO_TEST_CASE(an_app_is_stored_with_the_digest_of_its_key) {
    core::app_definition d;
    fill(d);
    auto r = core::validate_app(d, hasher(), fake_http_url);
    BOOST_REQUIRE(r.has_value());
    BOOST_TEST(r->app_id == "sp-1_A");
    BOOST_TEST(r->key_hash == hasher().digest(core::app_directory::key_context, d.key));
    BOOST_TEST(r->key_hash.find(d.key) == std::string::npos);
    BOOST_TEST(r->description_url == "https://sp.example/services"); // trailing '/' removed
    BOOST_TEST(r->delivery_url == "https://sp.example/deliver");
    BOOST_TEST(r->delivery_method == "PUT"); // the default
    BOOST_TEST(r->callback_prefixes == d.callback_prefixes);
    d.delivery_method = "POST";
    BOOST_TEST(core::validate_app(d, hasher(), fake_http_url)->delivery_method == "POST");
}

BOOST_AUTO_TEST_CASE(app_ids_are_1_to_64_safe_characters) {
    for (const std::string& id : {std::string("a"), std::string(64, 'z'), std::string("0-9_AZaz")}) {
        core::app_definition d;
        fill(d);
        d.app_id = id;
        BOOST_TEST(core::validate_app(d, hasher(), fake_http_url).has_value(), id);
    }
    for (const std::string& id : {std::string(), std::string(65, 'z'), std::string("sp 1"),
                                  std::string("sp/1"), std::string("sp%201"), std::string("caf\xc3\xa9")}) {
        core::app_definition d;
        fill(d);
        d.app_id = id;
        check_refused(d, "appId");
    }
}

BOOST_AUTO_TEST_CASE(every_refusal_names_its_field) {
    {
        core::app_definition d;
        fill(d);
        d.key.clear();
        check_refused(d, "key");
    }
    {
        core::app_definition d;
        fill(d);
        d.description_url = "ftp://sp.example/";
        check_refused(d, "descriptionUrl");
    }
    {
        core::app_definition d;
        fill(d);
        d.delivery_url = "https://refused.example/";
        check_refused(d, "deliveryUrl");
    }
    for (const char* method : {"GET", "put", "", "DELETE"}) {
        core::app_definition d;
        fill(d);
        d.delivery_method = method;
        check_refused(d, "deliveryMethod");
    }
    {
        core::app_definition d;
        fill(d);
        d.callback_prefixes.clear();
        check_refused(d, "callbackPrefixes");
    }
    {
        core::app_definition d;
        fill(d);
        d.callback_prefixes.push_back("ftp://sp.example/");
        check_refused(d, "callbackPrefix");
    }
}

BOOST_AUTO_TEST_SUITE_END()
