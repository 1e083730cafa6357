// /secure-transceive on the sandbox secure element: the core operation (ccm::make_secure_transceive)
// drives the sandbox card as a touch point would. The card checks every C-MAC, removes C-DEC and,
// after INSTALL [for personalization], routes the commands to the application, which records
// them (secure_element::received_commands). A tampered MAC is refused with 6982.
#include "hex_literal.hpp"
#include "tsm/sandbox/secure_element.hpp"

#include "tsm/core/cap/cap_file.hpp"
#include "tsm/core/ccm/operations.hpp"
#include "tsm/core/ccm/secure_transceive.hpp"
#include "tsm/core/hex.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <functional>
#include <iterator>
#include <stdexcept>
#include <vector>

namespace ccm = tsm::core::ccm;
namespace gp = tsm::core::gp;
using tsm::core::bytes;
using tsm::core::to_hex;
using namespace tsm::sandbox;
using tsm::test::h;

namespace {

const bytes isd_aid = h("A000000151000000");
const bytes instance_aid = h("D0D1D2D3D4D50102");
const bytes secret = bytes("SANDBOX-SECRET-0123456789-XYZ");

bytes secret_command(std::uint8_t p2) {
    bytes c = h("80100000");
    c[3] = static_cast<char>(p2);
    c += static_cast<char>(secret.size());
    c += secret;
    return c;
}

ccm::card_context context_for(ccm::scp_protocol p, std::uint8_t level) {
    ccm::card_context c;
    c.isd_aid = isd_aid;
    c.protocol = p;
    c.kvn = p == ccm::scp_protocol::scp03 ? 0x30 : 0x20;
    auto k = *gp::secret_key::from_hex("404142434445464748494A4B4C4D4E4F");
    c.keys = {k, k, k};
    c.security_level = level;
    return c;
}

struct run_result {
    tsm::core::operation_outcome outcome;
    std::vector<bytes> wire; // every command the touch point relayed
};

/// The touch point (protocol v1): each batch in order, stopping at the first error when asked.
/// `tamper` may change a command before it goes to the card.
run_result run(tsm::core::operation& op, secure_element& card,
               const std::function<void(std::size_t, bytes&)>& tamper = {}) {
    run_result out;
    auto step = op.start();
    while (step.batch) {
        std::vector<bytes> responses;
        for (bytes c : step.batch->commands) {
            if (tamper) {
                tamper(out.wire.size(), c);
            }
            out.wire.push_back(c);
            responses.push_back(card.transceive(c));
            const bytes sw = responses.back().substr(responses.back().size() - 2);
            if (step.batch->stop_on_error && sw != h("9000") && sw[0] != '\x61') {
                break;
            }
        }
        BOOST_REQUIRE(out.wire.size() < 100);
        step = op.on_responses(std::move(responses));
    }
    BOOST_REQUIRE(step.outcome);
    out.outcome = *step.outcome;
    return out;
}

void install_helloworld(secure_element& card, ccm::scp_protocol p) {
    std::ifstream in(SANDBOX_SE_TEST_DATA_DIR "/cap/kaoh-helloworld.cap", std::ios::binary);
    std::string zip((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto parsed = tsm::core::cap::parse_cap(zip);
    BOOST_REQUIRE(parsed.ok());
    const auto& cap = parsed.value();
    ccm::install_request r;
    r.elf_aid = cap.package_aid();
    r.lfdb = cap.load_file_data_block();
    r.module_aid = cap.applets().at(0).aid;
    r.instance_aid = instance_aid;
    auto op = ccm::make_install(context_for(p, 0x03), std::move(r));
    const auto res = run(*op, card);
    BOOST_REQUIRE_MESSAGE(res.outcome.status_code == 200, res.outcome.error_message);
}

ccm::secure_transceive_request request(bytes application, std::vector<bytes> commands) {
    ccm::secure_transceive_request r;
    r.application = std::move(application);
    r.commands = std::move(commands);
    return r;
}

bool holds_clear_secret(const std::vector<bytes>& wire) {
    for (const auto& c : wire) {
        for (std::size_t off = 0; off + 8 <= secret.size(); ++off) {
            if (c.find(secret.substr(off, 8)) != bytes::npos) {
                return true;
            }
        }
    }
    return false;
}

} // namespace

BOOST_AUTO_TEST_SUITE(sandbox_se_secure_transceive)

BOOST_AUTO_TEST_CASE(the_application_receives_the_clear_commands_the_wire_does_not_carry) {
    struct level_case {
        ccm::scp_protocol p;
        std::uint8_t level;
    };
    for (auto [p, level] :
         {level_case{ccm::scp_protocol::scp03, 0x03}, level_case{ccm::scp_protocol::scp03, 0x33},
          level_case{ccm::scp_protocol::scp02, 0x03}}) {
        BOOST_TEST_CONTEXT("scp0" << int(p) << " level " << int(level)) {
            secure_element card;
            install_helloworld(card, p);
            const std::vector<bytes> commands{secret_command(0), h("80CA00FE00"), secret_command(1)};
            auto op = ccm::make_secure_transceive(context_for(p, level), request(instance_aid, commands));
            const auto r = run(*op, card);
            BOOST_REQUIRE_MESSAGE(r.outcome.status_code == 200, r.outcome.error_message);
            BOOST_TEST(r.outcome.responses.empty());
            BOOST_TEST(card.received_commands(instance_aid) == commands);
            BOOST_TEST(!holds_clear_secret(r.wire));
        }
    }
}

BOOST_AUTO_TEST_CASE(commands_for_the_isd_are_run_by_the_isd) {
    secure_element card;
    const std::vector<bytes> commands{h("80CA006600"), h("80CA004500")};
    auto op =
        ccm::make_secure_transceive(context_for(ccm::scp_protocol::scp03, 0x03), request(isd_aid, commands));
    const auto r = run(*op, card);
    BOOST_REQUIRE_MESSAGE(r.outcome.status_code == 200, r.outcome.error_message);
    BOOST_TEST(card.received_commands(isd_aid) == commands);
}

BOOST_AUTO_TEST_CASE(an_unknown_command_for_the_isd_is_a_card_error_naming_it) {
    secure_element card;
    auto op = ccm::make_secure_transceive(context_for(ccm::scp_protocol::scp03, 0x33),
                                          request(isd_aid, {h("80CA006600"), secret_command(0)}));
    const auto r = run(*op, card);
    BOOST_TEST(r.outcome.error_code == "card-error");
    BOOST_TEST(r.outcome.error_command == "commands[1]");
    BOOST_TEST(r.outcome.error_sw == "6D00");
}

BOOST_AUTO_TEST_CASE(a_tampered_mac_is_refused_with_6982_and_nothing_reaches_the_application) {
    for (auto p : {ccm::scp_protocol::scp03, ccm::scp_protocol::scp02}) {
        BOOST_TEST_CONTEXT("scp0" << int(p)) {
            secure_element card;
            install_helloworld(card, p);
            auto op =
                ccm::make_secure_transceive(context_for(p, 0x03), request(instance_aid, {secret_command(0)}));
            // wire: SELECT, INITIALIZE UPDATE, EXTERNAL AUTHENTICATE, INSTALL, the command (4).
            const auto r = run(*op, card, [](std::size_t i, bytes& c) {
                if (i == 4) {
                    c.back() = static_cast<char>(c.back() ^ 0x01);
                }
            });
            BOOST_TEST(r.outcome.error_code == "card-error");
            BOOST_TEST(r.outcome.error_command == "commands[0]");
            BOOST_TEST(r.outcome.error_sw == "6982");
            BOOST_TEST(card.received_commands(instance_aid).empty());
            BOOST_TEST(!card.secure_channel_open()); // a wrong MAC closes the channel
        }
    }
}

BOOST_AUTO_TEST_CASE(an_application_not_on_the_card_fails_at_install_for_personalization) {
    secure_element card;
    auto op = ccm::make_secure_transceive(context_for(ccm::scp_protocol::scp03, 0x03),
                                          request(instance_aid, {secret_command(0)}));
    const auto r = run(*op, card);
    BOOST_TEST(r.outcome.error_command == "INSTALL [for personalization]");
    BOOST_TEST(r.outcome.error_sw == "6A88");
    BOOST_TEST(card.received_commands(instance_aid).empty());
}

BOOST_AUTO_TEST_SUITE_END()
