// core::card_keys_spec: the GlobalPlatform key-set policy (SCP, key length, security level and
// diversification method go together) and the DESFire part (type/length, version, AN10922 and
// its system identifier bounds), checked combination by combination. Accepted sets are sealed
// under the record's associated data; refused ones name the field.
#include "tsm/core/card_keys/card_keys_spec.hpp"

#include "tsm/core/card_keys_context.hpp"
#include "tsm/core/hex.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

using namespace tsm;

namespace {

const core::key_vault& vault() {
    static const core::key_vault v(core::bytes(core::key_vault::kek_size, 'k'));
    return v;
}

core::bytes key_of(std::size_t n, char fill = '\x5a') {
    return core::bytes(n, fill);
}

/// A valid GP card key set: SCP03, AES-128, level 03.
void gp_set(core::card_keys_input& in, const std::string& scp = "03", std::size_t n = 16) {
    in.isd = "A000000151000000";
    in.scp = scp;
    in.kvn = 1;
    in.enc = key_of(n, '\x01');
    in.mac = key_of(n, '\x02');
    in.dek = key_of(n, '\x03');
}

void desfire_set(core::card_keys_input& in, const std::string& type, std::size_t n) {
    in.desfire.emplace();
    in.desfire->key_type = type;
    in.desfire->key = key_of(n, '\x11');
}

/// Refused, with a bad_request whose message contains `says`; validate agrees with build.
void check_refused(bool master, const core::card_keys_input& in, std::string_view says) {
    auto rec = core::card_keys_spec::build(master, master ? "8A2C10" : "0E48800471400A", in, vault());
    BOOST_REQUIRE(!rec.has_value());
    BOOST_TEST((rec.error().code == core::api_errc::bad_request));
    BOOST_TEST(rec.error().message.find(says) != std::string::npos,
               "'" << rec.error().message << "' lacks " << says);
    BOOST_TEST(!core::card_keys_spec::validate(master, master ? "8A2C10" : "0E48800471400A", in).has_value());
}

core::card_keys_record check_accepted(bool master, const core::card_keys_input& in) {
    BOOST_TEST(core::card_keys_spec::validate(master, master ? "8a2c10" : "0e48800471400a", in).has_value());
    auto rec = core::card_keys_spec::build(master, master ? "8a2c10" : "0e48800471400a", in, vault());
    BOOST_REQUIRE_MESSAGE(rec.has_value(), (rec.has_value() ? std::string() : rec.error().message));
    return *rec;
}

} // namespace

BOOST_AUTO_TEST_SUITE(card_keys_spec)

BOOST_AUTO_TEST_CASE(scp_and_key_length_go_together) {
    struct row {
        const char* scp;
        std::size_t n;
        bool ok;
    };
    const row table[] = {{"03", 16, true},  {"03", 24, true},  {"03", 32, true}, {"03", 8, false},
                         {"03", 20, false}, {"03", 48, false}, {"02", 16, true}, {"02", 8, false},
                         {"02", 24, false}, {"02", 32, false}};
    for (const auto& r : table) {
        BOOST_TEST_CONTEXT("SCP" << r.scp << " " << r.n << " bytes") {
            core::card_keys_input in;
            gp_set(in, r.scp, r.n);
            if (r.ok) {
                auto rec = check_accepted(false, in);
                BOOST_TEST(rec.key_length == r.n);
                BOOST_TEST(rec.scp == (std::string(r.scp) == "03" ? 3 : 2));
            } else {
                check_refused(false, in, std::string(r.scp) == "03" ? "SCP03 keys" : "SCP02 keys");
            }
        }
    }
    core::card_keys_input other;
    gp_set(other);
    other.scp = "01";
    check_refused(false, other, "scp");
}

