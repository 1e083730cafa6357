// The recipe management API (PUT|DELETE …/services/{serviceId}/recipe, GET …/recipe-services)
// over a real shard pool (sp_api_fixture): every action is mapped by the same decoders and core
// mappings as the SP API's own endpoints, bad recipes are 400 naming the action and field and
// store nothing, storedata is sealed to the recipe, another app's recipes are invisible. Also
// /ccm/install by LFDB hash on the SP API and the CAP file list's metadata.
#include "tsm/transport/sp_api/handler.hpp"

#include "sp_api_fixture.hpp"

#include "tsm/core/ccm/operations.hpp"
#include "tsm/core/operation_kinds.hpp"
#include "tsm/core/ccm/secure_transceive.hpp"
#include "tsm/core/sealed_payload.hpp"
#include "tsm/core/transceive_operation.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <iterator>
#include <string>
#include <tuple>
#include <vector>

using namespace sp_api_test;
using namespace std::string_literals;

namespace {

const std::string recipe_path = "/v3/apps/0A1B2C3D/services/install-hello/recipe";
const std::string lfdb_hash = "60a16fea3d7baf74dfe112abf645972d6869edee8a46f4109ce78f40d33e57b5";
const std::string secret_hex = "5EC2E75EC2E75EC2E75EC2E75EC2E7AA";

/// A recipe with one action of every endpoint a recipe runs (secure-transceive aside).
std::string full_recipe() {
    return R"({"description":{"title":{"en":"Install hello"},"fieldsRequired":[]},
        "actions":[
          {"endpoint":"/transceive","content":{"commands":["00A4040000"]}},
          {"endpoint":"/ccm/install","content":{"id":")"
           + lfdb_hash
           + R"(","module":"D0D1D2D3D4D50101","application":"D0D1D2D3D4D5010101","searchBy":"lfdbh","parameters":"C900"}},
          {"endpoint":"/ccm/install","content":{"executableLoadFile":"D0D1D2D3D4D501","executableModule":"D0D1D2D3D4D50101","application":"D0D1D2D3D4D5010102"}},
          {"endpoint":"/ccm/storedata","content":{"application":"D0D1D2D3D4D5010101","tagType":"DGI","data":")"
           + secret_hex + R"("}},
          {"endpoint":"/ccm/delete","content":{"application":"D0D1D2D3D4D501","withRelated":true}}],
        "successMessage":"Installed","serviceResultUri":"https://sp.example/cb/result",
        "serviceCheckUri":"https://sp.example/check"})";
}

/// A valid recipe of one action, for the error cases to vary.
std::string recipe_with(const std::string& actions, const std::string& extra = "") {
    return R"({"description":{"title":"t"},"actions":)" + actions + extra + "}";
}

void check_bad_request_naming(const tr::http_response& r, const std::string& part, const std::string& what,
                              std::string_view code = "bad-request") {
    BOOST_TEST(r.status == 400, what << " -> " << r.status << " " << r.body);
    BOOST_TEST(error_code(r) == code, what);
    BOOST_TEST(error_message(r).find(part) != std::string::npos,
               what << ": '" << error_message(r) << "' should name " << part);
}

