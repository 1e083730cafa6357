#include "record_codec.hpp"

#include "tsm/storage/errc.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

using namespace tsm;
namespace codec = tsm::storage::codec;

namespace {

const std::error_code corruption = storage::make_error_code(storage::errc::corruption);

auto fields(const core::app_record& r) {
    return std::tie(r.app_id, r.key_hash, r.description_url, r.delivery_url, r.delivery_method,
                    r.callback_prefixes);
}
/// recipe_run has no operator==: compare its parts (absent = all empty and false).
auto recipe_fields(const std::optional<core::recipe_run>& r) {
    return r ? std::make_tuple(true, r->success_message_json, r->failure_message_json, r->service_result_uri,
                               r->action_endpoints)
             : std::make_tuple(false, std::string(), std::string(), std::string(),
                               std::vector<std::string>());
}
auto fields(const core::session_record& r) {
    return std::tuple_cat(std::tie(r.session_id, r.app_id, r.service_id, r.resume_token_hash, r.state,
                                   r.last_batch, r.next_operation_seq, r.created_ms, r.last_progress_ms,
                                   r.card_iin, r.card_cin, r.platform_version, r.description_json,
                                   r.fields_json, r.final_status_json, r.email, r.msisdn, r.sealed_fields,
                                   r.ephemeral_key),
                          std::make_tuple(recipe_fields(r.recipe)));
}
auto fields(const core::operation_record& r) {
    return std::tie(r.operation_id, r.session_id, r.app_id, r.kind, r.callback_url, r.seq, r.state, r.payload,
                    r.result_json, r.accepted_ms, r.result_sealed);
}
auto fields(const core::outbox_entry& r) {
    return std::tie(r.id, r.url, r.body, r.created_ms, r.sealed);
}
auto fields(const core::recipe_record& r) {
    std::vector<std::tuple<std::string, std::string, std::string, bool>> actions;
    for (const auto& a : r.actions) {
        actions.emplace_back(a.endpoint, a.kind, a.payload, a.sealed);
    }
    return std::make_tuple(r.app_id, r.service_id, r.description_json, r.success_message_json,
                           r.failure_message_json, r.service_result_uri, actions, r.updated_ms);
}
auto fields(const core::card_keys_record& r) {
    return std::tie(r.master, r.id, r.iin, r.isd_aid, r.scp, r.kvn, r.key_length, r.security_level,
                    r.diversification, r.sealed_keys, r.desfire_key_type, r.desfire_key_version,
                    r.desfire_diversification, r.desfire_system_identifier, r.desfire_sealed_key,
                    r.platform_version, r.os_type_version_name, r.batch_id, r.cplc, r.uid);
}
auto fields(const core::capfile_record& r) {
    return std::tie(r.app_id, r.id, r.elf_aid, r.module_aids, r.load_file_data_block, r.java_card_version,
                    r.gp_version, r.os_type_version, r.created_ms);
}

core::card_keys_record sample_card_keys() {
    core::card_keys_record c;
    c.master = true;
    c.id = "8A2C10";
    c.iin = "8A2C10";
    c.isd_aid = std::string("\xA0\x00\x00\x01\x51\x00\x00\x00", 8);
    c.scp = 2;
    c.kvn = 0x20;
    c.key_length = 16;
    c.security_level = 0x01;
    c.diversification = "emv";
    c.sealed_keys = std::string("\x00\xff sealed \x80", 11);
    return c;
}

/// A master set with both parts: GP keys and an AN10922 DESFire key.
core::card_keys_record sample_card_keys_with_desfire() {
    core::card_keys_record c = sample_card_keys();
    c.desfire_key_type = "AES";
    c.desfire_key_version = 0x81;
    c.desfire_diversification = "an10922";
    c.desfire_system_identifier = std::string("NXP Abu", 7);
    c.desfire_sealed_key = std::string("\x00"
                                       "df sealed\xff",
                                       11);
    return c;
}

/// A card with only a DESFire part: no GP keys.
core::card_keys_record sample_desfire_only_card() {
    core::card_keys_record c;
    c.id = "04A1B2C3D4E5F6";
    c.iin = "";
    c.desfire_key_type = "2K3DES";
    c.desfire_key_version = 0;
    c.desfire_sealed_key = std::string(56, '\x33');
    return c;
}

/// A registered device without keys (transceive-only services): just the device description.
core::card_keys_record sample_keyless_device() {
    core::card_keys_record c;
    c.id = "0E48800471400A";
    c.iin = "8A2C10";
    c.platform_version = 3;
    c.os_type_version_name = "JCOP3SECIDCS";
    c.batch_id = 0;
    c.cplc = std::string("\x47\x90\x50\x40\x47\x91\x81\x02\x00\x00", 10) + std::string(32, '\x11');
    c.uid = std::string("\x04\xA1\xB2\xC3\xD4\xE5\xF6", 7);
    return c;
}

/// A device with keys and a description; a negative batch id exercises the zigzag encoding.
core::card_keys_record sample_device_with_keys() {
    core::card_keys_record c = sample_card_keys_with_desfire();
    c.master = false;
    c.id = "0E48800471400B";
    c.iin = "8A2C10";
    c.desfire_diversification.clear();
    c.desfire_system_identifier.clear();
    c.platform_version = std::numeric_limits<std::int64_t>::max();
    c.batch_id = -7;
    c.uid = std::string("\x01\x02\x03\x04", 4);
    return c;
}

core::capfile_record sample_capfile() {
    core::capfile_record f;
    f.app_id = "0A0B0C0D";
    f.id = "60a16fea3d7baf74dfe112abf645972d6869edee8a46f4109ce78f40d33e57b5";
    f.elf_aid = std::string("\xD0\xD1\xD2\xD3\xD4\xD5\x01", 7);
    f.module_aids = {std::string("\xD0\xD1\xD2\xD3\xD4\xD5\x01\x01", 8),
                     std::string("\x01\x02\x03\x04\x05", 5)};
    f.load_file_data_block = std::string(300, '\x5a');
    f.java_card_version = "3.0.4";
    f.gp_version = "2.2";
    f.os_type_version = "JCOP 2.4.2r2";
    f.created_ms = -5;
    return f;
}

core::app_record sample_app() {
    core::app_record a;
    a.app_id = "0A0B0C0D";
    a.key_hash = std::string("\x00\x01\xff\x80 hash", 10);
    a.description_url = "https://sp.example/desc";
    a.delivery_url = "https://sp.example/deliver";
    a.delivery_method = "POST";
    a.callback_prefixes = {"https://sp.example/cb/", "", "https://b.example/"};
    return a;
}

core::session_record sample_session() {
    core::session_record s;
    s.session_id = "sess-1";
    s.app_id = "0A0B0C0D";
    s.service_id = "svc";
    s.resume_token_hash = std::string("\x00\x00\x7f", 3);
    s.state = core::session_state::failed;
    s.last_batch = std::numeric_limits<std::uint64_t>::max();
    s.next_operation_seq = 300;
    s.created_ms = -1;
    s.last_progress_ms = std::numeric_limits<std::int64_t>::min();
    s.card_iin = "4242";
    s.card_cin = "ABCDEF";
    s.platform_version = std::numeric_limits<std::int64_t>::max();
    s.description_json = R"({"a":1})";
    s.fields_json = "";
    s.final_status_json = R"({"status":"ok"})";
    s.email = "user@example.com";
    s.msisdn = "+46700000000";
    return s;
}

/// A session that runs a recipe, with sealed user input and an ephemeral key (format v3 parts).
core::session_record sample_recipe_session() {
    core::session_record s = sample_session();
    s.state = core::session_state::active;
    s.description_json.clear();
    s.sealed_fields = std::string("\x00sealed fields\xff", 15);
    s.ephemeral_key = "0badc0de";
    s.recipe = core::recipe_run{R"({"en":"Done"})",
                                R"({"en":"Failed","sv":"Misslyckades"})",
                                "https://sp.example/cb/result",
                                {"/ccm/install", "/ccm/storedata"}};
    return s;
}

/// A recipe with a sealed action and a plain one; a negative time exercises the zigzag encoding.
core::recipe_record sample_recipe() {
    core::recipe_record r;
    r.app_id = "0A0B0C0D";
    r.service_id = "install-applet";
    r.description_json = R"({"title":{"en":"Install"}})";
    r.success_message_json = R"({"en":"Success"})";
    r.failure_message_json = R"("Failure")";
    r.service_result_uri = "https://sp.example/cb/result";
    r.actions = {{"/ccm/install", "ccm-install", std::string("\x01\x00\xA0", 3), false},
                 {"/ccm/storedata", "ccm-storedata", std::string(80, '\x5c'), true}};
    r.updated_ms = -3;
    return r;
}

core::operation_record sample_operation() {
    core::operation_record o;
    o.operation_id = "op-1";
    o.session_id = "sess-1";
    o.app_id = "0A0B0C0D";
    o.kind = "transceive";
    o.callback_url = "https://sp.example/cb/1";
    o.seq = 127;
    o.state = core::operation_state::done;
    o.payload = std::string(1000, '\x9a');
    o.result_json = R"({"responses":["9000"]})";
    o.accepted_ms = 1700000000000;
    return o;
}

core::outbox_entry sample_outbox() {
    return {"op-1", "https://sp.example/cb/1", R"({"x":true})", 42};
}

template <class R>
std::string encoded(const R& r) {
    std::string out;
    codec::encode(r, out);
    return out;
}

template <class R>
void check_round_trip(const R& r) {
    R back;
    BOOST_TEST(!codec::decode(encoded(r), back));
    BOOST_TEST((fields(back) == fields(r)));
}

/// Every strict prefix, every extension by one byte and every single-byte change must either fail
/// cleanly (corruption, no other error) or decode; none may crash (ASan/UBSan builds check the
/// "out of bounds" part).
template <class R>
void check_rejects_damage(const R& r) {
    std::string bytes = encoded(r);
    for (std::size_t n = 0; n < bytes.size(); ++n) {
        R out;
        BOOST_TEST(codec::decode(std::string_view(bytes).substr(0, n), out) == corruption,
                   "truncated to " << n);
    }
    {
        R out;
        BOOST_TEST(codec::decode(bytes + '\0', out) == corruption);
    }
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        for (int v : {0x00, 0x01, 0x7f, 0x80, 0xff}) {
            std::string damaged = bytes;
            damaged[i] = static_cast<char>(v);
            R out;
            const std::error_code ec = codec::decode(damaged, out);
            BOOST_TEST((!ec || ec == corruption), "byte " << i << " set to " << v << ": " << ec.message());
        }
    }
}

} // namespace