BOOST_AUTO_TEST_CASE(security_levels_per_protocol) {
    struct row {
        const char* scp;
        const char* level;
        bool ok;
    };
    const row table[] = {{"03", "01", true},  {"03", "03", true},  {"03", "11", true},  {"03", "13", true},
                         {"03", "33", true},  {"03", "00", false}, {"03", "07", false}, {"03", "31", false},
                         {"02", "01", true},  {"02", "03", true},  {"02", "11", false}, {"02", "13", false},
                         {"02", "33", false}, {"02", "00", false}};
    for (const auto& r : table) {
        BOOST_TEST_CONTEXT("SCP" << r.scp << " level " << r.level) {
            core::card_keys_input in;
            gp_set(in, r.scp);
            in.security_level = r.level;
            if (r.ok) {
                auto rec = check_accepted(false, in);
                BOOST_TEST(core::to_hex(std::string(1, static_cast<char>(rec.security_level))) == r.level);
            } else {
                check_refused(false, in, "securityLevel");
            }
        }
    }
    core::card_keys_input dflt; // no level: 03
    gp_set(dflt);
    BOOST_TEST(check_accepted(false, dflt).security_level == 0x03);
}

BOOST_AUTO_TEST_CASE(diversification_methods_per_protocol) {
    struct row {
        const char* scp;
        const char* method;
        const char* stored; ///< nullptr: refused
    };
    const row table[] = {{"03", "", "none"},      {"03", "none", "none"},   {"03", "kdf3", "kdf3"},
                         {"03", "emv", nullptr},  {"03", "visa2", nullptr}, {"02", "", "none"},
                         {"02", "none", "none"},  {"02", "emv", "emv"},     {"02", "visa2", "visa2"},
                         {"02", "kdf3", nullptr}, {"02", "rot13", nullptr}, {"03", "KDF3", nullptr}};
    for (const auto& r : table) {
        BOOST_TEST_CONTEXT("SCP" << r.scp << " '" << r.method << "'") {
            core::card_keys_input in;
            gp_set(in, r.scp);
            in.diversification = r.method;
            if (r.stored != nullptr) {
                BOOST_TEST(check_accepted(true, in).diversification == r.stored);
            } else {
                check_refused(true, in, "diversification");
            }
        }
    }
    // A card's own keys are not diversified.
    core::card_keys_input card;
    gp_set(card);
    card.diversification = "none";
    check_refused(false, card, "IIN master key sets only");
}

BOOST_AUTO_TEST_CASE(isd_kvn_and_key_presence) {
    const std::pair<const char*, bool> isds[] = {{"A0000001", false},
                                                 {"A000000151", true},
                                                 {"A0000001510000000000000000000000", true},
                                                 {"A000000151000000000000000000000000", false},
                                                 {"A00000015X", false},
                                                 {"", false}};
    for (const auto& [isd, ok] : isds) {
        BOOST_TEST_CONTEXT("isd " << isd) {
            core::card_keys_input in;
            gp_set(in);
            in.isd = isd;
            if (ok) {
                check_accepted(false, in);
            } else {
                check_refused(false, in, "isd");
            }
        }
    }
    for (std::int64_t kvn : {-1, 256, 1000}) {
        core::card_keys_input in;
        gp_set(in);
        in.kvn = kvn;
        check_refused(false, in, "kvn");
    }
    for (std::int64_t kvn : {0, 255}) {
        core::card_keys_input in;
        gp_set(in);
        in.kvn = kvn;
        BOOST_TEST(check_accepted(false, in).kvn == kvn);
    }
    core::card_keys_input no_kvn;
    gp_set(no_kvn);
    no_kvn.kvn.reset();
    check_refused(false, no_kvn, "kvn");
    core::card_keys_input no_mac;
    gp_set(no_mac);
    no_mac.mac.clear();
    check_refused(false, no_mac, "enc, mac and dek");
    core::card_keys_input uneven;
    gp_set(uneven);
    uneven.dek = key_of(24);
    check_refused(false, uneven, "same length");
    core::card_keys_input nothing;
    check_refused(false, nothing, "desfire object");
    core::card_keys_input only_level; // one GP field makes the whole GP part required
    only_level.security_level = "03";
    check_refused(false, only_level, "isd");
}

