// CCM operations against the scripted GlobalPlatform card (scripted_gp_card.hpp):
// opening the secure channel: SCP02/SCP03, cryptograms, R-MAC, key diversification.
#include "tsm/core/ccm/operations.hpp"
#include "tsm/core/gp/key_diversification.hpp"

#include "scripted_gp_card.hpp"

#include <boost/test/unit_test.hpp>

#include <optional>

using namespace scripted_gp_card;

BOOST_AUTO_TEST_SUITE(ccm_operations)

BOOST_AUTO_TEST_CASE(r_mac_mismatch_is_a_secure_channel_error) {
    const auto cap = load_cap("gpp-Empty_0102030405_8d5ac9e2_2.2.1.cap");
    fake_card card;
    card.corrupt_rmac = true;
    auto ctx = context();
    ctx.security_level = 0x13;
    auto op = make_install(std::move(ctx), install_of(cap));
    const auto r = run(*op, card);
    BOOST_TEST(r.outcome.status_code != 200);
    BOOST_TEST(r.outcome.error_code == "secure-channel-error");
    BOOST_TEST(r.outcome.error_message.find("INSTALL [for load]") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(card_cryptogram_mismatch_fails_before_external_authenticate) {
    const auto cap = load_cap("kaoh-helloworld.cap");
    for (auto p : {scp_protocol::scp03, scp_protocol::scp02}) {
        fake_card card;
        card.protocol = p;
        card.keys = keys_from(other_key); // the card holds other keys than the registry
        auto op = make_install(context(p), install_of(cap));
        const auto r = run(*op, card);
        BOOST_TEST(r.outcome.status_code == status_auth_failed);
        BOOST_TEST(r.outcome.error_code == "authentication-failed");
        BOOST_TEST(r.outcome.error_message.find("cryptogram") != std::string::npos);
        BOOST_TEST(r.batches.size() == 1u); // no further batch
        BOOST_TEST(card.wire.size() == 2u); // SELECT + INITIALIZE UPDATE only: no EXTERNAL AUTHENTICATE
        BOOST_TEST(r.outcome.responses.empty());
    }
}

BOOST_AUTO_TEST_CASE(select_and_initialize_update_errors) {
    const auto cap = load_cap("kaoh-helloworld.cap");
    {
        fake_card card;
        auto ctx = context();
        ctx.isd_aid = h("A000000003000000");
        auto op = make_install(std::move(ctx), install_of(cap));
        const auto r = run(*op, card);
        BOOST_TEST(r.outcome.error_command == "SELECT");
        BOOST_TEST(r.outcome.error_sw == "6A82");
        BOOST_TEST(r.batches.size() == 1u);
    }
    {
        fake_card card;
        card.hook = [](const gp::command_apdu& a) -> std::optional<bytes> {
            return a.ins == 0x50 ? std::optional<bytes>(h("6A88")) : std::nullopt;
        };
        auto op = make_install(context(), install_of(cap));
        const auto r = run(*op, card);
        BOOST_TEST(r.outcome.error_command == "INITIALIZE UPDATE");
        BOOST_TEST(r.outcome.error_sw == "6A88");
        BOOST_TEST(r.outcome.error_message.find("key") != std::string::npos);
    }
    {
        fake_card card;
        card.hook = [](const gp::command_apdu& a) -> std::optional<bytes> {
            return a.ins == 0x82 ? std::optional<bytes>(h("6300")) : std::nullopt;
        };
        auto op = make_install(context(), install_of(cap));
        const auto r = run(*op, card);
        BOOST_TEST(r.outcome.error_command == "EXTERNAL AUTHENTICATE");
        BOOST_TEST(r.outcome.error_sw == "6300");
        BOOST_TEST(card.plain.empty());
    }
    {
        fake_card card;
        card.protocol = scp_protocol::scp02; // the registry says SCP03
        auto op = make_install(context(), install_of(cap));
        const auto r = run(*op, card);
        BOOST_TEST(r.outcome.error_code == "secure-channel-error");
        BOOST_TEST(r.batches.size() == 1u);
    }
}

BOOST_AUTO_TEST_CASE(scp02_install_end_to_end) {
    const auto cap = load_cap("gpp-Empty_0102030405_8d5ac9e2_2.2.1.cap");
    for (std::uint8_t i : {std::uint8_t(0x55), std::uint8_t(0x15)}) {
        fake_card card;
        card.protocol = scp_protocol::scp02;
        card.scp02_i = i;
        auto ctx = context(scp_protocol::scp02);
        ctx.scp02_i = i;
        const auto req = install_of(cap);
        auto op = make_install(std::move(ctx), req);
        const auto r = run(*op, card);
        check_success(r);
        BOOST_TEST(r.batches.size() == 2u);
        BOOST_TEST(card.load_files.at(req.elf_aid) == req.lfdb);
        BOOST_TEST(card.instances.count(req.instance_aid) == 1u);
        BOOST_TEST(r.outcome.responses.size() == 4u); // IFL, 2 x LOAD (283 + 4 bytes), IFI
    }
}

BOOST_AUTO_TEST_CASE(master_key_cards_are_diversified_from_the_kdd) {
    const auto cap = load_cap("gpp-Empty_0102030405_8d5ac9e2_2.2.1.cap");
    const auto master = *gp::secret_key::from_hex(other_key);
    const bytes kdd = h("00010203040506070809"); // what fake_card answers
    struct tc {
        scp_protocol p;
        gp::diversification method;
    };
    for (const tc& c : {tc{scp_protocol::scp03, gp::diversification::kdf3},
                        tc{scp_protocol::scp02, gp::diversification::emv},
                        tc{scp_protocol::scp02, gp::diversification::visa2}}) {
        fake_card card;
        card.protocol = c.p;
        card.keys = *gp::diversify_keys(master, c.method, kdd);
        auto ctx = context(c.p, test_key); // `keys` is ignored once diversify is set
        bytes seen;
        ctx.diversify = [&, method = c.method](std::string_view k) {
            seen = bytes(k);
            return gp::diversify_keys(master, method, k);
        };
        const auto req = install_of(cap);
        auto op = make_install(std::move(ctx), req);
        const auto r = run(*op, card);
        check_success(r);
        BOOST_TEST(seen == kdd);
        BOOST_TEST(r.batches.size() == 2u);
        BOOST_TEST(card.instances.count(req.instance_aid) == 1u);
    }
    // A master key that does not suit the method: a clear error, nothing after round 1.
    fake_card card;
    auto ctx = context();
    ctx.diversify = [](std::string_view k) {
        return gp::diversify_keys(*gp::secret_key::from_hex("0011"), gp::diversification::kdf3, k);
    };
    auto op = make_delete(std::move(ctx), delete_request{h("0102030405"), true});
    const auto r = run(*op, card);
    BOOST_TEST(r.outcome.error_code == "secure-channel-error");
    BOOST_TEST(card.wire.size() == 2u);
}

BOOST_AUTO_TEST_CASE(random_host_challenge_by_default) {
    auto ctx = context();
    ctx.host_challenge = nullptr;
    auto a = make_delete(ctx, delete_request{h("D0D1D2D3D4D501"), false});
    auto b = make_delete(ctx, delete_request{h("D0D1D2D3D4D501"), false});
    const auto sa = a->start();
    const auto sb = b->start();
    BOOST_REQUIRE(sa.batch && sb.batch);
    BOOST_TEST(sa.batch->commands[1].size() == 14u);
    BOOST_TEST(sa.batch->commands[1] != sb.batch->commands[1]);
}

BOOST_AUTO_TEST_SUITE_END()