BOOST_AUTO_TEST_SUITE(record_codec)

BOOST_AUTO_TEST_CASE(round_trips_every_record_type) {
    check_round_trip(sample_app());
    check_round_trip(sample_session());
    check_round_trip(sample_operation());
    check_round_trip(sample_outbox());
    check_round_trip(sample_card_keys());
    check_round_trip(sample_card_keys_with_desfire());
    check_round_trip(sample_desfire_only_card());
    check_round_trip(sample_keyless_device());
    check_round_trip(sample_device_with_keys());
    check_round_trip(sample_capfile());
    check_round_trip(sample_recipe_session());
    check_round_trip(sample_recipe());
    core::operation_record sealed_result = sample_operation();
    sealed_result.result_sealed = true;
    check_round_trip(sealed_result);
    core::outbox_entry sealed_body = sample_outbox();
    sealed_body.sealed = true;
    check_round_trip(sealed_body);
    check_round_trip(core::recipe_record{});
    core::session_record empty_recipe;
    empty_recipe.recipe.emplace();
    check_round_trip(empty_recipe);
    check_round_trip(core::card_keys_record{});
    check_round_trip(core::capfile_record{});
    check_round_trip(core::app_record{});
    check_round_trip(core::session_record{});
    check_round_trip(core::operation_record{});
    check_round_trip(core::outbox_entry{});
}

