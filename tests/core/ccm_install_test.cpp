// CCM operations against the scripted GlobalPlatform card (scripted_gp_card.hpp):
// INSTALL with and without LOAD, card errors, already-loaded files, load block sizes.
#include "tsm/core/ccm/apdus.hpp"
#include "tsm/core/ccm/operations.hpp"
#include "tsm/core/hex.hpp"

#include "scripted_gp_card.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <optional>

using namespace scripted_gp_card;

BOOST_AUTO_TEST_SUITE(ccm_operations)

BOOST_AUTO_TEST_CASE(install_with_load_is_two_round_trips_scp03) {
    const auto cap = load_cap("kaoh-helloworld.cap");
    fake_card card;
    const auto req = install_of(cap);
    auto op = make_install(context(), req);
    const auto r = run(*op, card);
    check_success(r);
    BOOST_REQUIRE_EQUAL(r.batches.size(), 2u);

    // Round 1: SELECT ISD + INITIALIZE UPDATE, byte for byte.
    BOOST_TEST(r.batches[0].stop_on_error);
    BOOST_REQUIRE_EQUAL(r.batches[0].commands.size(), 2u);
    BOOST_TEST(to_hex(r.batches[0].commands[0]) == "00A4040008A00000015100000000");
    BOOST_TEST(to_hex(r.batches[0].commands[1]) == "8050300008010203040506070800");

    // Round 2: EXT AUTH, INSTALL [for load], LOAD x 2 (343-byte LFDB + C4820157: 239 + 108),
    // INSTALL [for install and make selectable].
    BOOST_TEST(r.batches[1].stop_on_error);
    BOOST_REQUIRE_EQUAL(r.batches[1].commands.size(), 5u);
    BOOST_TEST(to_hex(r.batches[1].commands[0].substr(0, 5)) == "8482030010");
    BOOST_REQUIRE_EQUAL(card.plain.size(), 4u);
    BOOST_TEST(card.plain[0] == apdu::install_for_load(req.elf_aid, isd_aid));
    BOOST_TEST(to_hex(card.plain[1].substr(0, 5)) == "80E80000EF");
    BOOST_TEST(to_hex(card.plain[2].substr(0, 5)) == "80E880016C");
    BOOST_TEST(
        card.plain[3]
        == apdu::install_for_install(req.elf_aid, req.module_aid, req.instance_aid, bytes(1, '\0'), ""));
    for (std::size_t i = 1; i < r.batches[1].commands.size(); ++i) {
        BOOST_TEST(static_cast<unsigned char>(r.batches[1].commands[i][0]) == 0x84u);
    }
    // The card got exactly the LFDB, and the instance exists with C9 00.
    BOOST_TEST(card.load_files.at(req.elf_aid) == req.lfdb);
    BOOST_TEST(card.instances.at(req.instance_aid) == req.elf_aid);
    BOOST_TEST(to_hex(card.install_params.at(req.instance_aid)) == "C900");
    // Responses: the unwrapped answers of the 4 CCM commands.
    BOOST_REQUIRE_EQUAL(r.outcome.responses.size(), 4u);
    for (const auto& resp : r.outcome.responses) {
        BOOST_TEST(to_hex(resp) == "009000");
    }
}

BOOST_AUTO_TEST_CASE(install_with_params_privileges_and_r_mac) {
    const auto cap = load_cap("gpp-Empty_0102030405_8d5ac9e2_2.2.1.cap");
    fake_card card;
    auto ctx = context();
    ctx.security_level = 0x13; // C-MAC + C-DEC + R-MAC
    auto req = install_of(cap, "01020304050607080A");
    req.params = h("CAFE");
    req.privileges = h("000000");
    auto op = make_install(std::move(ctx), req);
    const auto r = run(*op, card);
    check_success(r);
    BOOST_TEST(r.batches.size() == 2u);
    BOOST_TEST(to_hex(r.batches[1].commands[0].substr(0, 5)) == "8482130010");
    BOOST_TEST(to_hex(card.install_params.at(req.instance_aid)) == "C902CAFE");
    BOOST_REQUIRE(!r.outcome.responses.empty());
    BOOST_TEST(to_hex(r.outcome.responses.back()) == "009000"); // R-MAC verified and stripped
}

