// The SP API's operation families and their error mapping, over a real shard pool
// (sp_api_fixture): what reaches the session service, what is stored, what is answered.
#include "tsm/transport/sp_api/handler.hpp"

#include "sp_api_fixture.hpp"

#include "tsm/core/ccm/operations.hpp"
#include "tsm/core/ccm_requests.hpp"
#include "tsm/core/desfire/operations.hpp"
#include "tsm/core/desfire_requests.hpp"
#include "tsm/core/operation_kinds.hpp"
#include "tsm/core/transceive_operation.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <iterator>
#include <string>

using namespace sp_api_test;
using namespace std::string_literals;

namespace {

/// The stored record of the operation an accepted response names.
core::operation_record stored(fixture& f, const tr::http_response& accepted) {
    const std::string id(body_of(accepted).at("operationId").as_string());
    auto it = f.store.fake.operations.find(id);
    BOOST_REQUIRE_MESSAGE(it != f.store.fake.operations.end(), "operation " << id << " not stored");
    return it->second;
}

void check_bad_request_naming(const tr::http_response& r, std::string_view field, const std::string& what) {
    BOOST_TEST(r.status == 400, what << " -> " << r.status << " " << r.body);
    BOOST_TEST(error_code(r) == "bad-request", what);
    BOOST_TEST(error_message(r).find(field) != std::string::npos,
               what << ": '" << error_message(r) << "' should name " << field);
}

std::string read_cap(const std::string& name) {
    std::ifstream in(std::string(TSM_TEST_DATA_DIR) + "/cap/" + name, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

} // namespace

BOOST_AUTO_TEST_SUITE(sp_api_operations)

BOOST_AUTO_TEST_CASE(transceive_reaches_the_owner_shard_from_either_shard) {
    fixture f;
    for (unsigned owner : {0u, 1u}) {
        const std::string sid = f.session_owned_by(owner);
        f.open_session(sid);
        for (unsigned caller : {0u, 1u}) {
            auto r = f.call(fixture::sp_request("PUT", "/transceive",
                                                R"({"commands":["00a4040000","80CA9F7F00"]})", sid),
                            caller);
            BOOST_TEST_REQUIRE(r.status == 200, r.body);
            auto op = stored(f, r);
            BOOST_TEST(op.session_id == sid);
            BOOST_TEST(op.app_id == app_id);
            BOOST_TEST(op.kind == core::kinds::transceive);
            BOOST_TEST(op.callback_url == cb_prefix + "1");
            BOOST_TEST(op.payload
                       == core::transceive_operation::encode_payload(
                           {"\x00\xa4\x04\x00\x00"s, "\x80\xca\x9f\x7f\x00"s}));
        }
    }
}

BOOST_AUTO_TEST_CASE(the_session_header_is_matched_in_any_case) {
    fixture f;
    const std::string sid = f.session_owned_by(1);
    f.open_session(sid);
    std::string upper = sid;
    for (char& c : upper) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    auto r = f.call(fixture::sp_request("POST", "/transceive", R"({"commands":["00A4040000"]})", upper));
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    BOOST_TEST(stored(f, r).session_id == sid);
}

BOOST_AUTO_TEST_CASE(bad_bodies_are_400_naming_the_field) {
    fixture f;
    const std::string sid = f.session_owned_by(0);
    f.open_session(sid);
    auto post = [&](std::string path, std::string body) {
        return f.call(fixture::sp_request("POST", path, std::move(body), sid));
    };
    check_bad_request_naming(post("/transceive", R"({"commands":"00A4"})"), "commands",
                             "commands not a list");
    check_bad_request_naming(post("/transceive", R"({})"), "commands", "no commands");
    check_bad_request_naming(post("/transceive", R"({"commands":["00","00","00","00","00"]})"), "commands",
                             "over max_commands");
    check_bad_request_naming(post("/transceive", R"({"commands":[")" + std::string(600, 'A') + R"("]})"),
                             "commands", "over max_apdu_bytes");
    check_bad_request_naming(post("/transceive", "not json"), "JSON", "not json");
    check_bad_request_naming(post("/transceive", R"({"commands":["00"]} x)"), "JSON", "trailing content");
    check_bad_request_naming(
        post("/ccm/install", R"({"executableModule":"D0D1D2D3D4D50101","application":"D0D1D2D3D4D5010101"})"),
        "executableLoadFile", "install without load file");
    check_bad_request_naming(
        post(
            "/ccm/install",
            R"({"executableLoadFile":"D0D1D2D3D4D501","executableModule":"D0D1D2D3D4D50101","application":"D0D1D2D3D4D5010101","privileges":"ZZ"})"),
        "privileges", "install with bad privileges");
    check_bad_request_naming(post("/ccm/delete", R"({"withRelated":true})"), "application",
                             "delete without application");
    check_bad_request_naming(post("/ccm/delete", R"({"application":"D0D1D2D3D4D501","withRelated":"yes"})"),
                             "withRelated", "withRelated not a boolean");
    check_bad_request_naming(post("/ccm/storedata",
                                  R"({"application":"D0D1D2D3D4D5010101","tagType":"XML","data":"00"})"),
                             "tagType", "storedata tag type");
    check_bad_request_naming(post("/ccm/storedata",
                                  R"({"application":"D0D1D2D3D4D5010101","tagType":"DGI"})"),
                             "data", "storedata without data");
    check_bad_request_naming(post("/desfire/ev1/createApp",
                                  R"({"keySettings":"0F","numberOfKeys":1,"keyType":"AES"})"),
                             "aid", "createApp without aid");
    check_bad_request_naming(post("/desfire/ev1/createApp",
                                  R"({"aid":"F1A2B3","keySettings":"0F","numberOfKeys":15,"keyType":"AES"})"),
                             "numberOfKeys", "createApp with 15 keys");
    check_bad_request_naming(post("/desfire/ev1/createApp",
                                  R"({"aid":"F1A2B3","keySettings":"0F","numberOfKeys":2,"keyType":"RSA"})"),
                             "keyType", "createApp with RSA");
    check_bad_request_naming(
        post("/desfire/ev1/createApp",
             R"({"aid":"F1A2B3","keySettings":"0F","numberOfKeys":1,"keyType":"AES","keys":[]})"),
        "keys", "createApp with an empty key list");
    check_bad_request_naming(post("/desfire/ev1/commands", R"({"aid":"F1A2B3"})"), "commands",
                             "commands without commands");
    check_bad_request_naming(post("/desfire/ev1/deleteApp", R"({"aid":"F1A2"})"), "aid",
                             "deleteApp with a short aid");
    check_bad_request_naming(post("/service/completed", R"({"message":"x"})"), "success",
                             "completed without success");
    BOOST_TEST(f.store.fake.operations.empty()); // nothing half-written
}

BOOST_AUTO_TEST_CASE(missing_headers_are_400_and_a_non_uuid_session_404) {
    fixture f;
    auto no_session = fixture::sp_request("POST", "/transceive", R"({"commands":["00A4040000"]})");
    auto r = f.call(no_session);
    BOOST_TEST(r.status == 400);
    BOOST_TEST(error_code(r) == "missing-header");
    BOOST_TEST(error_message(r).find("sessionId") != std::string::npos);

    const std::string sid = f.session_owned_by(0);
    f.open_session(sid);
    auto no_callback = fixture::sp_request("POST", "/transceive", R"({"commands":["00A4040000"]})");
    no_callback.headers.emplace_back("sessionId", sid);
    auto c = f.call(no_callback);
    BOOST_TEST(c.status == 400);
    BOOST_TEST(error_code(c) == "missing-header");
    BOOST_TEST(error_message(c).find("callbackUrl") != std::string::npos);

    auto not_uuid =
        f.call(fixture::sp_request("POST", "/transceive", R"({"commands":["00A4040000"]})", "not-a-session"));
    BOOST_TEST(not_uuid.status == 404);
    BOOST_TEST(error_code(not_uuid) == "session-not-found");
    auto unknown = f.call(
        fixture::sp_request("POST", "/transceive", R"({"commands":["00A4040000"]})", f.session_owned_by(1)));
    BOOST_TEST(unknown.status == 404);
    BOOST_TEST(error_code(unknown) == "session-not-found");

    auto bad_callback = fixture::sp_request("POST", "/transceive", R"({"commands":["00A4040000"]})");
    bad_callback.headers.emplace_back("sessionId", sid);
    bad_callback.headers.emplace_back("callbackUrl", "http://169.254.169.254/latest/");
    auto b = f.call(bad_callback);
    BOOST_TEST(b.status == 400);
    BOOST_TEST(error_code(b) == "bad-callback-url");
    BOOST_TEST(f.store.fake.operations.empty());
}

BOOST_AUTO_TEST_CASE(a_full_queue_is_429_with_retry_after) {
    fixture f(1);
    const std::string sid = f.session_owned_by(1);
    f.open_session(sid);
    auto first = f.call(fixture::sp_request("POST", "/transceive", R"({"commands":["00A4040000"]})", sid));
    BOOST_TEST_REQUIRE(first.status == 200, first.body);
    auto second = f.call(fixture::sp_request("POST", "/transceive", R"({"commands":["00A4040000"]})", sid));
    BOOST_TEST(second.status == 429);
    BOOST_TEST(error_code(second) == "too-many-operations");
    BOOST_TEST(header(second, "Retry-After") == "1");
}

BOOST_AUTO_TEST_CASE(a_store_failure_is_503_with_retry_after) {
    fixture f;
    const std::string sid = f.session_owned_by(0);
    f.open_session(sid);
    f.store.fake.fail_next_commit();
    auto r = f.call(fixture::sp_request("POST", "/transceive", R"({"commands":["00A4040000"]})", sid), 1);
    BOOST_TEST(r.status == 503);
    BOOST_TEST(error_code(r) == "unavailable");
    BOOST_TEST(header(r, "Retry-After") == "1");
    // The SP retries: now it goes through.
    auto again = f.call(fixture::sp_request("POST", "/transceive", R"({"commands":["00A4040000"]})", sid), 1);
    BOOST_TEST(again.status == 200);
}

BOOST_AUTO_TEST_CASE(completion_ends_the_session_and_later_calls_are_409) {
    fixture f;
    const std::string sid = f.session_owned_by(1);
    f.open_session(sid);
    auto done = f.call(fixture::sp_request("POST", "/service/completed",
                                           R"({"success":true,"message":{"en":"Done"}})", sid),
                       0);
    BOOST_TEST_REQUIRE(done.status == 200, done.body);
    BOOST_TEST(done.body == "{}");
    BOOST_TEST(f.store.fake.sessions.at(sid).state == core::session_state::completed);
    auto late = f.call(fixture::sp_request("POST", "/transceive", R"({"commands":["00A4040000"]})", sid));
    BOOST_TEST(late.status == 409);
    BOOST_TEST(error_code(late) == "session-finished");
    auto twice = f.call(fixture::sp_request("PUT", "/service/completed", R"({"success":false})", sid));
    BOOST_TEST(twice.status == 409);
    BOOST_TEST(error_code(twice) == "session-finished");
    auto no_session = f.call(fixture::sp_request("POST", "/service/completed", R"({"success":true})"));
    BOOST_TEST(no_session.status == 400);
    BOOST_TEST(error_code(no_session) == "missing-header");
}

BOOST_AUTO_TEST_CASE(ccm_requests_are_mapped_by_core) {
    fixture f;
    const std::string sid = f.session_owned_by(0);
    f.open_session(sid);
    auto install = f.call(fixture::sp_request(
        "POST", "/ccm/install",
        R"({"executableLoadFile":"D0D1D2D3D4D501","executableModule":"D0D1D2D3D4D50101","application":"D0D1D2D3D4D5010101","parameters":"C900"})",
        sid));
    BOOST_TEST_REQUIRE(install.status == 200, install.body);
    auto iop = stored(f, install);
    BOOST_TEST(iop.kind == core::kinds::ccm_install);
    auto ireq = core::ccm::decode_install_request(iop.payload);
    BOOST_REQUIRE(ireq);
    BOOST_TEST(ireq->elf_aid == *core::from_hex("D0D1D2D3D4D501"));
    BOOST_TEST(ireq->instance_aid == *core::from_hex("D0D1D2D3D4D5010101"));
    BOOST_TEST(ireq->params == *core::from_hex("C900"));
    BOOST_TEST(ireq->privileges == core::bytes(1, '\0'));

    auto del = f.call(fixture::sp_request("PUT", "/ccm/delete",
                                          R"({"application":"D0D1D2D3D4D501","withRelated":true})", sid));
    BOOST_TEST_REQUIRE(del.status == 200, del.body);
    auto dreq = core::ccm::decode_delete_request(stored(f, del).payload);
    BOOST_REQUIRE(dreq);
    BOOST_TEST(dreq->with_related);
}

BOOST_AUTO_TEST_CASE(storedata_is_sealed_to_its_session_and_never_stored_in_clear) {
    fixture f;
    const std::string sid = f.session_owned_by(1);
    f.open_session(sid);
    const std::string secret_hex = "5EC2E75EC2E75EC2E75EC2E75EC2E7AA";
    const core::bytes secret = *core::from_hex(secret_hex);
    auto r = f.call(fixture::sp_request("POST", "/ccm/storedata",
                                        R"({"application":"D0D1D2D3D4D5010101","tagType":"BER","data":")"
                                            + secret_hex + R"("})",
                                        sid));
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    auto op = stored(f, r);
    BOOST_TEST(op.kind == core::kinds::ccm_storedata);
    BOOST_TEST(op.payload.find(secret) == std::string::npos);
    BOOST_TEST(op.payload.find(secret_hex) == std::string::npos);
    BOOST_TEST(!f.vault.open(op.payload, core::ccm::storedata_payload_context("other-session")));
    auto plain = f.vault.open(op.payload, core::ccm::storedata_payload_context(sid));
    BOOST_REQUIRE(plain);
    auto req = core::ccm::decode_storedata_request(*plain);
    BOOST_REQUIRE(req);
    BOOST_TEST(req->data == secret);
    BOOST_TEST(static_cast<int>(req->type) == static_cast<int>(core::ccm::tag_type::ber));
}

