// tsm-touchpoint `--card virtual` and its DESFire EV1 emulation: the --desfire-* / --no-desfire
// options (parsing, the key file TYPE:HEX[:VERSION], errors that never show the key), and a
// virtual card built from the options driven through its APDU entry point with the host side of
// tsm::core::desfire: AES authentication with the configured PICC key, the default key refused.
#include "desfire_wrap.hpp"
#include "hex_literal.hpp"
#include "touchpoint/touchpoint_options.hpp"
#include "touchpoint/virtual_card.hpp"
#include "touchpoint_args.hpp"

#include "tsm/core/desfire/authentication.hpp"
#include "tsm/core/hex.hpp"

#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdio>
#include <fstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace tsm::tools::touchpoint;
namespace df = tsm::core::desfire;
namespace gp = tsm::core::gp;
using tsm::core::bytes;
using tsm::core::from_hex;
using tsm::core::to_hex;
using tsm::test::base_args;
using tsm::test::h;
using tsm::test::parse_ok;
using tsm::test::wrap;

namespace {

const std::string aes_key_hex = "00112233445566778899AABBCCDDEEFF";
const std::string des_zero_hex = "0000000000000000";

std::string parse_error(std::vector<std::string> extra) {
    auto r = parse_touchpoint_args(base_args(std::move(extra)));
    BOOST_CHECK(!r.options.has_value());
    BOOST_CHECK(!r.help);
    return r.error;
}

// A temporary file with the given contents, removed at scope exit.
struct temp_file {
    std::string path;
    explicit temp_file(const std::string& contents) {
        char p[] = "/tmp/touchpoint_desfireXXXXXX";
        const int fd = ::mkstemp(p);
        BOOST_REQUIRE(fd >= 0);
        ::close(fd);
        path = p;
        std::ofstream(path, std::ios::binary) << contents;
    }
    ~temp_file() { std::remove(path.c_str()); }
};

df::desfire_key make_key(df::key_type t, const std::string& hex, std::uint8_t version = 0) {
    df::desfire_key k;
    k.type = t;
    k.value = *gp::secret_key::from_hex(hex);
    k.version = version;
    return k;
}

struct reply {
    bytes data;
    int status = -1; ///< the DESFire status (after 91); -1 when the answer is not 91xx
    std::string sw;  ///< the last two bytes in hex
};

reply native(card& c, std::string_view cmd) {
    const bytes r = c.transceive(wrap(cmd));
    reply out;
    if (r.size() < 2) {
        return out;
    }
    out.sw = to_hex(r.substr(r.size() - 2));
    out.data = r.substr(0, r.size() - 2);
    if (r[r.size() - 2] == '\x91') {
        out.status = static_cast<unsigned char>(r.back());
    }
    return out;
}

std::string select_desfire(card& c) {
    const bytes r = c.transceive(h("00A4040007D276000085010000"));
    return r.size() >= 2 ? to_hex(r.substr(r.size() - 2)) : to_hex(r);
}

// SELECT the DESFire AID, then authenticate PICC key 0 with the host side of the core
// (AA for AES, 1A for the DES family). True when the card proved the key and accepted ours.
bool authenticates(card& c, const df::desfire_key& key) {
    if (select_desfire(c) != "9000") {
        return false;
    }
    df::host_authentication host(key, 0, bytes(df::challenge_length(key.type), '\x5A'));
    reply first = native(c, host.command());
    if (first.status != 0xAF) {
        return false;
    }
    auto token = host.answer(first.data);
    if (!token) {
        return false;
    }
    reply last = native(c, *token);
    if (last.status != 0x00) {
        return false;
    }
    return host.finish(last.data).has_value();
}

// GetVersion (60, then AF twice): the third frame starts with the 7-byte UID.
std::string uid_from_get_version(card& c) {
    BOOST_REQUIRE_EQUAL(select_desfire(c), "9000");
    reply r = native(c, "\x60");
    BOOST_REQUIRE_EQUAL(r.status, 0xAF);
    r = native(c, "\xAF");
    BOOST_REQUIRE_EQUAL(r.status, 0xAF);
    r = native(c, "\xAF");
    BOOST_REQUIRE_EQUAL(r.status, 0x00);
    BOOST_REQUIRE_GE(r.data.size(), 7u);
    return to_hex(r.data.substr(0, 7));
}

std::unique_ptr<virtual_card> card_from(const touchpoint_options& o) {
    std::string error;
    auto config = virtual_card_config(o, error);
    BOOST_REQUIRE_MESSAGE(config.has_value(), error);
    return std::make_unique<virtual_card>(std::move(*config));
}

std::string key_file_error(const std::string& contents) {
    temp_file f(contents);
    std::string error;
    auto k = read_desfire_key_file(f.path, error);
    BOOST_CHECK(!k.has_value());
    BOOST_CHECK(!error.empty());
    return error;
}

} // namespace

