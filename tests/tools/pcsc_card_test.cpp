// --card pcsc without hardware: T=0 response handling (61xx / 6Cxx) over a scripted transmit,
// reading the card identity, option parsing, and that with no PC/SC service both the factory
// and the real tsm-touchpoint binary fail cleanly (message, exit code 3, no hang).
#include "touchpoint/pcsc_card.hpp"

#include "touchpoint/sim_card.hpp"
#include "touchpoint/touchpoint_options.hpp"

#include "tsm/core/hex.hpp"

#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <sstream>
#include <sys/wait.h>

using namespace tsm::tools::touchpoint;
using tsm::core::from_hex;
using tsm::core::to_hex;

namespace {

// pcsc-lite reads the daemon socket path from this variable: pointing it at nothing makes "no
// pcscd" deterministic even on a machine where pcscd runs.
constexpr const char* no_pcscd_socket = "/nonexistent/opentsm-test/pcscd.comm";

// Answers scripted responses (hex; "" = transport failure) and records the APDUs sent.
struct scripted_reader {
    std::deque<std::string> responses;
    std::vector<std::string> sent;
    raw_transmit fn() {
        return [this](std::string_view apdu) -> std::optional<std::string> {
            sent.push_back(to_hex(apdu));
            BOOST_REQUIRE_MESSAGE(!responses.empty(), "unexpected APDU " << to_hex(apdu));
            auto r = responses.front();
            responses.pop_front();
            if (r.empty()) {
                return std::nullopt;
            }
            return *from_hex(r);
        };
    }
};

std::optional<std::string> exchange_hex(scripted_reader& reader, std::string_view apdu_hex) {
    auto r = exchange_apdu(*from_hex(apdu_hex), reader.fn());
    if (r) {
        return to_hex(*r);
    }
    return std::nullopt;
}

std::vector<std::string> base_args() {
    return {"--url", "ws://127.0.0.1:1/touchpoint/v1", "--app", "a", "--service", "s"};
}

touchpoint_parse_result parse(std::vector<std::string> extra) {
    auto a = base_args();
    a.insert(a.end(), extra.begin(), extra.end());
    return parse_touchpoint_args(a);
}

// A card that rejects GET DATA.
struct mute_card final : card {
    std::string transceive(std::string_view apdu) override {
        return apdu.size() > 1 && apdu[1] == '\xA4' ? std::string("\x90\x00", 2) : std::string("\x6A\x88", 2);
    }
};

} // namespace

BOOST_AUTO_TEST_SUITE(pcsc_card_suite)

BOOST_AUTO_TEST_CASE(plain_responses_pass_through) {
    scripted_reader r;
    r.responses = {"6F108408A000000151000000A5049F6501FF9000"};
    BOOST_TEST(*exchange_hex(r, "00A4040000") == "6F108408A000000151000000A5049F6501FF9000");
    BOOST_TEST(r.sent.size() == 1u);
    r.responses = {"6A82"};
    BOOST_TEST(*exchange_hex(r, "00A4040007A0000000031010") == "6A82");
}

BOOST_AUTO_TEST_CASE(t0_case4_gets_the_data_with_get_response) {
    scripted_reader r;
    r.responses = {"6110", "000102030405060708090A0B0C0D0E0F9000"};
    BOOST_TEST(*exchange_hex(r, "8050000008111122223333444400") == "000102030405060708090A0B0C0D0E0F9000");
    BOOST_REQUIRE(r.sent.size() == 2u);
    BOOST_TEST(r.sent[1] == "00C0000010");
}

BOOST_AUTO_TEST_CASE(chained_61xx_concatenates_and_keeps_the_last_sw) {
    scripted_reader r;
    r.responses = {"AABB6103", "CCDDEE6102", "FF016283"};
    BOOST_TEST(*exchange_hex(r, "80F21000024F0000") == "AABBCCDDEEFF016283");
    BOOST_REQUIRE(r.sent.size() == 3u);
    BOOST_TEST(r.sent[1] == "00C0000003");
    BOOST_TEST(r.sent[2] == "00C0000002");
    r.responses = {"6100", std::string(512, 'A') + "9000"}; // 61 00 = 256 bytes available
    BOOST_TEST(exchange_hex(r, "00B0000000")->size() == 516u);
    BOOST_TEST(r.sent.back() == "00C0000000");
}