BOOST_AUTO_TEST_CASE(starts_with_version_and_kind) {
    std::string b = encoded(sample_outbox());
    BOOST_TEST(static_cast<std::uint8_t>(b[0]) == codec::outbox_format_version);
    BOOST_TEST(b[1] == 'x');
    std::string r = encoded(sample_recipe());
    BOOST_TEST(static_cast<std::uint8_t>(r[0]) == codec::format_version);
    BOOST_TEST(r[1] == 'r');
}

BOOST_AUTO_TEST_CASE(rejects_truncated_extended_and_damaged_input) {
    check_rejects_damage(sample_app());
    check_rejects_damage(sample_session());
    check_rejects_damage(sample_operation());
    check_rejects_damage(sample_outbox());
    check_rejects_damage(sample_card_keys());
    check_rejects_damage(sample_card_keys_with_desfire());
    check_rejects_damage(sample_desfire_only_card());
    check_rejects_damage(sample_keyless_device());
    check_rejects_damage(sample_device_with_keys());
    check_rejects_damage(sample_capfile());
    check_rejects_damage(sample_recipe_session());
    check_rejects_damage(sample_recipe());
}

BOOST_AUTO_TEST_CASE(card_keys_are_the_current_version_and_version_1_still_decodes) {
    std::string b = encoded(sample_card_keys_with_desfire());
    BOOST_TEST(static_cast<std::uint8_t>(b[0]) == codec::card_keys_format_version);
    BOOST_TEST(b[1] == 'c');

    // A record as written before the DESFire part existed (version 1), byte by byte.
    std::string v1 = {static_cast<char>(1), 'c', '\x01'};
    v1 += "\x06"
          "8A2C10"
          "\x06"
          "8A2C10";
    v1 += "\x08" + std::string("\xA0\x00\x00\x01\x51\x00\x00\x00", 8);
    v1 += std::string("\x02\x20\x10\x01", 4);
    v1 += "\x03"
          "emv";
    v1 += "\x0b" + std::string("\x00\xff sealed \x80", 11);
    core::card_keys_record out;
    out.desfire_key_type = "stale"; // decode must not keep what `out` held
    out.desfire_sealed_key = "stale";
    BOOST_TEST(!codec::decode(v1, out));
    BOOST_TEST((fields(out) == fields(sample_card_keys())));
    BOOST_TEST(out.desfire_key_type.empty());
    BOOST_TEST(out.desfire_sealed_key.empty());

    // Version 1 stops after the sealed GP keys: a DESFire part behind it is trailing garbage.
    std::string v1_plus = b;
    v1_plus[0] = '\x01';
    BOOST_TEST(codec::decode(v1_plus, out) == corruption);

    // Unknown versions either side.
    for (int v : {0, codec::card_keys_format_version + 1}) {
        std::string bad = b;
        bad[0] = static_cast<char>(v);
        BOOST_TEST(codec::decode(bad, out) == corruption, "version " << v);
    }
}

