// tsmctl cards|iins put|get|delete: parsing, the admin request built, exit codes, --keys-file,
// and that tsmctl never prints key material. Real sockets on 127.0.0.1 port 0 (fake admin API).
#include "tsmctl/admin_client.hpp"

#include "example_sp/http_listener.hpp"
#include "tsmctl/tsmctl_command.hpp"

#include "refused_port.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include <unistd.h>

using namespace tsm::tools;
using namespace tsm::tools::tsmctl;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

// Distinct key values so that a leak of any one of them is visible.
const std::string enc_key = "A0A1A2A3A4A5A6A7A8A9AAABACADAEAF";
const std::string mac_key = "B0B1B2B3B4B5B6B7B8B9BABBBCBDBEBF";
const std::string dek_key = "C0C1C2C3C4C5C6C7C8C9CACBCCCDCECF";
const std::string isd = "A000000151000000";
const std::string cin = "0E48800471400A";
const std::string df_key = "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF"; // AES / 2K3DES
const std::string df_key24 = df_key + "E0E1E2E3E4E5E6E7";      // 3K3DES

struct fake_admin {
    http_listener listener;
    std::mutex mutex;
    http_request_in last;
    int requests = 0;
    http_reply reply{
        200,
        R"({"cin":"0E48800471400A","iin":"8A2C10","isd":"A000000151000000","scp":"03","kvn":48,"keyLength":16})"};

    fake_admin() {
        std::string error;
        bool ok = listener.start(
            "127.0.0.1", 0,
            [this](const http_request_in& r) {
                std::lock_guard lock(mutex);
                last = r;
                ++requests;
                return reply;
            },
            error);
        BOOST_REQUIRE_MESSAGE(ok, error);
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(listener.port()); }
};