BOOST_AUTO_TEST_CASE(ids_and_iin) {
    BOOST_TEST(core::card_keys_spec::normalize_id(false, "0e48ab").value() == "0E48AB");
    const std::string too_long(65, '0');
    for (std::string_view bad : {std::string_view(""), std::string_view("XYZ"), std::string_view("0E48/1"),
                                 std::string_view(too_long)}) {
        auto id = core::card_keys_spec::normalize_id(false, bad);
        BOOST_TEST(!id.has_value(), bad);
        if (!id) {
            BOOST_TEST(id.error().message.find("CIN") != std::string::npos);
        }
    }
    BOOST_TEST(core::card_keys_spec::normalize_id(true, "zz").error().message.find("IIN")
               != std::string::npos);
    core::card_keys_input in;
    gp_set(in);
    in.iin = "8a2c10";
    auto rec = check_accepted(false, in);
    BOOST_TEST(rec.id == "0E48800471400A");
    BOOST_TEST(rec.iin == "8A2C10");
    BOOST_TEST(!rec.master);
    in.iin = "8A2CXX";
    check_refused(false, in, "iin must be hex");
    core::card_keys_input master;
    gp_set(master);
    auto m = check_accepted(true, master);
    BOOST_TEST(m.master);
    BOOST_TEST(m.iin == "8A2C10");
}

BOOST_AUTO_TEST_CASE(gp_keys_are_sealed_under_the_record_identity) {
    core::card_keys_input in;
    gp_set(in, "03", 32);
    auto rec = check_accepted(false, in);
    const core::bytes plain = in.enc + in.mac + in.dek;
    BOOST_TEST(rec.sealed_keys.find(plain) == std::string::npos);
    auto opened = vault().open(rec.sealed_keys, core::card_keys_context(rec));
    BOOST_REQUIRE(opened);
    BOOST_TEST(*opened == plain);
    BOOST_TEST(!vault().open(rec.sealed_keys, "m/0E48800471400A"));
    BOOST_TEST(core::to_hex(rec.isd_aid) == "A000000151000000");
    BOOST_TEST(rec.desfire_key_type.empty());
}

BOOST_AUTO_TEST_CASE(desfire_key_types_and_lengths) {
    struct row {
        const char* type;
        std::size_t n;
        bool ok;
    };
    const row table[] = {{"AES", 16, true},     {"AES", 24, false},   {"3K3DES", 24, true},
                         {"3K3DES", 16, false}, {"2K3DES", 16, true}, {"2K3DES", 8, false},
                         {"DES", 8, true},      {"DES", 16, false}};
    for (const auto& r : table) {
        BOOST_TEST_CONTEXT(r.type << " " << r.n << " bytes") {
            core::card_keys_input in;
            desfire_set(in, r.type, r.n);
            if (r.ok) {
                auto rec = check_accepted(false, in);
                BOOST_TEST(rec.desfire_key_type == r.type);
                BOOST_TEST(rec.sealed_keys.empty()); // no GP part
                auto opened = vault().open(rec.desfire_sealed_key, core::desfire_key_context(rec));
                BOOST_REQUIRE(opened);
                BOOST_TEST(*opened == in.desfire->key);
            } else {
                check_refused(false, in, "bytes for " + std::string(r.type));
            }
        }
    }
    for (const char* type : {"AES128", "aes", ""}) {
        core::card_keys_input in;
        desfire_set(in, type, 16);
        check_refused(false, in, "desfire.keyType");
    }
    core::card_keys_input empty_key;
    desfire_set(empty_key, "AES", 0);
    check_refused(false, empty_key, "desfire.key");
    for (std::int64_t v : {-1, 256}) {
        core::card_keys_input in;
        desfire_set(in, "AES", 16);
        in.desfire->version = v;
        check_refused(false, in, "desfire.version");
    }
    core::card_keys_input v255;
    desfire_set(v255, "AES", 16);
    v255.desfire->version = 255;
    BOOST_TEST(check_accepted(false, v255).desfire_key_version == 255);
}