BOOST_AUTO_TEST_CASE(card_keys_version_2_still_decodes_without_a_device_description) {
    BOOST_TEST(codec::card_keys_format_version == 3);
    // A card record as version 2 wrote it (GP part, then the DESFire part), byte by byte.
    std::string v2 = {static_cast<char>(2), 'c', '\x00'};
    v2 += "\x04"
          "0E48"
          "\x02"
          "8A";
    v2 += "\x05" + std::string("\xA0\x00\x00\x01\x51", 5);
    v2 += std::string("\x03\x30\x10\x03", 4); // scp, kvn, key length, security level
    v2 += '\x00';                             // diversification ""
    v2 += "\x03"
          "GPK";
    v2 += "\x03"
          "AES";
    v2 += '\x05'; // DESFire key version
    v2 += '\x00'; // DESFire diversification ""
    v2 += '\x00'; // system identifier ""
    v2 += "\x02"
          "DK";
    core::card_keys_record out;
    out.platform_version = 9; // decode must not keep what `out` held
    out.batch_id = 4;
    out.cplc = "stale";
    out.uid = "stale";
    out.os_type_version_name = "stale";
    BOOST_TEST(!codec::decode(v2, out));
    BOOST_TEST(!out.master);
    BOOST_TEST(out.id == "0E48");
    BOOST_TEST(out.iin == "8A");
    BOOST_TEST(out.isd_aid == std::string("\xA0\x00\x00\x01\x51", 5));
    BOOST_TEST(out.scp == 3);
    BOOST_TEST(out.kvn == 0x30);
    BOOST_TEST(out.sealed_keys == "GPK");
    BOOST_TEST(out.desfire_key_type == "AES");
    BOOST_TEST(out.desfire_key_version == 5);
    BOOST_TEST(out.desfire_sealed_key == "DK");
    BOOST_TEST(out.platform_version == 0);
    BOOST_TEST(!out.batch_id.has_value());
    BOOST_TEST(out.cplc.empty());
    BOOST_TEST(out.uid.empty());
    BOOST_TEST(out.os_type_version_name.empty());
    BOOST_TEST(out.has_gp_keys());
    BOOST_TEST(out.has_desfire_key());

    // Version 2 stops after the DESFire part: a device description behind it is trailing garbage.
    std::string v3 = encoded(sample_keyless_device());
    BOOST_TEST(static_cast<std::uint8_t>(v3[0]) == 3);
    v3[0] = '\x02';
    BOOST_TEST(codec::decode(v3, out) == corruption);

    // The batch-id presence byte is 0 or 1.
    core::card_keys_record no_batch = sample_keyless_device();
    no_batch.batch_id.reset();
    std::string nb = encoded(no_batch);
    const std::size_t presence = nb.size() - 1 - (1 + no_batch.cplc.size()) - (1 + no_batch.uid.size());
    BOOST_TEST(nb[presence] == '\x00');
    nb[presence] = '\x02';
    BOOST_TEST(codec::decode(nb, out) == corruption);
}