BOOST_AUTO_TEST_SUITE(touchpoint_desfire)

BOOST_AUTO_TEST_CASE(options_parse) {
    auto o = parse_ok({});
    BOOST_TEST(!o.no_desfire);
    BOOST_TEST(o.desfire_key_file.empty());
    BOOST_TEST(o.desfire_uid_hex.empty());
    BOOST_TEST(!o.desfire_key_settings.has_value());

    o = parse_ok({"--desfire-key-file", "picc.key", "--desfire-uid", "04112233445566",
                  "--desfire-key-settings", "09"});
    BOOST_TEST(o.desfire_key_file == "picc.key");
    BOOST_TEST(o.desfire_uid_hex == "04112233445566");
    BOOST_TEST(o.desfire_key_settings.value_or(-1) == 0x09);

    o = parse_ok({"--no-desfire", "--card", "virtual"});
    BOOST_TEST(o.no_desfire);

    // The usage text names every option.
    const std::string usage = touchpoint_usage();
    for (const char* opt :
         {"--desfire-key-file", "--desfire-uid", "--desfire-key-settings", "--no-desfire"}) {
        BOOST_TEST(usage.find(opt) != std::string::npos, opt);
    }
}

BOOST_AUTO_TEST_CASE(options_parse_errors) {
    BOOST_TEST(parse_error({"--desfire-uid", "0411223344"}).find("7 bytes") != std::string::npos);
    BOOST_TEST(parse_error({"--desfire-uid", "0411223344556677"}).find("7 bytes") != std::string::npos);
    BOOST_TEST(parse_error({"--desfire-uid", "04112233445G66"}).find("7 bytes") != std::string::npos);
    BOOST_TEST(parse_error({"--desfire-key-settings", "0F0F"}).find("one hex byte") != std::string::npos);
    BOOST_TEST(parse_error({"--desfire-key-settings", "x"}).find("one hex byte") != std::string::npos);
    BOOST_TEST(parse_error({"--desfire-key-file", ""}).find("--desfire-key-file") != std::string::npos);
    BOOST_TEST(parse_error({"--desfire-key-file"}).find("needs a value") != std::string::npos);
    BOOST_TEST(parse_error({"--no-desfire", "--desfire-uid", "04112233445566"}).find("--no-desfire")
               != std::string::npos);
    BOOST_TEST(parse_error({"--desfire-key-file", "k", "--no-desfire"}).find("--no-desfire")
               != std::string::npos);
    BOOST_TEST(parse_error({"--card", "sim", "--desfire-uid", "04112233445566"}).find("--card virtual")
               != std::string::npos);
    BOOST_TEST(parse_error({"--card", "sim", "--no-desfire"}).find("--card virtual") != std::string::npos);
    // The key itself is no option: only the file is.
    BOOST_TEST(parse_error({"--desfire-key", aes_key_hex}).find("unknown option") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(key_file_good) {
    struct good {
        std::string contents;
        df::key_type type;
        std::string hex;
        std::uint8_t version;
    };
    const std::vector<good> cases{
        {"AES:" + aes_key_hex, df::key_type::aes, aes_key_hex, 0},
        {"aes:" + aes_key_hex + "\n", df::key_type::aes, aes_key_hex, 0},
        {"  AES : 00112233445566778899aabbccddeeff : 7 \r\n", df::key_type::aes, aes_key_hex, 7},
        {"AES:" + aes_key_hex + ":255", df::key_type::aes, aes_key_hex, 255},
        {"DES:0102030405060708", df::key_type::des, "0102030405060708", 0},
        {"2K3DES:00112233445566778899AABBCCDDEEFF", df::key_type::tdes2, aes_key_hex, 0},
        {"3K3DES:000102030405060708090A0B0C0D0E0F1011121314151617", df::key_type::tdes3,
         "000102030405060708090A0B0C0D0E0F1011121314151617", 0},
    };
    for (const auto& g : cases) {
        temp_file f(g.contents);
        std::string error;
        auto k = read_desfire_key_file(f.path, error);
        BOOST_REQUIRE_MESSAGE(k.has_value(), g.contents << ": " << error);
        BOOST_TEST(static_cast<int>(k->type) == static_cast<int>(g.type));
        BOOST_TEST(to_hex(k->value.view()) == g.hex);
        BOOST_TEST(k->version == g.version);
    }
}

BOOST_AUTO_TEST_CASE(key_file_errors_never_show_the_key) {
    struct bad {
        std::string contents;
        std::string expect;
    };
    const std::vector<bad> cases{
        {"", "TYPE:HEX"},
        {aes_key_hex, "TYPE:HEX"},                                    // no type
        {"AES:" + aes_key_hex + "\nDES:" + des_zero_hex, "TYPE:HEX"}, // two lines
        {"XTEA:" + aes_key_hex, "unknown key type"},
        {"AES128:" + aes_key_hex, "unknown key type"},
        {aes_key_hex + ":AES", "unknown key type"}, // swapped: the key must not leak
        {"AES:00112233445566778899AABBCCDDEE", "AES keys are 16 bytes, the file holds 15"},
        {"AES:" + aes_key_hex + "00", "AES keys are 16 bytes, the file holds 17"},
        {"DES:" + aes_key_hex, "DES keys are 8 bytes, the file holds 16"},
        {"3K3DES:" + aes_key_hex, "3K3DES keys are 24 bytes"},
        {"2K3DES:0011", "2K3DES keys are 16 bytes"},
        {"AES:00112233445566778899AABBCCDDEEF", "even-length hex"},
        {"AES:00112233445566778899AABBCCDDEEGG", "even-length hex"},
        {"AES:", "even-length hex"},
        {"AES:" + aes_key_hex + ":256", "0..255"},
        {"AES:" + aes_key_hex + ":", "0..255"},
        {"AES:" + aes_key_hex + ":v1", "0..255"},
        {"DES:" + des_zero_hex + ":1", "AES keys only"},
    };
    for (const auto& b : cases) {
        const std::string error = key_file_error(b.contents);
        BOOST_TEST(error.find(b.expect) != std::string::npos, b.contents << " -> " << error);
        BOOST_TEST(error.find("--desfire-key-file") != std::string::npos, error);
        for (const std::string& secret : {aes_key_hex, std::string("00112233445566778899")}) {
            BOOST_TEST(error.find(secret) == std::string::npos, error);
        }
    }
    std::string error;
    BOOST_TEST(!read_desfire_key_file("/nonexistent/touchpoint-desfire.key", error).has_value());
    BOOST_TEST(error.find("cannot read --desfire-key-file") != std::string::npos, error);
}

BOOST_AUTO_TEST_CASE(virtual_card_config_from_options) {
    temp_file f("AES:" + aes_key_hex + ":3\n");
    auto o = parse_ok(
        {"--desfire-key-file", f.path, "--desfire-uid", "04A1B2C3D4E5F6", "--desfire-key-settings", "0B"});
    std::string error;
    auto config = virtual_card_config(o, error);
    BOOST_REQUIRE_MESSAGE(config.has_value(), error);
    BOOST_TEST(config->desfire.enabled);
    BOOST_TEST(static_cast<int>(config->desfire.picc_master_key.type) == static_cast<int>(df::key_type::aes));
    BOOST_TEST(to_hex(config->desfire.picc_master_key.value.view()) == aes_key_hex);
    BOOST_TEST(config->desfire.picc_master_key.version == 3);
    BOOST_TEST(to_hex(config->desfire.uid) == "04A1B2C3D4E5F6");
    BOOST_TEST(config->desfire.picc_key_settings == 0x0B);

    // Defaults: the emulation on, DES 00 x 8, the sandbox UID and settings 0F.
    config = virtual_card_config(parse_ok({}), error);
    BOOST_REQUIRE(config.has_value());
    BOOST_TEST(config->desfire.enabled);
    BOOST_TEST(static_cast<int>(config->desfire.picc_master_key.type) == static_cast<int>(df::key_type::des));
    BOOST_TEST(to_hex(config->desfire.picc_master_key.value.view()) == des_zero_hex);
    BOOST_TEST(to_hex(config->desfire.uid) == "045A3D72212C80");
    BOOST_TEST(config->desfire.picc_key_settings == 0x0F);

    config = virtual_card_config(parse_ok({"--no-desfire"}), error);
    BOOST_REQUIRE(config.has_value());
    BOOST_TEST(!config->desfire.enabled);

    // A bad key file makes the configuration fail (tsm-touchpoint: usage error, exit 2).
    temp_file bad("AES:0011");
    error.clear();
    BOOST_TEST(!virtual_card_config(parse_ok({"--desfire-key-file", bad.path}), error).has_value());
    BOOST_TEST(error.find("AES keys are 16 bytes") != std::string::npos, error);
}

BOOST_AUTO_TEST_CASE(virtual_card_authenticates_with_the_configured_aes_key) {
    temp_file f("AES:" + aes_key_hex + "\n");
    auto c = card_from(parse_ok({"--desfire-key-file", f.path}));
    const auto configured = make_key(df::key_type::aes, aes_key_hex);
    BOOST_TEST(authenticates(*c, configured));
    // The card's own view: PICC level, key 0 authenticated.
    auto state = c->element().desfire();
    BOOST_REQUIRE(state.has_value());
    BOOST_TEST(to_hex(state->picc_master_key.value.view()) == aes_key_hex);

    // The default key (DES 00 x 8, as real cards ship) and an AES key that is not the one
    // configured are refused; the right key still works afterwards.
    BOOST_TEST(!authenticates(*c, make_key(df::key_type::des, des_zero_hex)));
    BOOST_TEST(!authenticates(*c, make_key(df::key_type::aes, "00000000000000000000000000000000")));
    BOOST_TEST(!authenticates(*c, make_key(df::key_type::aes, "00112233445566778899AABBCCDDEEFE")));
    BOOST_TEST(authenticates(*c, configured));
}

BOOST_AUTO_TEST_CASE(virtual_card_defaults_and_uid) {
    // Without options: the DESFire key real cards ship with, and not an AES key.
    auto c = card_from(parse_ok({}));
    BOOST_TEST(authenticates(*c, make_key(df::key_type::des, des_zero_hex)));
    BOOST_TEST(!authenticates(*c, make_key(df::key_type::aes, aes_key_hex)));
    BOOST_TEST(uid_from_get_version(*c) == "045A3D72212C80");

    auto u = card_from(parse_ok({"--desfire-uid", "04a1b2c3d4e5f6"}));
    BOOST_TEST(uid_from_get_version(*u) == "04A1B2C3D4E5F6");

    // Other key types from the file: 3K3DES through ISO authentication (1A).
    const std::string k3 = "000102030405060708090A0B0C0D0E0F1011121314151617";
    temp_file f("3K3DES:" + k3);
    auto t = card_from(parse_ok({"--desfire-key-file", f.path}));
    BOOST_TEST(authenticates(*t, make_key(df::key_type::tdes3, k3)));
    BOOST_TEST(!authenticates(*t, make_key(df::key_type::des, des_zero_hex)));
}

BOOST_AUTO_TEST_CASE(no_desfire_card_does_not_answer_the_desfire_aid) {
    auto c = card_from(parse_ok({"--no-desfire"}));
    BOOST_TEST(select_desfire(*c) == "6A82");
    BOOST_TEST(!c->element().desfire().has_value());
    // The GP side is still there: SELECT of the ISD.
    const bytes r = c->transceive(h("00A4040000"));
    BOOST_TEST(to_hex(r.substr(r.size() - 2)) == "9000");
}

#ifdef TSM_TOUCHPOINT_BIN
namespace {
// Runs tsm-touchpoint with `args` (stdout and stderr together); returns the exit code.
int run_touchpoint(const std::string& args, std::string& output) {
    const std::string cmd = "timeout 30 '" TSM_TOUCHPOINT_BIN "' " + args + " 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    BOOST_REQUIRE(p != nullptr);
    std::array<char, 512> buf{};
    while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p)) {
        output.append(buf.data(), n);
    }
    const int status = ::pclose(p);
    BOOST_REQUIRE(WIFEXITED(status));
    return WEXITSTATUS(status);
}
} // namespace