BOOST_AUTO_TEST_CASE(desfire_diversification_and_system_identifier_bounds) {
    struct row {
        const char* type;
        std::size_t n;
        const char* method;
        std::size_t sid_bytes;
        const char* refused; ///< nullptr: accepted
    };
    const row table[] = {
        {"AES", 16, "", 0, nullptr},
        {"AES", 16, "none", 0, nullptr},
        {"AES", 16, "an10922", 0, nullptr},
        {"AES", 16, "an10922", 21, nullptr},
        {"AES", 16, "an10922", 22, "at most 21 bytes for AES"},
        {"3K3DES", 24, "an10922", 5, nullptr},
        {"3K3DES", 24, "an10922", 6, "at most 5 bytes for 3K3DES"},
        {"2K3DES", 16, "an10922", 5, nullptr},
        {"2K3DES", 16, "an10922", 6, "at most 5 bytes for 2K3DES"},
        {"DES", 8, "none", 0, nullptr},
        {"DES", 8, "an10922", 0, "not DES"},
        {"AES", 16, "kdf3", 0, "none or an10922"},
        {"AES", 16, "none", 4, "an10922 diversification only"},
        {"AES", 16, "", 4, "an10922 diversification only"},
    };
    for (const auto& r : table) {
        BOOST_TEST_CONTEXT(r.type << " '" << r.method << "' sid " << r.sid_bytes) {
            core::card_keys_input in;
            desfire_set(in, r.type, r.n);
            in.desfire->diversification = r.method;
            in.desfire->system_identifier = std::string(r.sid_bytes * 2, 'A');
            if (r.refused == nullptr) {
                auto rec = check_accepted(true, in);
                BOOST_TEST(rec.desfire_diversification
                           == (std::string(r.method).empty() ? "none" : r.method));
                BOOST_TEST(rec.desfire_system_identifier.size() == r.sid_bytes);
            } else {
                check_refused(true, in, r.refused);
            }
        }
    }
    core::card_keys_input odd;
    desfire_set(odd, "AES", 16);
    odd.desfire->diversification = "an10922";
    odd.desfire->system_identifier = "4E5";
    check_refused(true, odd, "systemIdentifier must be hex");
    for (const char* field : {"diversification", "systemIdentifier"}) {
        core::card_keys_input card;
        desfire_set(card, "AES", 16);
        (std::string(field) == "diversification" ? card.desfire->diversification
                                                 : card.desfire->system_identifier) = "none";
        check_refused(false, card, "IIN master key sets only");
    }
}

BOOST_AUTO_TEST_CASE(both_parts_are_checked_and_sealed_apart) {
    core::card_keys_input in;
    gp_set(in);
    desfire_set(in, "AES", 16);
    auto rec = check_accepted(false, in);
    BOOST_TEST(!rec.sealed_keys.empty());
    BOOST_TEST(!rec.desfire_sealed_key.empty());
    BOOST_TEST(!vault().open(rec.desfire_sealed_key, core::card_keys_context(rec)));
    BOOST_TEST(vault().open(rec.desfire_sealed_key, core::desfire_key_context(rec)).has_value());
    // A broken GP part is refused even with a good DESFire part, and the other way round.
    core::card_keys_input bad_gp;
    bad_gp.scp = "03";
    desfire_set(bad_gp, "AES", 16);
    check_refused(false, bad_gp, "isd");
    core::card_keys_input bad_df;
    gp_set(bad_df);
    desfire_set(bad_df, "AES", 8);
    check_refused(false, bad_df, "desfire.key");
}

BOOST_AUTO_TEST_SUITE_END()