BOOST_AUTO_TEST_CASE(sessions_are_version_3_and_versions_1_and_2_still_decode) {
    std::string b = encoded(sample_session());
    BOOST_TEST(static_cast<std::uint8_t>(b[0]) == codec::session_format_version);
    BOOST_TEST(codec::session_format_version == 3);
    BOOST_TEST(b[1] == 's');

    // A session as version 1 wrote it (no e-mail, no MSISDN), byte by byte.
    std::string v1 = {static_cast<char>(1), 's'};
    v1 += "\x02"
          "s1"
          "\x02"
          "A1"
          "\x03"
          "svc"
          "\x01"
          "H";
    v1 += '\x01';                     // state active
    v1 += std::string("\x05\x02", 2); // last_batch 5, next_operation_seq 2
    v1 += std::string("\x14\x03", 2); // created_ms 10, last_progress_ms -2 (zigzag)
    v1 += "\x02"
          "42"
          "\x02"
          "CD";
    v1 += '\x06'; // platform_version 3
    v1 += "\x02"
          "{}";
    v1 += '\x00'; // fields ""
    v1 += '\x00'; // final status ""
    core::session_record out;
    out.email = "stale";
    out.msisdn = "stale";
    out.sealed_fields = "stale";
    out.ephemeral_key = "stale";
    out.recipe.emplace();
    BOOST_TEST(!codec::decode(v1, out));
    BOOST_TEST(out.session_id == "s1");
    BOOST_TEST(out.app_id == "A1");
    BOOST_TEST(out.service_id == "svc");
    BOOST_TEST(out.resume_token_hash == "H");
    BOOST_TEST((out.state == core::session_state::active));
    BOOST_TEST(out.last_batch == 5u);
    BOOST_TEST(out.next_operation_seq == 2u);
    BOOST_TEST(out.created_ms == 10);
    BOOST_TEST(out.last_progress_ms == -2);
    BOOST_TEST(out.card_iin == "42");
    BOOST_TEST(out.card_cin == "CD");
    BOOST_TEST(out.platform_version == 3);
    BOOST_TEST(out.description_json == "{}");
    BOOST_TEST(out.email.empty());
    BOOST_TEST(out.msisdn.empty());
    BOOST_TEST(out.sealed_fields.empty());
    BOOST_TEST(out.ephemeral_key.empty());
    BOOST_TEST(!out.recipe.has_value());

    // Version 2 as it wrote it: version 1 then e-mail and MSISDN, nothing of version 3.
    std::string v2 = v1;
    v2[0] = '\x02';
    v2 += "\x03"
          "a@b"
          "\x02"
          "+4";
    out.recipe.emplace();
    out.sealed_fields = "stale";
    BOOST_TEST(!codec::decode(v2, out));
    BOOST_TEST(out.session_id == "s1");
    BOOST_TEST(out.email == "a@b");
    BOOST_TEST(out.msisdn == "+4");
    BOOST_TEST(out.sealed_fields.empty());
    BOOST_TEST(out.ephemeral_key.empty());
    BOOST_TEST(!out.recipe.has_value());

    // Version 3 of the same session: sealed fields "S", no ephemeral key, no recipe.
    std::string v3 = v2;
    v3[0] = '\x03';
    v3 += "\x01"
          "S";
    v3 += '\x00';
    v3 += '\x00';
    BOOST_TEST(!codec::decode(v3, out));
    BOOST_TEST(out.sealed_fields == "S");
    BOOST_TEST(!out.recipe.has_value());
    // ... and with a recipe: messages, URI and one endpoint.
    std::string v3r = v3;
    v3r.back() = '\x01';
    v3r += "\x03"
           "\"S\""
           "\x03"
           "\"F\"";
    v3r += '\x00'; // no service result URI
    v3r += "\x01"
           "\x0b"
           "/transceive";
    BOOST_TEST(!codec::decode(v3r, out));
    BOOST_REQUIRE(out.recipe.has_value());
    BOOST_TEST(out.recipe->success_message_json == "\"S\"");
    BOOST_TEST(out.recipe->failure_message_json == "\"F\"");
    BOOST_TEST(out.recipe->service_result_uri.empty());
    BOOST_TEST(out.recipe->action_endpoints == std::vector<std::string>{"/transceive"});
    // the recipe presence byte is 0 or 1
    std::string bad_flag = v3;
    bad_flag.back() = '\x02';
    BOOST_TEST(codec::decode(bad_flag, out) == corruption);

    // Version 1 ends at the final status: e-mail and MSISDN behind it are trailing garbage.
    std::string v1_plus = b;
    v1_plus[0] = '\x01';
    BOOST_TEST(codec::decode(v1_plus, out) == corruption);
    // Version 2 ends at the MSISDN: the version 3 part behind it is trailing garbage.
    std::string v2_plus = b;
    v2_plus[0] = '\x02';
    BOOST_TEST(codec::decode(v2_plus, out) == corruption);
    for (int v : {0, codec::session_format_version + 1}) {
        std::string bad = b;
        bad[0] = static_cast<char>(v);
        BOOST_TEST(codec::decode(bad, out) == corruption, "version " << v);
    }
}