std::string read_cap(const std::string& name) {
    std::ifstream in(std::string(TSM_TEST_DATA_DIR) + "/cap/" + name, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

std::vector<std::string> listed(const tr::http_response& r) {
    std::vector<std::string> ids;
    const boost::json::value parsed = boost::json::parse(r.body);
    for (const auto& v : parsed.as_array()) {
        ids.emplace_back(v.as_string());
    }
    return ids;
}

} // namespace

BOOST_AUTO_TEST_SUITE(sp_api_recipes)

BOOST_AUTO_TEST_CASE(put_maps_every_action_and_stores_the_recipe) {
    fixture f;
    auto put = f.call(fixture::sp_request("PUT", recipe_path, full_recipe()), 1);
    BOOST_TEST_REQUIRE(put.status == 200, put.body);
    BOOST_TEST(body_of(put).at("serviceId").as_string() == "install-hello");

    auto it = f.store.recipes.find({std::string(app_id), "install-hello"});
    BOOST_REQUIRE(it != f.store.recipes.end());
    const core::recipe_record& r = it->second;
    BOOST_TEST(boost::json::parse(r.description_json).at("title").at("en").as_string() == "Install hello");
    BOOST_TEST(r.success_message_json == R"("Installed")");
    BOOST_TEST(r.failure_message_json == R"({"en":"Failure"})"); // the default
    BOOST_TEST(r.service_result_uri == "https://sp.example/cb/result");
    BOOST_TEST(r.updated_ms > 0);
    BOOST_REQUIRE_EQUAL(r.actions.size(), 5u);

    BOOST_TEST(r.actions[0].endpoint == "/transceive");
    BOOST_TEST(r.actions[0].kind == core::kinds::transceive);
    BOOST_TEST(!r.actions[0].sealed);
    BOOST_TEST(r.actions[0].payload
               == core::transceive_operation::encode_payload({*core::from_hex("00A4040000")}));

    BOOST_TEST(r.actions[1].kind == core::kinds::ccm_install);
    auto by_hash = core::ccm::decode_install_request(r.actions[1].payload);
    BOOST_REQUIRE(by_hash);
    BOOST_TEST(by_hash->lfdb_hash == *core::from_hex(lfdb_hash));
    BOOST_TEST(by_hash->elf_aid.empty()); // found when the operation is built
    BOOST_TEST(by_hash->module_aid == *core::from_hex("D0D1D2D3D4D50101"));
    BOOST_TEST(by_hash->params == *core::from_hex("C900"));

    auto by_aid = core::ccm::decode_install_request(r.actions[2].payload);
    BOOST_REQUIRE(by_aid);
    BOOST_TEST(by_aid->elf_aid == *core::from_hex("D0D1D2D3D4D501"));
    BOOST_TEST(by_aid->lfdb_hash.empty());

    // storedata: sealed to this app's service, never in clear
    const core::recipe_action& sd = r.actions[3];
    BOOST_TEST(sd.kind == core::kinds::ccm_storedata);
    BOOST_TEST(sd.sealed);
    const core::bytes secret = *core::from_hex(secret_hex);
    BOOST_TEST(sd.payload.find(secret) == std::string::npos);
    BOOST_TEST(sd.payload.find(secret_hex) == std::string::npos);
    BOOST_TEST(!f.vault.open(sd.payload, core::recipe_payload_context(app_id, "other-service")));
    auto plain = f.vault.open(sd.payload, core::recipe_payload_context(app_id, "install-hello"));
    BOOST_REQUIRE(plain);
    auto req = core::ccm::decode_storedata_request(*plain);
    BOOST_REQUIRE(req);
    BOOST_TEST(req->data == secret);

    BOOST_TEST(r.actions[4].kind == core::kinds::ccm_delete);
    auto del = core::ccm::decode_delete_request(r.actions[4].payload);
    BOOST_REQUIRE(del);
    BOOST_TEST(del->with_related);
}

BOOST_AUTO_TEST_CASE(secure_transceive_actions_are_sealed_to_the_recipe) {
    fixture f;
    const std::string secret_command = "80E2900005" + std::string("5EC2E75EC2");
    auto put = f.call(fixture::sp_request("PUT", recipe_path,
                                          recipe_with(R"([{"endpoint":"/secure-transceive","content":{)"
                                                      R"("application":"D0D1D2D3D4D5010101","commands":[")"
                                                      + secret_command + R"("]}}])")),
                      1);
    BOOST_TEST_REQUIRE(put.status == 200, put.body);
    auto it = f.store.recipes.find({std::string(app_id), "install-hello"});
    BOOST_REQUIRE(it != f.store.recipes.end());
    BOOST_REQUIRE_EQUAL(it->second.actions.size(), 1u);
    const core::recipe_action& st = it->second.actions[0];
    BOOST_TEST(st.kind == core::kinds::secure_transceive);
    BOOST_TEST(st.sealed);
    BOOST_TEST(st.payload.find(*core::from_hex(secret_command)) == std::string::npos);
    BOOST_TEST(!f.vault.open(st.payload, core::recipe_payload_context(app_id, "other-service")));
    auto plain = f.vault.open(st.payload, core::recipe_payload_context(app_id, "install-hello"));
    BOOST_REQUIRE(plain);
    auto req = core::ccm::decode_secure_transceive_request(*plain);
    BOOST_REQUIRE(req);
    BOOST_TEST(req->application == *core::from_hex("D0D1D2D3D4D5010101"));
    BOOST_REQUIRE_EQUAL(req->commands.size(), 1u);
    BOOST_TEST(req->commands[0] == *core::from_hex(secret_command));
}

