// CCM operations against the scripted GlobalPlatform card (scripted_gp_card.hpp):
// DELETE and STORE DATA.
#include "tsm/core/ccm/apdus.hpp"
#include "tsm/core/ccm/operations.hpp"
#include "tsm/core/hex.hpp"

#include "scripted_gp_card.hpp"

#include <boost/test/unit_test.hpp>

#include <vector>

using namespace scripted_gp_card;

BOOST_AUTO_TEST_SUITE(ccm_operations)

BOOST_AUTO_TEST_CASE(delete_is_two_round_trips) {
    const auto cap = load_cap("kaoh-helloworld.cap");
    for (auto p : {scp_protocol::scp03, scp_protocol::scp02}) {
        fake_card card;
        card.protocol = p;
        const auto req = install_of(cap);
        card.load_files[req.elf_aid] = req.lfdb;
        card.instances[req.instance_aid] = req.elf_aid;
        auto op = make_delete(context(p), delete_request{req.elf_aid, true});
        const auto r = run(*op, card);
        check_success(r);
        BOOST_REQUIRE_EQUAL(r.batches.size(), 2u);
        BOOST_TEST(r.batches[1].stop_on_error);
        BOOST_TEST(r.batches[1].commands.size() == 2u);
        BOOST_REQUIRE_EQUAL(card.plain.size(), 1u);
        BOOST_TEST(card.plain[0] == apdu::delete_object(req.elf_aid, true));
        BOOST_TEST(card.load_files.empty());
        BOOST_TEST(card.instances.empty());
        BOOST_REQUIRE_EQUAL(r.outcome.responses.size(), 1u);
        BOOST_TEST(to_hex(r.outcome.responses[0]) == "009000");
    }
}

BOOST_AUTO_TEST_CASE(delete_errors_are_card_errors) {
    fake_card card;
    auto op = make_delete(context(), delete_request{h("D0D1D2D3D4D501"), false});
    const auto r = run(*op, card);
    BOOST_TEST(r.outcome.error_code == "card-error");
    BOOST_TEST(r.outcome.error_command == "DELETE");
    BOOST_TEST(r.outcome.error_sw == "6A88");
    BOOST_TEST(r.outcome.error_message.find("not found") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(storedata_is_encrypted_on_the_wire_and_two_round_trips) {
    for (auto p : {scp_protocol::scp03, scp_protocol::scp02}) {
        for (tag_type t : {tag_type::dgi, tag_type::ber}) {
            BOOST_TEST_CONTEXT("scp0" << int(p) << " type " << int(t)) {
                fake_card card;
                card.protocol = p;
                const bytes inst = h("D0D1D2D3D4D50101");
                card.instances[inst] = h("D0D1D2D3D4D501");
                bytes secret(600, '\0');
                for (std::size_t i = 0; i < secret.size(); ++i) {
                    secret[i] = static_cast<char>("PERSO-SECRET-"[i % 13]);
                }
                auto op = make_storedata(context(p), storedata_request{inst, t, secret});
                const auto r = run(*op, card);
                check_success(r);
                BOOST_REQUIRE_EQUAL(r.batches.size(), 2u);
                BOOST_TEST(r.batches[1].commands.size() == 1u + 1u + 3u); // EA, INSTALL perso, 3 blocks
                BOOST_TEST(card.personalized.at(inst) == secret);
                const std::uint8_t f = t == tag_type::dgi ? 0x08 : 0x10;
                BOOST_TEST((card.store_data_p1 == std::vector<std::uint8_t>{f, f, std::uint8_t(f | 0x80)}));
                // No 8-byte window of the plaintext crosses the touch point.
                for (const auto& batch : r.batches) {
                    for (const auto& c : batch.commands) {
                        for (std::size_t off = 0; off + 8 <= 26; ++off) {
                            BOOST_TEST(c.find(secret.substr(off, 8)) == bytes::npos);
                        }
                        BOOST_TEST(c.find("PERSO") == bytes::npos);
                    }
                }
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(storedata_refuses_a_level_without_c_dec) {
    auto ctx = context();
    ctx.security_level = 0x01;
    auto op =
        make_storedata(std::move(ctx), storedata_request{h("D0D1D2D3D4D50101"), tag_type::dgi, "secret"});
    const auto step = op->start();
    BOOST_REQUIRE(step.outcome.has_value());
    BOOST_TEST(!step.batch.has_value());
    BOOST_TEST(step.outcome->error_code == "insecure-channel");
}

BOOST_AUTO_TEST_CASE(storedata_to_a_missing_application) {
    fake_card card;
    auto op = make_storedata(context(), storedata_request{h("D0D1D2D3D4D50101"), tag_type::ber, "x"});
    const auto r = run(*op, card);
    BOOST_TEST(r.outcome.error_command == "INSTALL [for personalization]");
    BOOST_TEST(r.outcome.error_sw == "6A88");
}

BOOST_AUTO_TEST_SUITE_END()