BOOST_AUTO_TEST_CASE(desfire_requests_are_mapped_by_core_and_create_app_sealed) {
    fixture f;
    const std::string sid = f.session_owned_by(0);
    f.open_session(sid);
    const std::string key_hex = "A0A1A2A3A4A5A6A7A8A9AAABACADAEAF";
    auto create = f.call(
        fixture::sp_request("POST", "/desfire/ev1/createApp",
                            R"({"aid":"F1A2B3","keySettings":"0F","numberOfKeys":1,"keyType":"AES","keys":[")"
                                + key_hex + R"("]})",
                            sid),
        1);
    BOOST_TEST_REQUIRE(create.status == 200, create.body);
    auto cop = stored(f, create);
    BOOST_TEST(cop.kind == core::kinds::desfire_create_app);
    BOOST_TEST(cop.payload.find(*core::from_hex(key_hex)) == std::string::npos);
    auto plain = f.vault.open(cop.payload, core::desfire::create_app_payload_context(sid));
    BOOST_REQUIRE(plain);
    auto creq = core::desfire::decode_create_app_request(*plain);
    BOOST_REQUIRE(creq);
    BOOST_TEST(creq->aid == 0xF1A2B3u);
    BOOST_REQUIRE_EQUAL(creq->keys.size(), 1u);
    BOOST_TEST(creq->keys[0] == *core::from_hex(key_hex));

    auto cmds = f.call(
        fixture::sp_request("POST", "/desfire/ev1/commands", R"({"aid":"F1A2B3","commands":["6E"]})", sid));
    BOOST_TEST_REQUIRE(cmds.status == 200, cmds.body);
    auto mop = stored(f, cmds);
    BOOST_TEST(mop.kind == core::kinds::desfire_commands);
    auto mreq = core::desfire::decode_commands_request(mop.payload);
    BOOST_REQUIRE(mreq);
    BOOST_TEST(mreq->commands == std::vector<core::bytes>{"\x6e"s});

    auto del = f.call(fixture::sp_request("POST", "/desfire/ev1/deleteApp", R"({"aid":"F1A2B3"})", sid));
    BOOST_TEST_REQUIRE(del.status == 200, del.body);
    BOOST_TEST(stored(f, del).kind == core::kinds::desfire_delete_app);
}