BOOST_AUTO_TEST_CASE(get_response_keeps_the_channel_without_secure_messaging) {
    const std::pair<const char*, const char*> cases[] = {{"84", "00"}, {"80", "00"}, {"01", "01"},
                                                         {"86", "02"}, {"0B", "03"}, {"41", "41"},
                                                         {"63", "43"}, {"CF", "4F"}};
    for (const auto& [cla, want] : cases) {
        scripted_reader r;
        r.responses = {"6104", "010203049000"};
        BOOST_TEST(*exchange_hex(r, std::string(cla) + "CA9F7F00") == "010203049000");
        BOOST_TEST(r.sent.back() == std::string(want) + "C0000004", cla);
    }
}

BOOST_AUTO_TEST_CASE(wrong_le_6cxx_is_resent_with_the_right_le) {
    scripted_reader r;
    r.responses = {"6C2D", std::string(90, '1') + "9000"}; // case 2
    BOOST_TEST(*exchange_hex(r, "80CA9F7F00") == std::string(90, '1') + "9000");
    BOOST_TEST(r.sent == (std::vector<std::string>{"80CA9F7F00", "80CA9F7F2D"}));

    r = {};
    r.responses = {"6C05", "01020304059000"}; // case 4: Le replaced
    BOOST_TEST(*exchange_hex(r, "80E20000020A0B10") == "01020304059000");
    BOOST_TEST(r.sent.back() == "80E20000020A0B05");

    r = {};
    r.responses = {"6C01", "019000"}; // case 3: Le appended
    exchange_hex(r, "80E20000020A0B");
    BOOST_TEST(r.sent.back() == "80E20000020A0B01");

    r = {};
    r.responses = {"6C08", "01020304050607089000"}; // case 1: Le appended
    exchange_hex(r, "80CA9F7F");
    BOOST_TEST(r.sent.back() == "80CA9F7F08");

    r = {};
    r.responses = {"6C10", "6C10"}; // only one correction: no loop
    BOOST_TEST(*exchange_hex(r, "80CA9F7F00") == "6C10");
    BOOST_TEST(r.sent.size() == 2u);

    r = {};
    r.responses = {"6C10"}; // extended length: left alone
    BOOST_TEST(*exchange_hex(r, "80CA9F7F000000") == "6C10");
    BOOST_TEST(r.sent.size() == 1u);

    r = {};
    r.responses = {"6110", "6C08", "01020304050607089000"}; // GET RESPONSE itself corrected
    BOOST_TEST(*exchange_hex(r, "8050000008111122223333444400") == "01020304050607089000");
    BOOST_TEST(r.sent
               == (std::vector<std::string>{"8050000008111122223333444400", "00C0000010", "00C0000008"}));
}

BOOST_AUTO_TEST_CASE(transport_failures_and_endless_chaining_end) {
    scripted_reader r;
    r.responses = {""};
    BOOST_TEST(!exchange_hex(r, "00A4040000"));
    r = {};
    r.responses = {"6110", ""};
    BOOST_TEST(!exchange_hex(r, "00A4040000"));

    // A card that always says "more data": bounded, never a hang.
    int calls = 0;
    raw_transmit endless = [&](std::string_view) -> std::optional<std::string> {
        ++calls;
        return std::string("\xAA\x61\x01", 3);
    };
    auto res = exchange_apdu(std::string("\x00\xB0\x00\x00\x00", 5), endless);
    BOOST_REQUIRE(res);
    BOOST_TEST(calls <= 301);
    BOOST_TEST(to_hex(res->substr(res->size() - 2)) == "6101");
}

BOOST_AUTO_TEST_CASE(reads_the_identity_from_the_card) {
    sim_card c(*from_hex("8A2C10"), *from_hex("0E48800471400A"));
    std::string iin, cin, error;
    BOOST_TEST(read_card_identity(c, iin, cin, error), error);
    BOOST_TEST(iin == "8A2C10");
    BOOST_TEST(cin == "0E48800471400A");

    mute_card m;
    BOOST_TEST(!read_card_identity(m, iin, cin, error));
    BOOST_TEST(error.find("GET DATA 42") != std::string::npos, error);
    BOOST_TEST(error.find("--iin and --cin") != std::string::npos, error);
}