BOOST_AUTO_TEST_CASE(recipe_services_lists_sorted_under_every_prefix) {
    fixture f;
    const std::string one =
        recipe_with(R"([{"endpoint":"/transceive","content":{"commands":["00A4040000"]}}])");
    for (std::string service : {"zeta", "alpha", "Mid.1", "b_2"}) {
        auto put =
            f.call(fixture::sp_request("PUT", "/v2/apps/0A1B2C3D/services/" + service + "/recipe", one));
        BOOST_TEST_REQUIRE(put.status == 200, put.body);
    }
    const std::vector<std::string> expected = {"Mid.1", "alpha", "b_2", "zeta"}; // bytewise order
    for (std::string prefix : {"/v3", "/v2", ""}) {
        auto list = f.call(fixture::sp_request("GET", prefix + "/apps/0A1B2C3D/recipe-services", ""), 1);
        BOOST_TEST_REQUIRE(list.status == 200, prefix << ": " << list.body);
        BOOST_TEST(listed(list) == expected, boost::test_tools::per_element());
    }
    // the other app has none of them
    auto other =
        f.call(fixture::sp_request("GET", "/v3/apps/" + std::string(other_app_id) + "/recipe-services", "",
                                   {}, other_app_id, other_key_hex));
    BOOST_TEST_REQUIRE(other.status == 200, other.body);
    BOOST_TEST(other.body == "[]");
}

BOOST_AUTO_TEST_CASE(put_replaces_and_delete_removes_then_404) {
    fixture f;
    BOOST_TEST_REQUIRE(f.call(fixture::sp_request("PUT", recipe_path, full_recipe())).status == 200);
    auto replaced = f.call(fixture::sp_request(
        "PUT", "/apps/0A1B2C3D/services/install-hello/recipe",
        recipe_with(R"([{"endpoint":"/ccm/delete","content":{"application":"D0D1D2D3D4D501"}}])",
                    R"(,"failureMessage":{"en":"No","sv":"Nej"})")));
    BOOST_TEST_REQUIRE(replaced.status == 200, replaced.body);
    const auto& r = f.store.recipes.at({std::string(app_id), "install-hello"});
    BOOST_TEST(r.actions.size() == 1u);
    BOOST_TEST(r.failure_message_json == R"({"en":"No","sv":"Nej"})");
    BOOST_TEST(r.success_message_json == R"({"en":"Success"})"); // the default
    BOOST_TEST(r.service_result_uri.empty());

    auto del = f.call(fixture::sp_request("DELETE", recipe_path, ""), 1);
    BOOST_TEST_REQUIRE(del.status == 200, del.body);
    BOOST_TEST(body_of(del).at("deleted").as_string() == "install-hello");
    BOOST_TEST(f.store.recipes.empty());
    auto gone = f.call(fixture::sp_request("DELETE", "/v2/apps/0A1B2C3D/services/install-hello/recipe", ""));
    BOOST_TEST(gone.status == 404);
    BOOST_TEST(error_code(gone) == "not-found");
    BOOST_TEST(f.call(fixture::sp_request("GET", "/apps/0A1B2C3D/recipe-services", "")).body == "[]");
}