BOOST_AUTO_TEST_CASE(operations_are_version_2_and_version_1_still_decodes) {
    core::operation_record sealed = sample_operation();
    sealed.result_sealed = true;
    std::string b = encoded(sealed);
    BOOST_TEST(static_cast<std::uint8_t>(b[0]) == codec::operation_format_version);
    BOOST_TEST(codec::operation_format_version == 2);
    BOOST_TEST(b.back() == '\x01');

    // An operation as version 1 wrote it (no result_sealed), byte by byte.
    std::string v1 = {static_cast<char>(1), 'o'};
    v1 += "\x02"
          "o1"
          "\x02"
          "s1"
          "\x02"
          "A1"
          "\x0a"
          "transceive"
          "\x03"
          "cb/";
    v1 += '\x07'; // seq 7
    v1 += '\x02'; // state done
    v1 += "\x02"
          "PL"
          "\x02"
          "{}";
    v1 += '\x14'; // accepted_ms 10
    core::operation_record out;
    out.result_sealed = true;
    BOOST_TEST(!codec::decode(v1, out));
    BOOST_TEST(out.operation_id == "o1");
    BOOST_TEST(out.kind == "transceive");
    BOOST_TEST(out.callback_url == "cb/");
    BOOST_TEST(out.seq == 7u);
    BOOST_TEST((out.state == core::operation_state::done));
    BOOST_TEST(out.payload == "PL");
    BOOST_TEST(out.result_json == "{}");
    BOOST_TEST(out.accepted_ms == 10);
    BOOST_TEST(!out.result_sealed);

    // version 1 ends at accepted_ms; the flag is 0 or 1
    std::string v1_plus = b;
    v1_plus[0] = '\x01';
    BOOST_TEST(codec::decode(v1_plus, out) == corruption);
    std::string bad_flag = b;
    bad_flag.back() = '\x02';
    BOOST_TEST(codec::decode(bad_flag, out) == corruption);
}