BOOST_AUTO_TEST_CASE(install_for_install_6a80_names_command_and_sw) {
    const auto cap = load_cap("kaoh-helloworld.cap");
    fake_card card;
    card.hook = [](const gp::command_apdu& a) -> std::optional<bytes> {
        if (a.ins == 0xE6 && a.p1 == 0x0C) {
            return h("6A80");
        }
        return std::nullopt;
    };
    auto op = make_install(context(), install_of(cap));
    const auto r = run(*op, card);
    BOOST_TEST(r.batches.size() == 2u);
    BOOST_TEST(r.outcome.status_code == status_card_error);
    BOOST_TEST(r.outcome.error_code == "card-error");
    BOOST_TEST(r.outcome.error_command == "INSTALL [for install]");
    BOOST_TEST(r.outcome.error_sw == "6A80");
    BOOST_TEST(r.outcome.error_message.find("6A80") != std::string::npos);
    BOOST_TEST(r.outcome.error_message.find("wrong data") != std::string::npos);
    BOOST_TEST(r.outcome.error_message.find("C9") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(load_failure_names_the_block) {
    const auto cap = load_cap("kaoh-helloworld.cap");
    fake_card card;
    card.hook = [](const gp::command_apdu& a) -> std::optional<bytes> {
        if (a.ins == 0xE8 && a.p2 == 1) {
            return h("6A84");
        }
        return std::nullopt;
    };
    auto op = make_install(context(), install_of(cap));
    const auto r = run(*op, card);
    BOOST_TEST(r.outcome.error_command == "LOAD");
    BOOST_TEST(r.outcome.error_sw == "6A84");
    BOOST_TEST(r.outcome.error_message.find("block 2 of 2") != std::string::npos);
    BOOST_TEST(r.outcome.error_message.find("memory") != std::string::npos);
    BOOST_TEST(card.plain.size() == 3u); // stopped there: no INSTALL [for install]
}

BOOST_AUTO_TEST_CASE(already_loaded_takes_a_third_round_that_only_installs) {
    const auto cap = load_cap("kaoh-helloworld.cap");
    for (std::uint16_t sw : {std::uint16_t(0x6985), std::uint16_t(0x6A80)}) {
        for (auto p : {scp_protocol::scp03, scp_protocol::scp02}) {
            BOOST_TEST_CONTEXT("already-loaded SW " << std::hex << sw << " scp0" << int(p)) {
                fake_card card;
                card.protocol = p;
                card.already_loaded_sw = sw;
                const auto req = install_of(cap);
                card.load_files[req.elf_aid] = req.lfdb;
                auto op = make_install(context(p), req);
                const auto r = run(*op, card);
                check_success(r);
                BOOST_REQUIRE_EQUAL(r.batches.size(), 3u);
                // Round 3 = GET STATUS + INSTALL, MACed in the chain the card followed
                // (the LOADs of round 2 were never sent: the host resynchronised).
                BOOST_REQUIRE_EQUAL(r.batches[2].commands.size(), 2u);
                BOOST_TEST(r.batches[2].stop_on_error);
                BOOST_REQUIRE_EQUAL(card.plain.size(), 3u);
                BOOST_TEST(card.plain[1] == apdu::get_status_load_file(req.elf_aid));
                BOOST_TEST(static_cast<unsigned char>(card.plain[2][2]) == 0x0Cu);
                BOOST_TEST(card.instances.count(req.instance_aid) == 1u);
                BOOST_TEST(r.outcome.responses.size() == 3u);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(already_loaded_with_a_touch_point_that_runs_every_command) {
    // The Fidesmo dialects have no stopOnError: the card also ran the LOADs after the refused
    // INSTALL [for load]. Their answers are not read, and the channel goes on in the card's chain.
    const auto cap = load_cap("kaoh-helloworld.cap");
    for (auto p : {scp_protocol::scp03, scp_protocol::scp02}) {
        BOOST_TEST_CONTEXT("scp0" << int(p)) {
            fake_card card;
            card.protocol = p;
            card.already_loaded_sw = 0x6985;
            const auto req = install_of(cap);
            card.load_files[req.elf_aid] = req.lfdb;
            auto op = make_install(context(p), req);
            const auto r = run(*op, card, 0, stop_rule::ignored);
            check_success(r);
            BOOST_REQUIRE_EQUAL(r.batches.size(), 3u);
            BOOST_TEST(r.batches[1].commands.size() > 2u); // INSTALL [for load] + the LOADs
            // Batch 2 ends at the refused INSTALL [for load] (a continue point): the card never
            // ran the LOADs; batch 3 is GET STATUS, then INSTALL.
            BOOST_TEST(r.round_trips == 4u);
            BOOST_REQUIRE_EQUAL(card.plain.size(), 3u);
            BOOST_TEST(card.instances.count(req.instance_aid) == 1u);
            // INSTALL [for load], GET STATUS, INSTALL: the transcript skips the unread LOAD answers.
            BOOST_TEST(r.outcome.responses.size() == 3u);
        }
    }
}

BOOST_AUTO_TEST_CASE(install_with_load_for_a_touch_point_that_runs_every_command) {
    const auto cap = load_cap("kaoh-helloworld.cap");
    fake_card card;
    const auto req = install_of(cap);
    auto op = make_install(context(), req);
    const auto r = run(*op, card, 0, stop_rule::ignored);
    check_success(r);
    BOOST_TEST(r.batches.size() == 2u);
    BOOST_TEST(r.round_trips == 3u); // INSTALL [for load] alone, then the LOADs and INSTALL
    BOOST_TEST(card.instances.count(req.instance_aid) == 1u);
}

BOOST_AUTO_TEST_CASE(a_failing_load_is_named_when_the_touch_point_runs_every_command) {
    const auto cap = load_cap("kaoh-helloworld.cap");
    fake_card card;
    card.hook = [](const gp::command_apdu& a) -> std::optional<bytes> {
        if (a.ins == 0xE8 && a.p2 == 0) {
            return h("6A84");
        }
        return std::nullopt;
    };
    auto op = make_install(context(), install_of(cap));
    const auto r = run(*op, card, 0, stop_rule::ignored);
    // The card ran the rest of the script; the first failure is the one reported.
    BOOST_TEST(card.plain.size() > 2u);
    BOOST_TEST(r.outcome.error_command == "LOAD");
    BOOST_TEST(r.outcome.error_sw == "6A84");
    BOOST_TEST(r.outcome.error_message.find("block 1 of 2") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(install_for_load_error_stands_when_the_load_file_is_absent) {
    const auto cap = load_cap("kaoh-helloworld.cap");
    fake_card card;
    card.hook = [](const gp::command_apdu& a) -> std::optional<bytes> {
        if (a.ins == 0xE6 && a.p1 == 0x02) {
            return h("6985");
        }
        return std::nullopt;
    };
    auto op = make_install(context(), install_of(cap));
    const auto r = run(*op, card);
    BOOST_TEST(r.batches.size() == 3u);
    BOOST_TEST(r.outcome.error_code == "card-error");
    BOOST_TEST(r.outcome.error_command == "INSTALL [for load]");
    BOOST_TEST(r.outcome.error_sw == "6985");
    BOOST_TEST(r.outcome.error_message.find("GET STATUS") != std::string::npos);
    BOOST_TEST(card.instances.empty());
}

BOOST_AUTO_TEST_CASE(install_without_load_file_is_two_round_trips) {
    const auto cap = load_cap("gpp-Empty_0102030405_8d5ac9e2_2.2.1.cap");
    fake_card card;
    auto req = install_of(cap);
    card.load_files[req.elf_aid] = req.lfdb;
    req.lfdb.clear();
    auto op = make_install(context(), req);
    const auto r = run(*op, card);
    check_success(r);
    BOOST_REQUIRE_EQUAL(r.batches.size(), 2u);
    BOOST_TEST(r.batches[1].commands.size() == 2u); // EXT AUTH + INSTALL
    BOOST_TEST(card.instances.count(req.instance_aid) == 1u);
}

BOOST_AUTO_TEST_CASE(load_blocks_fit_the_maximum_command_length_after_wrapping) {
    for (const char* file : {"kaoh-helloworld.cap", "gpp-Empty_0102030405_8d5ac9e2_2.2.1.cap"}) {
        const auto cap = load_cap(file);
        for (auto p : {scp_protocol::scp03, scp_protocol::scp02}) {
            for (std::uint8_t level : {std::uint8_t(0x01), std::uint8_t(0x03)}) {
                for (std::size_t max : {255u, 200u, 128u, 100u, 64u}) {
                    BOOST_TEST_CONTEXT(file << " scp0" << int(p) << " level " << int(level) << " max "
                                            << max) {
                        fake_card card;
                        card.protocol = p;
                        auto ctx = context(p);
                        ctx.security_level = level;
                        ctx.max_command_data = max;
                        const auto req = install_of(cap);
                        auto op = make_install(std::move(ctx), req);
                        const auto r = run(*op, card);
                        check_success(r);
                        BOOST_TEST(r.batches.size() == 2u);
                        std::size_t largest = 0;
                        for (const auto& c : r.batches[1].commands) {
                            BOOST_TEST(lc_of(c) <= max);
                            if (static_cast<unsigned char>(c[1]) == 0xE8) {
                                largest = std::max(largest, lc_of(c));
                            }
                        }
                        BOOST_TEST(largest > max - 24); // blocks are not needlessly small
                        BOOST_TEST(card.load_files.at(req.elf_aid) == req.lfdb);
                    }
                }
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(isd_fci_9f65_lowers_the_block_size) {
    const auto cap = load_cap("kaoh-helloworld.cap");
    fake_card card;
    card.fci = h("6F108408A000000151000000A5049F650180"); // 128 bytes
    auto op = make_install(context(), install_of(cap));
    const auto r = run(*op, card);
    check_success(r);
    for (const auto& c : r.batches[1].commands) {
        BOOST_TEST(lc_of(c) <= 128u);
    }
    BOOST_TEST(to_hex(card.plain[1].substr(0, 5)) == "80E800006F"); // 111 plain bytes
}

BOOST_AUTO_TEST_CASE(partial_answers_are_continued_in_the_secure_channel) {
    const auto cap = load_cap("kaoh-helloworld.cap");
    fake_card card;
    const auto req = install_of(cap);
    auto op = make_install(context(), req);
    const auto r = run(*op, card, 2); // the touch point answers 2 commands per batch
    check_success(r);
    BOOST_TEST(r.batches.size() == 4u); // [SEL, IU] [EA, IFL, L0, L1, IFI]->2 [L0, L1, IFI]->2 [IFI]
    BOOST_TEST(card.load_files.at(req.elf_aid) == req.lfdb);
    BOOST_TEST(card.instances.count(req.instance_aid) == 1u);
    BOOST_TEST(r.outcome.responses.size() == 4u);
}

BOOST_AUTO_TEST_CASE(invalid_requests_are_refused_before_any_batch) {
    auto req = install_request{};
    req.elf_aid = h("0102");
    auto op = make_install(context(), req);
    const auto step = op->start();
    BOOST_REQUIRE(step.outcome.has_value());
    BOOST_TEST(!step.batch.has_value());
    BOOST_TEST(step.outcome->status_code == status_bad_request);
    BOOST_TEST(step.outcome->error_code == "bad-request");
}

BOOST_AUTO_TEST_CASE(too_large_load_file_is_refused_after_round_one) {
    fake_card card;
    install_request req;
    req.elf_aid = h("0102030405");
    req.module_aid = h("010203040501");
    req.instance_aid = h("010203040501");
    req.lfdb = bytes(256 * 239 + 1, '\x01');
    auto op = make_install(context(), req);
    const auto r = run(*op, card);
    BOOST_TEST(r.outcome.status_code == status_too_large);
    BOOST_TEST(r.outcome.error_code == "load-file-too-large");
    BOOST_TEST(card.wire.size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