BOOST_AUTO_TEST_CASE(status_answers_only_finished_operations_of_the_caller) {
    fixture f;
    const std::string sid = f.session_owned_by(0);
    f.open_session(sid);
    auto accepted = f.call(fixture::sp_request("POST", "/transceive", R"({"commands":["00A4040000"]})", sid));
    BOOST_TEST_REQUIRE(accepted.status == 200, accepted.body);
    const std::string op_id(body_of(accepted).at("operationId").as_string());
    auto status = [&](std::string id, std::string_view app = app_id, const std::string& key = app_key_hex) {
        return f.call(fixture::sp_request("GET", "/status/" + id, "", {}, app, key), 1);
    };
    auto pending = status(op_id);
    BOOST_TEST(pending.status == 404); // not finished yet
    BOOST_TEST(error_code(pending) == "not-found");
    // Finish it in the store, as the session service would.
    f.run_on(0, [&](core::shard_services&) {
        auto& rec = f.store.fake.operations.at(op_id);
        rec.state = core::operation_state::done;
        rec.result_json = R"({"operationId":")" + op_id + R"(","status":200})";
    });
    std::string upper = op_id;
    for (char& c : upper) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    for (const auto& id : {op_id, upper}) {
        auto done = status(id);
        BOOST_TEST(done.status == 200);
        BOOST_TEST(done.body == R"({"operationId":")" + op_id + R"(","status":200})");
    }
    auto foreign = status(op_id, other_app_id, other_key_hex);
    BOOST_TEST(foreign.status == 404); // another app's operation is invisible
    BOOST_TEST(status("not-a-uuid").status == 404);
}