BOOST_AUTO_TEST_CASE(outbox_entries_are_version_2_and_version_1_still_decodes) {
    core::outbox_entry sealed = sample_outbox();
    sealed.sealed = true;
    std::string b = encoded(sealed);
    BOOST_TEST(static_cast<std::uint8_t>(b[0]) == codec::outbox_format_version);
    BOOST_TEST(codec::outbox_format_version == 2);
    BOOST_TEST(b.back() == '\x01');

    // An outbox entry as version 1 wrote it (no sealed flag), byte by byte.
    std::string v1 = {static_cast<char>(1), 'x'};
    v1 += "\x02"
          "o1"
          "\x03"
          "u:/"
          "\x02"
          "{}";
    v1 += '\x03'; // created_ms -2
    core::outbox_entry out;
    out.sealed = true;
    BOOST_TEST(!codec::decode(v1, out));
    BOOST_TEST(out.id == "o1");
    BOOST_TEST(out.url == "u:/");
    BOOST_TEST(out.body == "{}");
    BOOST_TEST(out.created_ms == -2);
    BOOST_TEST(!out.sealed);

    std::string v1_plus = b;
    v1_plus[0] = '\x01';
    BOOST_TEST(codec::decode(v1_plus, out) == corruption);
    std::string bad_flag = b;
    bad_flag.back() = '\x02';
    BOOST_TEST(codec::decode(bad_flag, out) == corruption);
}

BOOST_AUTO_TEST_CASE(recipes_reject_bad_flags_and_forged_action_counts) {
    std::string b = encoded(sample_recipe());
    core::recipe_record out;
    // the sealed byte of the last action sits right before updated_ms (zigzag -3: one byte)
    std::string bad_flag = b;
    BOOST_REQUIRE(bad_flag[bad_flag.size() - 2] == '\x01');
    bad_flag[bad_flag.size() - 2] = '\x02';
    BOOST_TEST(codec::decode(bad_flag, out) == corruption);

    core::recipe_record none;
    none.app_id = "a";
    std::string forged = encoded(none);
    forged.resize(forged.size() - 2); // drop action count 0 and updated_ms 0
    forged += "\xff\xff\xff\xff\x0f";
    forged += '\x00';
    BOOST_TEST(codec::decode(forged, out) == corruption);
}

BOOST_AUTO_TEST_CASE(rejects_unknown_version_and_wrong_kind) {
    std::string b = encoded(sample_operation());
    b[0] = static_cast<char>(codec::operation_format_version + 1);
    core::operation_record o;
    BOOST_TEST(codec::decode(b, o) == corruption);

    core::session_record s;
    BOOST_TEST(codec::decode(encoded(sample_operation()), s) == corruption);
    BOOST_TEST(codec::decode("", s) == corruption);
}

BOOST_AUTO_TEST_CASE(rejects_out_of_range_enums) {
    core::session_record s = sample_session();
    s.state = static_cast<core::session_state>(4);
    core::session_record s_out;
    BOOST_TEST(codec::decode(encoded(s), s_out) == corruption);

    core::operation_record o = sample_operation();
    o.state = static_cast<core::operation_state>(3);
    core::operation_record o_out;
    BOOST_TEST(codec::decode(encoded(o), o_out) == corruption);
}

BOOST_AUTO_TEST_CASE(rejects_forged_lengths_and_counts) {
    // outbox: [ver][kind][len(id) = 2^63 as varint] ...
    std::string b = {static_cast<char>(codec::format_version), 'x'};
    for (int i = 0; i < 9; ++i) {
        b.push_back(static_cast<char>(0x80));
    }
    b.push_back(0x01);
    b += "abc";
    core::outbox_entry x;
    BOOST_TEST(codec::decode(b, x) == corruption);

    // a varint longer than 10 bytes
    std::string v = {static_cast<char>(codec::format_version), 'x'};
    v.append(11, static_cast<char>(0xff));
    BOOST_TEST(codec::decode(v, x) == corruption);

    // app with a callback_prefixes count far beyond the bytes left
    core::app_record a;
    a.app_id = "a";
    std::string ab = encoded(a);
    ab.resize(ab.size() - 1); // drop count 0
    ab += "\xff\xff\xff\xff\x0f";
    core::app_record a_out;
    BOOST_TEST(codec::decode(ab, a_out) == corruption);
}

BOOST_AUTO_TEST_SUITE_END()