BOOST_AUTO_TEST_CASE(recipe_routes_answer_405_with_allow_for_other_methods) {
    fixture f;
    for (std::string prefix : {"/v3", "/v2", ""}) {
        const std::string resource = prefix + "/apps/0A1B2C3D/services/svc/recipe";
        const std::string list = prefix + "/apps/0A1B2C3D/recipe-services";
        for (const auto& [method, target, allow] :
             {std::tuple{"GET"s, resource, "PUT, DELETE"s}, std::tuple{"POST"s, resource, "PUT, DELETE"s},
              std::tuple{"PUT"s, list, "GET"s}, std::tuple{"DELETE"s, list, "GET"s}}) {
            auto r = f.call(fixture::sp_request(method, target, ""));
            BOOST_TEST(r.status == 405, method << " " << target << " -> " << r.status);
            BOOST_TEST(header(r, "Allow") == allow, method << " " << target);
        }
    }
}

BOOST_AUTO_TEST_CASE(another_apps_recipes_are_404) {
    fixture f;
    BOOST_TEST_REQUIRE(f.call(fixture::sp_request("PUT", recipe_path, full_recipe())).status == 200);
    const std::string foreign = "/v3/apps/" + std::string(app_id) + "/services/install-hello/recipe";
    // the other app's credentials on this app's paths
    for (std::string method : {"PUT", "DELETE"}) {
        auto r = f.call(fixture::sp_request(method, foreign, full_recipe(), {}, other_app_id, other_key_hex));
        BOOST_TEST(r.status == 404, method);
        BOOST_TEST(error_code(r) == "not-found", method);
    }
    auto list = f.call(
        fixture::sp_request("GET", "/v3/apps/0A1B2C3D/recipe-services", "", {}, other_app_id, other_key_hex));
    BOOST_TEST(list.status == 404);
    // this app's recipe is untouched; without credentials nothing is answered
    BOOST_TEST(f.store.recipes.size() == 1u);
    tr::http_request anonymous;
    anonymous.method = "GET";
    anonymous.target = "/v3/apps/0A1B2C3D/recipe-services";
    BOOST_TEST(f.call(anonymous).status == 401);
}