BOOST_AUTO_TEST_CASE(binary_exit_codes_and_no_key_in_output) {
    const std::string base = "--url ws://127.0.0.1:1/touchpoint/v1 --app a --service s --max-reconnects 0 ";
    {
        temp_file bad("AES:" + aes_key_hex + "00");
        std::string out;
        BOOST_TEST(run_touchpoint(base + "--desfire-key-file " + bad.path, out) == exit_usage, out);
        BOOST_TEST(out.find("AES keys are 16 bytes") != std::string::npos, out);
        BOOST_TEST(out.find(aes_key_hex) == std::string::npos, out);
    }
    {
        temp_file bad("XTEA:" + aes_key_hex);
        std::string out;
        BOOST_TEST(run_touchpoint(base + "--desfire-key-file " + bad.path, out) == exit_usage, out);
        BOOST_TEST(out.find("unknown key type") != std::string::npos, out);
        BOOST_TEST(out.find(aes_key_hex) == std::string::npos, out);
    }
    {
        std::string out;
        BOOST_TEST(run_touchpoint(base + "--desfire-uid 0411", out) == exit_usage, out);
    }
    {
        // A good key file: the card is built, then nothing listens on port 1 (exit 3); the key
        // is printed nowhere.
        temp_file good("AES:" + aes_key_hex);
        std::string out;
        BOOST_TEST(run_touchpoint(base + "--desfire-key-file " + good.path, out) == exit_connection, out);
        BOOST_TEST(out.find(aes_key_hex) == std::string::npos, out);
    }
    {
        std::string out;
        BOOST_TEST(run_touchpoint("--help", out) == exit_ok);
        BOOST_TEST(out.find("--desfire-key-file FILE") != std::string::npos);
    }
}
#endif

BOOST_AUTO_TEST_SUITE_END()