BOOST_AUTO_TEST_CASE(cap_files_upload_list_and_delete) {
    fixture f;
    const std::string cap = read_cap("kaoh-helloworld.cap");
    BOOST_REQUIRE_GT(cap.size(), 1000u);
    auto up = f.call(fixture::sp_request("POST", "/v3/apps/0A1B2C3D/capfiles", cap));
    BOOST_TEST_REQUIRE(up.status == 200, up.body);
    auto j = body_of(up);
    const std::string id(j.at("id").as_string());
    BOOST_TEST(!id.empty());
    BOOST_TEST(j.contains("elfAid"));
    BOOST_TEST(j.contains("size"));

    auto list = f.call(fixture::sp_request("GET", "/apps/0A1B2C3D/capfiles/", ""), 1);
    BOOST_TEST(list.status == 200);
    BOOST_TEST(list.body.find(id) != std::string::npos);

    auto foreign =
        f.call(fixture::sp_request("GET", "/v2/apps/" + std::string(other_app_id) + "/capfiles", ""));
    BOOST_TEST(foreign.status == 404); // another app's files are invisible
    BOOST_TEST(error_code(foreign) == "not-found");
    auto foreign_delete = f.call(
        fixture::sp_request("DELETE", "/v3/apps/" + std::string(other_app_id) + "/capfiles/" + id, ""));
    BOOST_TEST(foreign_delete.status == 404);

    auto legacy = f.call(fixture::sp_request("PUT", "/executableLoadFiles",
                                             read_cap("gpp-Empty_0102030405_8d5ac9e2_2.2.1.cap")));
    BOOST_TEST_REQUIRE(legacy.status == 200, legacy.body);
    auto lj = body_of(legacy);
    BOOST_TEST(lj.contains("executableLoadFile"));
    BOOST_TEST(!lj.contains("size")); // the legacy shape

    auto del = f.call(fixture::sp_request("DELETE", "/v3/apps/0A1B2C3D/capfiles/" + id, ""));
    BOOST_TEST(del.status == 200);
    BOOST_TEST(body_of(del).at("deleted").as_string() == id);
    auto gone = f.call(fixture::sp_request("DELETE", "/v3/apps/0A1B2C3D/capfiles/" + id, ""));
    BOOST_TEST(gone.status == 404);
    BOOST_TEST(error_code(gone) == "not-found");
}

BOOST_AUTO_TEST_CASE(bad_and_oversized_cap_files_are_refused) {
    fixture f;
    auto garbage = f.call(fixture::sp_request("POST", "/executableLoadFiles", "not a zip"));
    BOOST_TEST(garbage.status == 400);
    BOOST_TEST(error_code(garbage) == "bad-cap");
    auto huge =
        f.call(fixture::sp_request("POST", "/v3/apps/0A1B2C3D/capfiles", std::string((4u << 20) + 1, 'Z')));
    BOOST_TEST(huge.status == 413);
    BOOST_TEST(error_code(huge) == "payload-too-large");
    BOOST_TEST(f.store.fake.commits.empty());
}

BOOST_AUTO_TEST_CASE(a_cap_store_failure_is_503_with_retry_after) {
    fixture f;
    f.store.fake.fail_next_commit();
    auto r =
        f.call(fixture::sp_request("POST", "/v3/apps/0A1B2C3D/capfiles", read_cap("kaoh-helloworld.cap")));
    BOOST_TEST(r.status == 503);
    BOOST_TEST(error_code(r) == "unavailable");
    BOOST_TEST(header(r, "Retry-After") == "1");
}

BOOST_AUTO_TEST_SUITE_END()