BOOST_AUTO_TEST_CASE(bad_recipes_are_400_naming_the_action_and_field_and_store_nothing) {
    fixture f;
    const std::string install_ok =
        R"({"endpoint":"/ccm/install","content":{"executableLoadFile":"D0D1D2D3D4D501","executableModule":"D0D1D2D3D4D50101","application":"D0D1D2D3D4D5010101"}})";
    struct bad_case {
        std::string body;
        std::string names;
        std::string what;
    };
    std::string many = "[";
    for (int i = 0; i < 65; ++i) {
        many += (i ? "," : "") + install_ok;
    }
    many += "]";
    const std::vector<bad_case> cases = {
        {R"({"actions":[)" + install_ok + "]}", "description", "no description"},
        {R"({"description":"text","actions":[)" + install_ok + "]}", "description",
         "description not an object"},
        {R"({"description":{}})", "actions", "no actions"},
        {recipe_with("[]"), "actions", "empty actions"},
        {recipe_with(R"({"a":1})"), "actions", "actions not an array"},
        {recipe_with(many), "at most 64", "65 actions"},
        {recipe_with("[" + install_ok + R"(,{"endpoint":"/ccm/nope","content":{}}])"),
         "actions[1] (/ccm/nope): unknown endpoint /ccm/nope", "unknown endpoint"},
        {recipe_with(R"([{"content":{}}])"), "actions[0]: missing endpoint", "no endpoint"},
        {recipe_with(R"([{"endpoint":"/transceive"}])"), "actions[0] (/transceive): missing content",
         "no content"},
        {recipe_with(R"([{"endpoint":"/transceive","content":"00A40400"}])"), "actions[0]: content",
         "content not an object"},
        {recipe_with(R"([{"endpoint":"/transceive","content":{"commands":["zz"]}}])"),
         "actions[0] (/transceive): commands", "bad APDU"},
        {recipe_with(
             "[" + install_ok + "," + install_ok
             + R"(,{"endpoint":"/ccm/install","content":{"executableLoadFile":"D0D1D2D3D4D501","executableModule":"D0D1D2D3D4D50101","application":"xyz"}}])"),
         "actions[2] (/ccm/install): application", "bad application hex"},
        {recipe_with(
             R"([{"endpoint":"/ccm/install","content":{"id":")" + lfdb_hash
             + R"(","module":"D0D1D2D3D4D50101","application":"D0D1D2D3D4D5010101","searchBy":"name"}}])"),
         "actions[0] (/ccm/install): searchBy", "searchBy other than lfdbh"},
        {recipe_with(
             R"([{"endpoint":"/ccm/install","content":{"id":"beef","module":"D0D1D2D3D4D50101","application":"D0D1D2D3D4D5010101","searchBy":"lfdbh"}}])"),
         "actions[0] (/ccm/install): id", "short hash"},
        {recipe_with(
             R"([{"endpoint":"/ccm/storedata","content":{"application":"D0D1D2D3D4D5010101","tagType":"XML","data":"01"}}])"),
         "actions[0] (/ccm/storedata): tagType", "bad tagType"},
        {recipe_with(R"([{"endpoint":"/ccm/delete","content":{}}])"), "actions[0] (/ccm/delete): application",
         "delete without application"},
        {recipe_with(
             R"([{"endpoint":"/secure-transceive","content":{"application":"D0D1D2D3D4D501","commands":["zz"]}}])"),
         "actions[0] (/secure-transceive): commands: entry 0", "secure-transceive with a command that is not hex"},
        {recipe_with(R"([{"endpoint":"/secure-transceive","content":{"commands":["80CA00CF00"]}}])"),
         "actions[0] (/secure-transceive): application", "secure-transceive without application"},
        {recipe_with("[" + install_ok + "]", R"(,"successMessage":42)"), "successMessage", "numeric message"},
        {recipe_with("[" + install_ok + "]", R"(,"serviceResultUri":7)"), "serviceResultUri", "numeric URI"},
        {"not json", "", "not JSON"},
    };
    for (const auto& c : cases) {
        auto r = f.call(fixture::sp_request("PUT", recipe_path, c.body));
        check_bad_request_naming(r, c.names, c.what);
    }
    auto bad_service = f.call(fixture::sp_request("PUT", "/v3/apps/0A1B2C3D/services/bad%20id/recipe",
                                                  recipe_with("[" + install_ok + "]")));
    check_bad_request_naming(bad_service, "serviceId", "service id with a space");
    BOOST_TEST(f.store.recipes.empty());
    BOOST_TEST(f.store.fake.commits.empty());
}

