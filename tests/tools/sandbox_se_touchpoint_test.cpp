// tsm-touchpoint's `--card virtual`: option parsing, the sandbox configuration built from flags
// or a keys file, and a batch run against the virtual card.
#include "touchpoint/batch_runner.hpp"
#include "touchpoint/pcsc_card.hpp"
#include "touchpoint/sim_card.hpp"
#include "touchpoint/touchpoint_options.hpp"
#include "touchpoint/virtual_card.hpp"
#include "touchpoint_args.hpp"

#include "tsm/core/gp/initialize_update.hpp"
#include "tsm/core/gp/scp02_session.hpp"
#include "tsm/core/gp/scp03_session.hpp"
#include "tsm/core/hex.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <fstream>
#include <unistd.h>

using namespace tsm::tools::touchpoint;
namespace gp = tsm::core::gp;
using tsm::core::from_hex;
using tsm::core::to_hex;
using tsm::test::base_args;
using tsm::test::parse_ok;

namespace {

// Opens a channel on the card with the core host session; true when EXTERNAL AUTHENTICATE passes.
bool authenticates(card& c, bool scp03, const std::string& key_hex, std::uint8_t kvn, std::uint8_t i = 0x55) {
    const std::string hc = *from_hex("0102030405060708");
    auto sel = c.transceive(*from_hex("00A4040000"));
    if (sel.size() < 2 || to_hex(sel.substr(sel.size() - 2)) != "9000") {
        return false;
    }
    auto iu = c.transceive(*gp::initialize_update_command(kvn, hc));
    if (to_hex(iu.substr(iu.size() - 2)) != "9000") {
        return false;
    }
    auto k = *gp::secret_key::from_hex(key_hex);
    gp::static_keys keys{k, k, k};
    std::string_view data = std::string_view(iu).substr(0, iu.size() - 2);
    if (scp03) {
        auto p = gp::parse_scp03_init_response(data);
        if (!p) {
            return false;
        }
        auto s = gp::scp03_session::open(keys, hc, *p, 0x03);
        return s && to_hex(c.transceive(*s->external_authenticate())) == "9000";
    }
    auto p = gp::parse_scp02_init_response(data);
    if (!p) {
        return false;
    }
    auto s = gp::scp02_session::open(keys, hc, *p, 0x03, i);
    return s && to_hex(c.transceive(*s->external_authenticate())) == "9000";
}

} // namespace

BOOST_AUTO_TEST_SUITE(sandbox_se_touchpoint)

BOOST_AUTO_TEST_CASE(virtual_is_the_default_card) {
    auto o = parse_ok({});
    BOOST_TEST(o.card_kind == "virtual");
    BOOST_TEST(parse_ok({"--card", "sim"}).card_kind == "sim");
    auto pcsc = parse_touchpoint_args(base_args({"--card", "pcsc"}));
    if (pcsc_available()) {
        BOOST_TEST(pcsc.options.has_value());
    } else {
        BOOST_TEST(!pcsc.options);
        BOOST_TEST(pcsc.error.find("pcsc-lite") != std::string::npos);
    }
    BOOST_TEST(!parse_touchpoint_args(base_args({"--card", "nfc"})).options);
    BOOST_TEST(!parse_touchpoint_args(base_args({"--scp", "01"})).options);
    BOOST_TEST(!parse_touchpoint_args(base_args({"--kvn", "256"})).options);
    BOOST_TEST(!parse_touchpoint_args(base_args({"--enc", "XYZ"})).options);
    BOOST_TEST(!parse_touchpoint_args(base_args({"--isd", "A000"})).options);
    BOOST_TEST(parse_ok({"--kvn", "0x31"}).kvn.value() == 0x31);
    BOOST_TEST(parse_ok({"--kvn", "32"}).kvn.value() == 32);
}