BOOST_AUTO_TEST_CASE(parses_card_pcsc_and_reader) {
    auto r = parse({"--card", "pcsc", "--reader", "Gemalto PC Twin"});
    auto help = std::string(touchpoint_usage());
    BOOST_TEST(help.find("--reader NAME") != std::string::npos);
    BOOST_TEST(help.find("\"pcsc\"") != std::string::npos);
    if (pcsc_available()) {
        BOOST_REQUIRE_MESSAGE(r.options, r.error);
        BOOST_TEST(r.options->card_kind == "pcsc");
        BOOST_TEST(r.options->reader == "Gemalto PC Twin");
        BOOST_TEST(!r.options->iin_given);
        BOOST_TEST(!r.options->cin_given);
        BOOST_TEST(parse({"--card", "pcsc"}).options->reader.empty());
        auto g = parse({"--card", "pcsc", "--cin", "0102", "--iin", "03"});
        BOOST_TEST(g.options->iin_given);
        BOOST_TEST(g.options->cin_given);
        BOOST_TEST(help.find("this build has no pcsc-lite") == std::string::npos);
        BOOST_TEST(parse({"--card", "nfc"}).error.find("virtual, sim, pcsc") != std::string::npos);
    } else {
        BOOST_TEST(!r.options);
        BOOST_TEST(r.error.find("no pcsc-lite") != std::string::npos, r.error);
        BOOST_TEST(help.find("this build has no pcsc-lite") != std::string::npos);
    }
    auto bad = parse({"--reader", "X"});
    BOOST_TEST(!bad.options);
    BOOST_TEST(bad.error.find("--reader is for --card pcsc") != std::string::npos, bad.error);
    BOOST_TEST(!parse({"--card", "sim", "--reader", "X"}).options);
    BOOST_TEST(!parse({"--card", "pcsc", "--reader", ""}).options);
    BOOST_TEST(!parse({"--card", "pcsc", "--reader"}).options);
}

BOOST_AUTO_TEST_CASE(open_without_pcscd_fails_cleanly) {
#ifdef TSM_HAVE_PCSC
    ::setenv("PCSCLITE_CSOCK_NAME", no_pcscd_socket, 1);
#endif
    std::ostringstream diag;
    for (const char* reader : {"", "Some Reader"}) {
        std::string error;
        auto c = pcsc_card::open(reader, diag, error);
        BOOST_TEST(!c);
#ifdef TSM_HAVE_PCSC
        BOOST_TEST(error.find("PC/SC SCardEstablishContext failed") != std::string::npos, error);
        BOOST_TEST(error.find("is pcscd running?") != std::string::npos, error);
#else
        BOOST_TEST(error.find("no pcsc-lite") != std::string::npos, error);
#endif
    }
}

#ifdef TSM_TOUCHPOINT_BIN
BOOST_AUTO_TEST_CASE(binary_with_card_pcsc_and_no_pcscd_exits_3) {
    // `timeout` makes a hang a test failure (exit 124) instead of a stuck test run.
    for (const std::string extra : {"", " --reader 'Some Reader'"}) {
        std::string cmd = std::string("PCSCLITE_CSOCK_NAME=") + no_pcscd_socket
                          + " timeout 30 '" TSM_TOUCHPOINT_BIN
                            "' --url ws://127.0.0.1:1/touchpoint/v1 --app a --service s --card pcsc"
                          + extra + " 2>&1";
        FILE* p = ::popen(cmd.c_str(), "r");
        BOOST_REQUIRE(p != nullptr);
        std::string output;
        std::array<char, 512> buf{};
        while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p)) {
            output.append(buf.data(), n);
        }
        int status = ::pclose(p);
        BOOST_REQUIRE(WIFEXITED(status));
        const int code = WEXITSTATUS(status);
        if (pcsc_available()) {
            BOOST_TEST(code == 3, output);
            BOOST_TEST(output.find("tsm-touchpoint: PC/SC SCardEstablishContext failed") != std::string::npos,
                       output);
            BOOST_TEST(output.find("is pcscd running?") != std::string::npos, output);
        } else {
            BOOST_TEST(code == 2, output);
            BOOST_TEST(output.find("no pcsc-lite") != std::string::npos, output);
        }
    }
}
#endif

BOOST_AUTO_TEST_SUITE_END()