BOOST_AUTO_TEST_CASE(service_result_uri_must_be_under_a_callback_prefix) {
    fixture f;
    const std::string one = R"([{"endpoint":"/transceive","content":{"commands":["00A4040000"]}}])";
    for (std::string uri : {"https://evil.example/cb/result", "https://sp.example/cbx",
                            "ftp://sp.example/cb/r", "mailto:ops@sp.example"}) {
        auto r = f.call(fixture::sp_request("PUT", recipe_path,
                                            recipe_with(one, R"(,"serviceResultUri":")" + uri + "\"")));
        check_bad_request_naming(r, "serviceResultUri", uri, "bad-callback-url");
    }
    BOOST_TEST(f.store.recipes.empty());
    auto ok = f.call(
        fixture::sp_request("PUT", recipe_path,
                            recipe_with(one, R"(,"serviceResultUri":"https://sp.example/cb/done?x=1")")));
    BOOST_TEST_REQUIRE(ok.status == 200, ok.body);
    BOOST_TEST(f.store.recipes.begin()->second.service_result_uri == "https://sp.example/cb/done?x=1");
}

BOOST_AUTO_TEST_CASE(a_recipe_store_failure_is_503_and_nothing_is_kept) {
    fixture f;
    f.store.fake.fail_next_commit();
    auto r = f.call(fixture::sp_request("PUT", recipe_path, full_recipe()));
    BOOST_TEST(r.status == 503);
    BOOST_TEST(error_code(r) == "unavailable");
    BOOST_TEST(f.store.recipes.empty());
}

BOOST_AUTO_TEST_CASE(ccm_install_accepts_the_lfdb_hash_form_on_the_sp_api) {
    fixture f;
    const std::string sid = f.session_owned_by(0);
    f.open_session(sid);
    auto r = f.call(fixture::sp_request(
        "POST", "/ccm/install",
        R"({"id":")" + lfdb_hash
            + R"(","module":"D0D1D2D3D4D50101","application":"D0D1D2D3D4D5010101","searchBy":"lfdbh"})",
        sid));
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    const std::string id(body_of(r).at("operationId").as_string());
    const auto& op = f.store.fake.operations.at(id);
    BOOST_TEST(op.kind == core::kinds::ccm_install);
    auto req = core::ccm::decode_install_request(op.payload);
    BOOST_REQUIRE(req);
    BOOST_TEST(req->lfdb_hash == *core::from_hex(lfdb_hash));
    BOOST_TEST(req->instance_aid == *core::from_hex("D0D1D2D3D4D5010101"));

    auto other_search = f.call(fixture::sp_request(
        "POST", "/ccm/install",
        R"({"id":")" + lfdb_hash
            + R"(","module":"D0D1D2D3D4D50101","application":"D0D1D2D3D4D5010101","searchBy":"aid"})",
        sid));
    check_bad_request_naming(other_search, "searchBy", "searchBy aid");
    auto mixed = f.call(fixture::sp_request(
        "POST", "/ccm/install",
        R"({"id":")" + lfdb_hash
            + R"(","executableLoadFile":"D0D1D2D3D4D501","module":"D0D1D2D3D4D50101","application":"D0D1D2D3D4D5010101","searchBy":"lfdbh"})",
        sid));
    check_bad_request_naming(mixed, "executableLoadFile", "both forms at once");
}

BOOST_AUTO_TEST_CASE(cap_file_list_carries_what_fdsm_shows) {
    fixture f;
    auto up_req = fixture::sp_request("POST", "/v3/apps/0A1B2C3D/capfiles", read_cap("kaoh-helloworld.cap"));
    up_req.headers.emplace_back("Java-Card-Version", "3.0.4");
    up_req.headers.emplace_back("Global-Platform-Version", "2.2.1");
    up_req.headers.emplace_back("OS-Type-Version", "JCOP 2.4.2r3");
    auto up = f.call(std::move(up_req));
    BOOST_TEST_REQUIRE(up.status == 200, up.body);
    const std::string id(body_of(up).at("id").as_string());

    auto list = f.call(fixture::sp_request("GET", "/v3/apps/0A1B2C3D/capfiles", ""), 1);
    BOOST_TEST_REQUIRE(list.status == 200, list.body);
    const auto files = boost::json::parse(list.body).as_array();
    BOOST_REQUIRE_EQUAL(files.size(), 1u);
    const auto& file = files[0].as_object();
    BOOST_TEST(file.at("id").as_string() == id);
    BOOST_TEST(id.size() == 64u); // the LFDB SHA-256, which /ccm/install's id names
    BOOST_TEST(!file.at("elfAid").as_string().empty());
    BOOST_TEST(file.at("javaCardVersion").as_string() == "3.0.4");
    BOOST_TEST(file.at("metadata").at("gp-version").as_string() == "2.2.1");
    BOOST_TEST(file.at("metadata").at("otv-version").as_string() == "JCOP 2.4.2r3");
}

BOOST_AUTO_TEST_SUITE_END()