BOOST_AUTO_TEST_CASE(default_virtual_card_has_the_gp_test_keys) {
    std::string error;
    auto cfg = virtual_card_config(parse_ok({}), error);
    BOOST_REQUIRE_MESSAGE(cfg.has_value(), error);
    virtual_card c(std::move(*cfg));
    BOOST_TEST(authenticates(c, true, "404142434445464748494A4B4C4D4E4F", 0x30));
    BOOST_TEST(authenticates(c, true, "404142434445464748494A4B4C4D4E4F", 0x00));
    BOOST_TEST(!authenticates(c, true, "000102030405060708090A0B0C0D0E0F", 0x30));
    // GET DATA answers like the simulated card (same IIN, CIN and CPLC).
    sim_card sim(*from_hex("8A2C10"), *from_hex("0E48800471400A"));
    for (const char* cmd : {"00CA004200", "00CA004500", "80CA9F7F00"}) {
        BOOST_TEST(to_hex(c.transceive(*from_hex(cmd))) == to_hex(sim.transceive(*from_hex(cmd))));
    }
}

BOOST_AUTO_TEST_CASE(keys_from_flags_and_file) {
    const std::string k256 = "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F";
    std::string error;
    auto cfg = virtual_card_config(parse_ok({"--kvn", "0x31", "--enc", k256, "--mac", k256, "--dek", k256,
                                             "--isd", "A000000003000000"}),
                                   error);
    BOOST_REQUIRE_MESSAGE(cfg.has_value(), error);
    BOOST_TEST(to_hex(cfg->isd_aid) == "A000000003000000");
    virtual_card c(std::move(*cfg));
    BOOST_TEST(authenticates(c, true, k256, 0x31));
    BOOST_TEST(to_hex(c.transceive(*from_hex("00A4040000"))).find("8408A000000003000000") == 4u);

    // Keys file, SCP02.
    char path[] = "/tmp/sandbox_se_keysXXXXXX";
    int fd = mkstemp(path);
    BOOST_REQUIRE(fd >= 0);
    close(fd);
    {
        std::ofstream out(path);
        out << R"({"enc":"11111111111111111111111111111111","mac":"11111111111111111111111111111111","dek":"11111111111111111111111111111111"})";
    }
    cfg = virtual_card_config(parse_ok({"--scp", "02", "--keys-file", path, "--scp-i", "15"}), error);
    std::remove(path);
    BOOST_REQUIRE_MESSAGE(cfg.has_value(), error);
    BOOST_REQUIRE_EQUAL(cfg->scp02.size(), 1u);
    BOOST_TEST(cfg->scp03.empty());
    virtual_card c2(std::move(*cfg));
    BOOST_TEST(authenticates(c2, false, "11111111111111111111111111111111", 0x20, 0x15));

    // Bad key lengths and a missing file are clear errors.
    BOOST_TEST(!virtual_card_config(parse_ok({"--scp", "02", "--enc", k256}), error));
    BOOST_TEST(error.find("SCP02") != std::string::npos);
    BOOST_TEST(!virtual_card_config(parse_ok({"--enc", "0011"}), error));
    BOOST_TEST(!virtual_card_config(parse_ok({"--keys-file", "/nonexistent/keys.json"}), error));
    BOOST_TEST(error.find("keys-file") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(batch_runs_on_the_virtual_card) {
    std::string error;
    virtual_card c(*virtual_card_config(parse_ok({}), error));
    std::vector<std::string> cmds;
    for (const char* hex : {"00A4040000", "80CA004500", "80F28002024F0000", "00A4040000"}) {
        cmds.push_back(*from_hex(hex));
    }
    auto responses = run_batch(c, cmds, true, nullptr);
    BOOST_REQUIRE_EQUAL(responses.size(), 3u); // stopped at 6982: GET STATUS needs a secure channel
    BOOST_TEST(to_hex(responses[1]) == "45070E48800471400A9000");
    BOOST_TEST(to_hex(responses[2]) == "6982");
}

BOOST_AUTO_TEST_SUITE_END()