// A file in a fresh temporary directory, removed with the object.
struct temp_file {
    fs::path dir;
    fs::path path;
    explicit temp_file(const std::string& content) {
        static std::atomic<int> counter{0};
        dir = fs::temp_directory_path()
              / ("tsmctl_keys_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
        fs::create_directories(dir);
        path = dir / "keys.json";
        std::ofstream(path) << content;
    }
    ~temp_file() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    std::string str() const { return path.string(); }
};

std::string keys_json() {
    return R"({"enc":")" + enc_key + R"(","mac":")" + mac_key + R"(","dek":")" + dek_key + R"("})";
}

struct run_result {
    int code;
    std::string out;
    std::string err;
};

run_result run(const std::vector<std::string>& args, const std::string& env_url = "",
               const std::string& env_token = "") {
    std::ostringstream out, err;
    int code = tsmctl_main(args, env_url, env_token, out, err);
    return {code, out.str(), err.str()};
}

bool contains_ci(std::string hay, std::string needle) {
    for (auto* s : {&hay, &needle}) {
        for (char& c : *s) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
    }
    return hay.find(needle) != std::string::npos;
}

// No key (in any letter case) appears in what tsmctl printed.
void check_no_keys(const run_result& r) {
    for (const auto& k : {enc_key, mac_key, dek_key, df_key}) {
        BOOST_TEST(!contains_ci(r.out, k), "stdout leaks a key: " << r.out);
        BOOST_TEST(!contains_ci(r.err, k), "stderr leaks a key: " << r.err);
    }
}

std::vector<std::string> cards_put_args(const std::string& url) {
    return {"--admin", url,     "cards", "put",   cin,     "--iin", "8A2C10", "--isd", isd,    "--scp",
            "03",      "--kvn", "48",    "--enc", enc_key, "--mac", mac_key,  "--dek", dek_key};
}

tsmctl_command parse_ok(const std::vector<std::string>& args) {
    auto r = parse_tsmctl_args(args, "", "");
    BOOST_REQUIRE_MESSAGE(r.command, r.error);
    return *r.command;
}

std::string parse_error(const std::vector<std::string>& args) {
    auto r = parse_tsmctl_args(args, "", "");
    BOOST_TEST(
        !r.command, "accepted: " << [&] {
            std::string s;
            for (const auto& a : args) {
                s += a + " ";
            }
            return s;
        }());
    BOOST_TEST(!r.help);
    return r.error;
}

// A complete, valid put with `extra` in place of the key flags.
std::vector<std::string> put_with(const std::string& resource, std::vector<std::string> extra) {
    std::vector<std::string> a{resource, "put", resource == "cards" ? cin : "8A2C10", "--isd", isd,
                               "--kvn",  "0x30"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
}

std::vector<std::string> key_flags() {
    return {"--enc", enc_key, "--mac", mac_key, "--dek", dek_key};
}

} // namespace

BOOST_AUTO_TEST_SUITE(tsmctl_keys_suite)

BOOST_AUTO_TEST_CASE(cards_put_sends_method_path_token_and_body) {
    fake_admin admin;
    auto r = run(cards_put_args(admin.url()), "", "adm1n-t0ken");
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(admin.last.method == "PUT");
    BOOST_TEST(admin.last.target == "/admin/v1/cards/" + cin);
    BOOST_TEST(admin.last.header("Authorization") == "Bearer adm1n-t0ken");
    BOOST_TEST(admin.last.header("Content-Type") == "application/json");
    auto body = json::parse(admin.last.body).as_object();
    BOOST_TEST(body.at("iin").as_string() == "8A2C10");
    BOOST_TEST(body.at("isd").as_string() == isd);
    BOOST_TEST(body.at("scp").as_string() == "03");
    BOOST_REQUIRE(body.at("kvn").is_int64());
    BOOST_TEST(body.at("kvn").as_int64() == 48);
    BOOST_TEST(body.at("enc").as_string() == enc_key);
    BOOST_TEST(body.at("mac").as_string() == mac_key);
    BOOST_TEST(body.at("dek").as_string() == dek_key);
    BOOST_TEST(!body.contains("diversification"));
    BOOST_TEST(r.out.find("\"keyLength\": 16") != std::string::npos, r.out);
    BOOST_TEST(r.err.empty());
    check_no_keys(r);
}

BOOST_AUTO_TEST_CASE(cards_put_without_iin_omits_it) {
    fake_admin admin;
    auto r = run({"--admin", admin.url(), "cards", "put", cin, "--isd", isd, "--kvn", "1", "--enc", enc_key,
                  "--mac", mac_key, "--dek", dek_key});
    BOOST_TEST(r.code == 0, r.err);
    auto body = json::parse(admin.last.body).as_object();
    BOOST_TEST(!body.contains("iin"));
    BOOST_TEST(body.at("scp").as_string() == "03"); // the default
    BOOST_TEST(body.at("kvn").as_int64() == 1);
}

BOOST_AUTO_TEST_CASE(iins_put_reads_keys_file_and_sends_diversification) {
    fake_admin admin;
    admin.reply = {
        200,
        R"({"iin":"8A2C10","isd":"A000000151000000","scp":"02","kvn":32,"keyLength":16,"diversification":"visa2"})"};
    temp_file keys(keys_json());
    auto r = run({"iins", "put", "8a2c10", "--isd", isd, "--scp", "02", "--kvn", "0x20", "--diversification",
                  "visa2", "--keys-file", keys.str()},
                 admin.url(), "tok-123456");
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(admin.last.method == "PUT");
    BOOST_TEST(admin.last.target == "/admin/v1/iins/8a2c10");
    BOOST_TEST(admin.last.header("Authorization") == "Bearer tok-123456");
    auto body = json::parse(admin.last.body).as_object();
    BOOST_TEST(!body.contains("iin")); // the IIN is the path
    BOOST_TEST(body.at("isd").as_string() == isd);
    BOOST_TEST(body.at("scp").as_string() == "02");
    BOOST_TEST(body.at("kvn").as_int64() == 32);
    BOOST_TEST(body.at("diversification").as_string() == "visa2");
    BOOST_TEST(body.at("enc").as_string() == enc_key);
    BOOST_TEST(body.at("mac").as_string() == mac_key);
    BOOST_TEST(body.at("dek").as_string() == dek_key);
    BOOST_TEST(r.out.find("\"diversification\": \"visa2\"") != std::string::npos, r.out);
    check_no_keys(r);
}

BOOST_AUTO_TEST_CASE(iins_put_without_diversification_leaves_the_server_default) {
    auto cmd = parse_ok(put_with("iins", key_flags()));
    BOOST_TEST(cmd.diversification.empty());
    auto req = build_admin_request(cmd);
    BOOST_TEST(!json::parse(req.body).as_object().contains("diversification"));
    for (const char* d : {"none", "kdf3", "emv", "visa2"}) {
        auto a = put_with("iins", key_flags());
        a.insert(a.end(), {"--diversification", d});
        BOOST_TEST(parse_ok(a).diversification == d);
    }
}

BOOST_AUTO_TEST_CASE(get_and_delete_use_the_right_requests) {
    fake_admin admin;
    auto r = run({"cards", "get", cin}, admin.url(), "tok-abcdefgh");
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(admin.last.method == "GET");
    BOOST_TEST(admin.last.target == "/admin/v1/cards/" + cin);
    BOOST_TEST(admin.last.body.empty());
    BOOST_TEST(admin.last.header("Authorization") == "Bearer tok-abcdefgh");
    BOOST_TEST(r.out.find("\"cin\": \"0E48800471400A\"") != std::string::npos, r.out);

    admin.reply = {200, R"({"deleted":"8A2C10"})"};
    r = run({"iins", "delete", "8A2C10"}, admin.url());
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(admin.last.method == "DELETE");
    BOOST_TEST(admin.last.target == "/admin/v1/iins/8A2C10");
    BOOST_TEST(admin.last.body.empty());
    BOOST_TEST(admin.last.header("Authorization").empty());
    BOOST_TEST(r.out.find("\"deleted\": \"8A2C10\"") != std::string::npos, r.out);

    admin.reply = {204, ""};
    r = run({"cards", "delete", cin}, admin.url());
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(r.out == "deleted " + cin + "\n");

    r = run({"iins", "get", "8A2C10"}, admin.url());
    BOOST_TEST(r.code == 0);
    BOOST_TEST(admin.last.method == "GET");
    BOOST_TEST(admin.last.target == "/admin/v1/iins/8A2C10");
}

BOOST_AUTO_TEST_CASE(http_error_exits_1_with_the_message_and_no_keys) {
    fake_admin admin;
    admin.reply = {
        400, R"({"error":{"code":"bad-request","message":"SCP03 keys are AES-128, AES-192 or AES-256"}})"};
    auto r = run(cards_put_args(admin.url()));
    BOOST_TEST(r.code == 1);
    BOOST_TEST(r.err.find("HTTP 400: bad-request: SCP03 keys are AES-128") != std::string::npos, r.err);
    BOOST_TEST(r.out.empty());
    check_no_keys(r);

    admin.reply = {404, R"({"error":{"code":"not-found","message":"no keys for this card"}})"};
    r = run({"cards", "get", cin}, admin.url());
    BOOST_TEST(r.code == 1);
    BOOST_TEST(r.err.find("HTTP 404: not-found: no keys for this card") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(keys_echoed_by_the_server_are_never_printed) {
    // Something at --admin that echoes the request (a debugging proxy, the wrong service): what
    // tsmctl prints is redacted, on success and on error, whatever the letter case.
    fake_admin admin;
    std::string lower_mac = mac_key;
    for (char& c : lower_mac) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    admin.reply = {200,
                   R"({"enc":")" + enc_key + R"(","mac":")" + lower_mac + R"(","dek":")" + dek_key + R"("})"};
    auto r = run(cards_put_args(admin.url()));
    BOOST_TEST(r.code == 0);
    BOOST_TEST(r.out.find("<redacted>") != std::string::npos, r.out);
    check_no_keys(r);

    admin.reply = {500, "echo: " + keys_json()}; // not JSON: shown raw, but redacted
    r = run(cards_put_args(admin.url()));
    BOOST_TEST(r.code == 1);
    BOOST_TEST(r.err.find("HTTP 500") != std::string::npos, r.err);
    check_no_keys(r);

    admin.reply = {400, R"({"error":{"code":"bad-request","message":"bad key )" + dek_key + R"("}})"};
    r = run(cards_put_args(admin.url()));
    BOOST_TEST(r.code == 1);
    check_no_keys(r);
}

BOOST_AUTO_TEST_CASE(connection_failure_exits_1_without_keys) {
    const tsm::test::refused_port nobody; // bound, never listening: the connection is refused
    temp_file keys(keys_json());
    auto r = run({"--admin", nobody.url(), "iins", "put", "8A2C10", "--isd", isd, "--kvn", "0x30",
                  "--keys-file", keys.str()});
    BOOST_TEST(r.code == 1);
    BOOST_TEST(!r.err.empty());
    BOOST_TEST(r.out.empty());
    check_no_keys(r);
}

BOOST_AUTO_TEST_CASE(usage_errors_exit_2_without_contacting_the_server_or_printing_keys) {
    fake_admin admin;
    temp_file keys(keys_json());
    const std::vector<std::vector<std::string>> bad = {
        {"cards", "put", cin, "--kvn", "1", "--enc", enc_key, "--mac", mac_key, "--dek", dek_key}, // no --isd
        {"cards", "put", cin, "--isd", isd, "--enc", enc_key, "--mac", mac_key, "--dek", dek_key}, // no --kvn
        {"cards", "put", cin, "--isd", isd, "--kvn", "1", "--enc", enc_key, "--mac", mac_key},     // no --dek
        {"cards", "put", cin, "--isd", isd, "--kvn", "1", "--enc", enc_key + "0", "--mac", mac_key, "--dek",
         dek_key},
        {"cards", "put", cin, "--isd", "A0000001", "--kvn", "1", "--keys-file", keys.str()}, // 4-byte ISD
        {"cards", "put", cin, "--isd", isd, "--kvn", "1", "--keys-file", keys.str(), "--enc", enc_key},
        {"cards", "put", cin, "--isd", isd, "--kvn", "1", "--keys-file", keys.str(), "--diversification",
         "emv"},
        {"iins", "put", "8A2C10", "--isd", isd, "--kvn", "1", "--keys-file", keys.str(), "--iin", "8A2C10"},
        {"iins", "put", "8A2C1", "--isd", isd, "--kvn", "1", "--keys-file", keys.str()},
        {"cards", "get", cin, "--keys-file", keys.str()},
        {"cards", "put", cin, "--isd", isd, "--kvn", "1", "--keys-file", keys.str(), "--bogus", enc_key},
    };
    for (const auto& args : bad) {
        auto a = args;
        a.insert(a.begin(), {"--admin", admin.url()});
        auto r = run(a);
        BOOST_TEST(r.code == 2, "exit " << r.code << " for " << a[2] << " " << a[3] << " " << a[4]);
        BOOST_TEST(r.out.empty());
        BOOST_TEST(r.err.starts_with("tsmctl: "), r.err);
        BOOST_TEST(r.err.find("(try tsmctl --help)") != std::string::npos, r.err);
        check_no_keys(r);
    }
    BOOST_TEST(admin.requests == 0);
}

BOOST_AUTO_TEST_CASE(rejects_missing_and_malformed_put_fields) {
    auto missing = [](std::vector<std::string> a) { return parse_error(std::move(a)); };
    BOOST_TEST(
        missing({"cards", "put", cin, "--kvn", "1", "--enc", enc_key, "--mac", mac_key, "--dek", dek_key})
            .find("--isd")
        != std::string::npos);
    BOOST_TEST(
        missing({"iins", "put", "8A2C10", "--isd", isd, "--enc", enc_key, "--mac", mac_key, "--dek", dek_key})
            .find("--kvn")
        != std::string::npos);
    auto no_keys = missing({"cards", "put", cin, "--isd", isd, "--kvn", "1"});
    BOOST_TEST(no_keys.find("--keys-file") != std::string::npos, no_keys);
    BOOST_TEST(missing({"cards", "put", cin, "--isd", isd, "--kvn", "1", "--enc", enc_key, "--dek", dek_key})
                   .find("MAC")
               != std::string::npos);

    // bad hex: CIN/IIN, --iin, --isd, keys
    parse_error({"cards", "put", "0E4880047140ZZ", "--isd", isd, "--kvn", "1", "--enc", enc_key, "--mac",
                 mac_key, "--dek", dek_key});
    parse_error({"cards", "get", "0E488"});
    parse_error({"iins", "delete", "not-hex"});
    parse_error({"cards", "get", std::string(66, 'A')}); // longer than 32 bytes
    auto with = [](std::string resource, std::vector<std::string> extra) {
        return put_with(resource, std::move(extra));
    };
    auto a = with("cards", key_flags());
    a.insert(a.end(), {"--iin", "8A2C1G"});
    BOOST_TEST(parse_error(a).find("--iin") != std::string::npos);
    parse_error({"cards", "put", cin, "--isd", "A00000015100000G", "--kvn", "1", "--enc", enc_key, "--mac",
                 mac_key, "--dek", dek_key});
    parse_error({"cards", "put", cin, "--isd", std::string(34, 'A'), "--kvn", "1", "--enc", enc_key, "--mac",
                 mac_key, "--dek", dek_key});
    auto bad_hex = parse_error(
        with("cards", {"--enc", "G0A1A2A3A4A5A6A7A8A9AAABACADAEAF", "--mac", mac_key, "--dek", dek_key}));
    BOOST_TEST(bad_hex.find("hex") != std::string::npos, bad_hex);
    BOOST_TEST(bad_hex.find("G0A1") == std::string::npos, bad_hex); // the value is not echoed
    parse_error(with("cards", {"--enc", enc_key, "--mac", mac_key, "--dek", dek_key.substr(1)}));

    // key lengths must suit the protocol and agree
    parse_error(with("cards", {"--enc", enc_key + "00", "--mac", mac_key, "--dek", dek_key}));
    auto l = with("iins", {"--scp", "02", "--enc", enc_key + enc_key, "--mac", mac_key + mac_key, "--dek",
                           dek_key + dek_key});
    BOOST_TEST(parse_error(l).find("SCP02") != std::string::npos);
    parse_ok(with("iins", {"--enc", enc_key + enc_key, "--mac", mac_key + mac_key, "--dek",
                           dek_key + dek_key})); // AES-256

    // --scp, --kvn
    parse_error(with("cards", {"--scp", "01", "--enc", enc_key, "--mac", mac_key, "--dek", dek_key}));
    for (const char* kvn : {"256", "-1", "12abc", "0x", "0x100", "", "ff"}) {
        auto k = std::vector<std::string>{"cards", "put", cin, "--isd", isd, "--kvn", kvn};
        auto f = key_flags();
        k.insert(k.end(), f.begin(), f.end());
        BOOST_TEST(parse_error(k).find("--kvn") != std::string::npos, kvn);
    }
    auto kvn_of = [&](const char* v) {
        auto k = std::vector<std::string>{"cards", "put", cin, "--isd", isd, "--kvn", v};
        auto f = key_flags();
        k.insert(k.end(), f.begin(), f.end());
        return parse_ok(k).kvn;
    };
    BOOST_TEST(kvn_of("010") == 10); // decimal, not octal
    BOOST_TEST(kvn_of("0x30") == 48);
    BOOST_TEST(kvn_of("0XFF") == 255);
    BOOST_TEST(kvn_of("0") == 0);
}

BOOST_AUTO_TEST_CASE(diversification_is_for_iins_only) {
    auto a = put_with("cards", key_flags());
    a.insert(a.end(), {"--diversification", "kdf3"});
    BOOST_TEST(parse_error(a).find("--diversification is for iins put") != std::string::npos);
    auto b = put_with("iins", key_flags());
    b.insert(b.end(), {"--diversification", "sha1"});
    BOOST_TEST(parse_error(b).find("none, kdf3, emv or visa2") != std::string::npos);
    BOOST_TEST(parse_error({"iins", "get", "8A2C10", "--diversification", "emv"}).find("iins put")
               != std::string::npos);
    auto c = put_with("iins", key_flags());
    c.insert(c.end(), {"--iin", "8A2C10"});
    BOOST_TEST(parse_error(c).find("--iin is for cards put") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(keys_file_is_read_and_checked) {
    temp_file good(keys_json());
    auto cmd = parse_ok(put_with("cards", {"--keys-file", good.str()}));
    BOOST_TEST(cmd.enc == enc_key);
    BOOST_TEST(cmd.mac == mac_key);
    BOOST_TEST(cmd.dek == dek_key);

    auto missing_file = parse_error(put_with("cards", {"--keys-file", (good.dir / "absent.json").string()}));
    BOOST_TEST(missing_file.find("cannot read --keys-file") != std::string::npos, missing_file);
    BOOST_TEST(missing_file.find("absent.json") != std::string::npos, missing_file);

    temp_file no_dek(R"({"enc":")" + enc_key + R"(","mac":")" + mac_key + R"("})");
    auto e = parse_error(put_with("cards", {"--keys-file", no_dek.str()}));
    BOOST_TEST(e.find("lacks \"dek\"") != std::string::npos, e);
    BOOST_TEST(e.find(enc_key) == std::string::npos);

    temp_file not_string(R"({"enc":")" + enc_key + R"(","mac":")" + mac_key + R"(","dek":1234})");
    BOOST_TEST(parse_error(put_with("cards", {"--keys-file", not_string.str()})).find("\"dek\"")
               != std::string::npos);

    temp_file not_json("enc=" + enc_key);
    e = parse_error(put_with("iins", {"--keys-file", not_json.str()}));
    BOOST_TEST(e.find("JSON object") != std::string::npos, e);
    BOOST_TEST(e.find(enc_key) == std::string::npos, e);

    temp_file array("[\"" + enc_key + "\"]");
    parse_error(put_with("iins", {"--keys-file", array.str()}));

    temp_file bad_hex(R"({"enc":"xyz","mac":")" + mac_key + R"(","dek":")" + dek_key + R"("})");
    BOOST_TEST(parse_error(put_with("cards", {"--keys-file", bad_hex.str()})).find("hex")
               != std::string::npos);

    // Preferred, so it is never silently mixed with command-line keys.
    auto both = parse_error(put_with("cards", {"--keys-file", good.str(), "--mac", mac_key}));
    BOOST_TEST(both.find("not both") != std::string::npos, both);
}

BOOST_AUTO_TEST_CASE(rejects_bad_subcommands_and_misplaced_options) {
    parse_error({"cards"});
    BOOST_TEST(parse_error({"cards", "frob", cin}).find("unknown subcommand cards frob")
               != std::string::npos);
    BOOST_TEST(parse_error({"iins", "get"}).find("exactly one IIN") != std::string::npos);
    parse_error({"cards", "get", cin, "extra"});
    parse_error({"cards", "delete", cin, "--isd", isd});
    parse_error({"apps", "list", "--isd", isd});
    auto a = put_with("cards", key_flags());
    a.insert(a.end(), {"--key", "00112233"});
    BOOST_TEST(parse_error(a).find("apps put") != std::string::npos);
    auto b = put_with("cards", key_flags());
    b.insert(b.end(), {"--delivery-method", "POST"});
    parse_error(b);
    parse_error({"apps", "get", "x", "--delivery-method", "POST"});
    parse_error({"cards", "put", cin, "--isd"}); // option without a value
}

BOOST_AUTO_TEST_CASE(desfire_only_put_sends_just_the_desfire_object) {
    fake_admin admin;
    admin.reply = {
        200,
        R"({"cin":"0E48800471400A","iin":"8A2C10","desfire":{"keyType":"AES","version":16,"hasKey":true}})"};
    temp_file key(df_key + "\n");
    auto r = run({"--admin", admin.url(), "cards", "put", cin, "--iin", "8A2C10", "--desfire-key-type", "AES",
                  "--desfire-key-file", key.str(), "--desfire-version", "0x10"});
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(admin.last.method == "PUT");
    BOOST_TEST(admin.last.target == "/admin/v1/cards/" + cin);
    auto body = json::parse(admin.last.body).as_object();
    BOOST_TEST(body.size() == 2u, admin.last.body); // iin and desfire: no GlobalPlatform fields
    BOOST_TEST(body.at("iin").as_string() == "8A2C10");
    auto& d = body.at("desfire").as_object();
    BOOST_TEST(d.at("keyType").as_string() == "AES");
    BOOST_TEST(d.at("key").as_string() == df_key);
    BOOST_TEST(d.at("version").as_int64() == 16);
    BOOST_TEST(!d.contains("diversification"));
    BOOST_TEST(r.out.find("\"keyType\": \"AES\"") != std::string::npos, r.out);
    check_no_keys(r);
}

BOOST_AUTO_TEST_CASE(put_with_both_parts_and_iins_with_an10922) {
    temp_file keys(keys_json());
    temp_file key(R"({"key":")" + df_key24 + R"("})"); // the JSON form
    auto a = put_with("cards", {"--keys-file", keys.str(), "--desfire-key-type", "3K3DES",
                                "--desfire-key-file", key.str()});
    auto cmd = parse_ok(a);
    BOOST_TEST(cmd.gp_part);
    BOOST_TEST(cmd.desfire_key == df_key24);
    BOOST_TEST(cmd.desfire_version == -1);
    auto body = json::parse(build_admin_request(cmd).body).as_object();
    BOOST_TEST(body.at("enc").as_string() == enc_key);
    BOOST_TEST(body.at("kvn").as_int64() == 48);
    BOOST_TEST(body.at("desfire").as_object().at("keyType").as_string() == "3K3DES");
    BOOST_TEST(body.at("desfire").as_object().at("key").as_string() == df_key24);
    BOOST_TEST(!body.at("desfire").as_object().contains("version")); // the server default

    fake_admin admin;
    admin.reply = {
        200,
        R"({"iin":"8A2C10","desfire":{"keyType":"AES","version":0,"diversification":"an10922","systemIdentifier":"4E585020416275","hasKey":true}})"};
    temp_file aes(df_key);
    auto r = run({"iins", "put", "8A2C10", "--desfire-key-type", "AES", "--desfire-key-file", aes.str(),
                  "--desfire-diversification", "an10922", "--desfire-system-id", "4E585020416275"},
                 admin.url());
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(admin.last.target == "/admin/v1/iins/8A2C10");
    auto b = json::parse(admin.last.body).as_object();
    BOOST_TEST(b.size() == 1u, admin.last.body);
    auto& d = b.at("desfire").as_object();
    BOOST_TEST(d.at("diversification").as_string() == "an10922");
    BOOST_TEST(d.at("systemIdentifier").as_string() == "4E585020416275");
    BOOST_TEST(r.out.find("\"systemIdentifier\": \"4E585020416275\"") != std::string::npos, r.out);
    check_no_keys(r);
}

BOOST_AUTO_TEST_CASE(get_shows_the_desfire_part) {
    fake_admin admin;
    admin.reply = {
        200,
        R"({"cin":"0E48800471400A","iin":"8A2C10","isd":"A000000151000000","scp":"03","kvn":48,"keyLength":16,"securityLevel":"03","desfire":{"keyType":"2K3DES","version":3,"hasKey":true}})"};
    auto r = run({"cards", "get", cin}, admin.url());
    BOOST_TEST(r.code == 0, r.err);
    for (const char* s :
         {"\"desfire\": {", "\"keyType\": \"2K3DES\"", "\"version\": 3", "\"hasKey\": true"}) {
        BOOST_TEST(r.out.find(s) != std::string::npos, s << " in " << r.out);
    }
}

BOOST_AUTO_TEST_CASE(desfire_key_echoed_by_the_server_is_never_printed) {
    fake_admin admin;
    std::string lower = df_key;
    for (char& c : lower) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    admin.reply = {400, R"({"error":{"code":"bad-request","message":"bad key )" + lower + R"("}})"};
    temp_file key(df_key);
    auto r = run({"--admin", admin.url(), "cards", "put", cin, "--desfire-key-type", "AES",
                  "--desfire-key-file", key.str()});
    BOOST_TEST(r.code == 1);
    BOOST_TEST(r.err.find("<redacted>") != std::string::npos, r.err);
    check_no_keys(r);
}

BOOST_AUTO_TEST_CASE(rejects_bad_desfire_options) {
    fake_admin admin;
    temp_file aes(df_key);
    temp_file des(df_key.substr(0, 16));
    temp_file not_hex("not a key " + df_key);
    temp_file bad_json(R"({"kee":")" + df_key + R"("})");
    const std::string sid22(44, 'A');
    struct bad_case {
        std::vector<std::string> args;
        std::string says;
    };
    const std::vector<bad_case> bad = {
        {{"cards", "put", cin}, "GlobalPlatform keys"},
        {{"cards", "put", cin, "--iin", "8A2C10"}, "DESFire key"},
        {{"cards", "put", cin, "--desfire-key-file", aes.str()}, "--desfire-key-type"},
        {{"cards", "put", cin, "--desfire-key-type", "AES"}, "--desfire-key-file"},
        {{"cards", "put", cin, "--desfire-key-type", "AES128", "--desfire-key-file", aes.str()},
         "AES, 3K3DES, 2K3DES or DES"},
        {{"cards", "put", cin, "--desfire-key-type", "3K3DES", "--desfire-key-file", aes.str()}, "24 bytes"},
        {{"cards", "put", cin, "--desfire-key-type", "DES", "--desfire-key-file", aes.str()}, "8 bytes"},
        {{"cards", "put", cin, "--desfire-key-type", "AES", "--desfire-key-file", des.str()}, "16 bytes"},
        {{"cards", "put", cin, "--desfire-key-type", "AES", "--desfire-key-file", not_hex.str()}, "hex"},
        {{"cards", "put", cin, "--desfire-key-type", "AES", "--desfire-key-file", bad_json.str()},
         "{\"key\""},
        {{"cards", "put", cin, "--desfire-key-type", "AES", "--desfire-key-file", aes.str() + ".absent"},
         "cannot read --desfire-key-file"},
        {{"cards", "put", cin, "--desfire-key-type", "AES", "--desfire-key-file", aes.str(),
          "--desfire-version", "256"},
         "--desfire-version"},
        {{"cards", "put", cin, "--desfire-key-type", "AES", "--desfire-key-file", aes.str(),
          "--desfire-diversification", "an10922"},
         "iins put"},
        {{"cards", "put", cin, "--desfire-key-type", "AES", "--desfire-key-file", aes.str(),
          "--desfire-system-id", "4E58"},
         "iins put"},
        {{"iins", "put", "8A2C10", "--desfire-key-type", "AES", "--desfire-key-file", aes.str(),
          "--desfire-diversification", "kdf3"},
         "none or an10922"},
        {{"iins", "put", "8A2C10", "--desfire-key-type", "DES", "--desfire-key-file", des.str(),
          "--desfire-diversification", "an10922"},
         "AES, 2K3DES or 3K3DES"},
        {{"iins", "put", "8A2C10", "--desfire-key-type", "AES", "--desfire-key-file", aes.str(),
          "--desfire-system-id", "4E58"},
         "an10922"},
        {{"iins", "put", "8A2C10", "--desfire-key-type", "AES", "--desfire-key-file", aes.str(),
          "--desfire-diversification", "an10922", "--desfire-system-id", sid22},
         "21 bytes"},
        {{"iins", "put", "8A2C10", "--desfire-key-type", "2K3DES", "--desfire-key-file", aes.str(),
          "--desfire-diversification", "an10922", "--desfire-system-id", "4E585020416275"},
         "5 bytes for 2K3DES"},
        {{"iins", "put", "8A2C10", "--desfire-key-type", "AES", "--desfire-key-file", aes.str(),
          "--desfire-diversification", "an10922", "--desfire-system-id", "4E5"},
         "hex"},
        // a GP option makes the GP part required
        {{"cards", "put", cin, "--kvn", "1", "--desfire-key-type", "AES", "--desfire-key-file", aes.str()},
         "--isd"},
        {{"cards", "get", cin, "--desfire-key-type", "AES"}, "cards put"},
        {{"apps", "list", "--desfire-key-file", aes.str()}, "cards/iins put"},
    };
    for (const auto& c : bad) {
        auto a = c.args;
        a.insert(a.begin(), {"--admin", admin.url()});
        auto r = run(a);
        BOOST_TEST(r.code == 2, "exit " << r.code << " for " << c.says);
        BOOST_TEST(r.err.find(c.says) != std::string::npos, r.err << " lacks " << c.says);
        check_no_keys(r);
    }
    BOOST_TEST(admin.requests == 0);

    // The AN10922 limits themselves are accepted.
    auto longest =
        parse_ok({"iins", "put", "8A2C10", "--desfire-key-type", "AES", "--desfire-key-file", aes.str(),
                  "--desfire-diversification", "an10922", "--desfire-system-id", std::string(42, 'A')});
    BOOST_TEST(longest.desfire_system_id.size() == 42u);
    BOOST_TEST(!longest.gp_part);
    parse_ok({"iins", "put", "8A2C10", "--desfire-key-type", "2K3DES", "--desfire-key-file", aes.str(),
              "--desfire-diversification", "an10922", "--desfire-system-id", "4E58502041"});
}

BOOST_AUTO_TEST_CASE(help_documents_the_card_key_commands) {
    auto r = run({"--help"});
    BOOST_TEST(r.code == 0);
    BOOST_TEST(r.err.empty());
    for (const char* s : {"cards put CIN",
                          "cards get CIN",
                          "cards delete CIN",
                          "iins put IIN",
                          "iins get IIN",
                          "iins delete IIN",
                          "--iin HEX",
                          "--isd AID",
                          "--scp 03|02",
                          "--kvn N",
                          "--keys-file",
                          "--diversification none|kdf3|emv|visa2",
                          "Prefer --keys-file",
                          "2 usage error",
                          "1 request failed",
                          "--desfire-key-type AES|3K3DES|2K3DES|DES",
                          "--desfire-key-file F",
                          "--desfire-version N",
                          "--desfire-diversification none|an10922",
                          "--desfire-system-id HEX"}) {
        BOOST_TEST(r.out.find(s) != std::string::npos, s);
    }
    BOOST_TEST(run({"cards", "get", cin, "-h"}).code == 0);
}

BOOST_AUTO_TEST_SUITE_END()
