// /secure-transceive against the scripted GlobalPlatform card (scripted_gp_card.hpp), which checks
// every C-MAC and decrypts C-DEC: the SP's commands arrive in clear at the card only, after
// INSTALL [for personalization] when they are for an application; the request mapping (sealed
// payload, field errors) and the payload codec.
#include "tsm/core/ccm/apdus.hpp"
#include "tsm/core/ccm/secure_transceive.hpp"
#include "tsm/core/key_vault.hpp"
#include "tsm/core/operation_kinds.hpp"
#include "tsm/core/sealed_payload.hpp"
#include "tsm/core/secure_transceive_requests.hpp"

#include "scripted_gp_card.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

using namespace scripted_gp_card;

namespace {

const bytes app_aid = h("D0D1D2D3D4D50101");
// A proprietary command whose data is the secret the touch point must not see.
const bytes secret_data = bytes("SP-SECRET-0123456789-SP-SECRET");

bytes put_secret(std::uint8_t p2) {
    bytes c = h("80100000");
    c[3] = static_cast<char>(p2);
    c += static_cast<char>(secret_data.size());
    c += secret_data;
    return c;
}

secure_transceive_request request_of(bytes application, std::vector<bytes> commands) {
    secure_transceive_request r;
    r.application = std::move(application);
    r.commands = std::move(commands);
    return r;
}

/// The SP's INS 10 / CA commands answer 9000 (the scripted card knows only GP commands).
void answer_sp_commands(fake_card& card) {
    card.hook = [](const gp::command_apdu& a) -> std::optional<bytes> {
        if (a.ins == 0x10) {
            return h("9000");
        }
        if (a.ins == 0xCA) {
            return h("01029000");
        }
        return std::nullopt;
    };
}

bool wire_holds_clear_secret(const run_result& r) {
    for (const auto& batch : r.batches) {
        for (const auto& c : batch.commands) {
            for (std::size_t off = 0; off + 8 <= secret_data.size(); ++off) {
                if (c.find(secret_data.substr(off, 8)) != bytes::npos) {
                    return true;
                }
            }
        }
    }
    return false;
}

const key_vault& vault() {
    static const key_vault v(bytes(key_vault::kek_size, 'k'));
    return v;
}

} // namespace

BOOST_AUTO_TEST_SUITE(ccm_secure_transceive)

BOOST_AUTO_TEST_CASE(commands_reach_the_application_wrapped_after_install_for_personalization) {
    struct level_case {
        scp_protocol p;
        std::uint8_t level;
    };
    for (auto [p, level] : {level_case{scp_protocol::scp03, 0x03}, level_case{scp_protocol::scp03, 0x33},
                            level_case{scp_protocol::scp02, 0x03}}) {
        BOOST_TEST_CONTEXT("scp0" << int(p) << " level " << int(level)) {
            fake_card card;
            card.protocol = p;
            card.instances[app_aid] = h("D0D1D2D3D4D501");
            answer_sp_commands(card);
            auto ctx = context(p);
            ctx.security_level = level;
            const std::vector<bytes> commands{put_secret(0), h("80CA00FE00"), put_secret(1)};
            auto op = make_secure_transceive(std::move(ctx), request_of(app_aid, commands));
            const auto r = run(*op, card);
            check_success(r);
            BOOST_TEST(r.outcome.responses.empty()); // Fidesmo relays no answers
            BOOST_REQUIRE_EQUAL(r.batches.size(), 2u);
            BOOST_TEST(r.batches[1].stop_on_error);
            BOOST_TEST(r.batches[1].continue_points.empty());
            BOOST_TEST(r.batches[1].commands.size() == 1u + 1u + commands.size()); // EA, INSTALL, cmds
            // What the card got, once unwrapped: INSTALL [for personalization] then the commands.
            BOOST_REQUIRE_EQUAL(card.plain.size(), 1u + commands.size());
            BOOST_TEST(card.plain[0] == apdu::install_for_personalization(app_aid));
            for (std::size_t i = 0; i < commands.size(); ++i) {
                BOOST_TEST(card.plain[i + 1] == commands[i]);
            }
            // Every command after EXTERNAL AUTHENTICATE carries the secure messaging bit.
            for (std::size_t i = 1; i < r.batches[1].commands.size(); ++i) {
                BOOST_TEST((static_cast<unsigned char>(r.batches[1].commands[i][0]) & 0x04) == 0x04);
            }
            BOOST_TEST(!wire_holds_clear_secret(r));
        }
    }
}

BOOST_AUTO_TEST_CASE(commands_for_the_isd_go_to_the_isd_without_install) {
    fake_card card;
    answer_sp_commands(card);
    const std::vector<bytes> commands{h("80CA006600"), put_secret(0)};
    auto op = make_secure_transceive(context(), request_of(isd_aid, commands));
    const auto r = run(*op, card);
    check_success(r);
    BOOST_REQUIRE_EQUAL(r.batches.size(), 2u);
    BOOST_TEST(r.batches[1].commands.size() == 1u + commands.size());
    BOOST_TEST(card.plain == commands);
    BOOST_TEST(!wire_holds_clear_secret(r));
}

BOOST_AUTO_TEST_CASE(a_failing_command_names_its_index_and_nothing_after_it_runs) {
    fake_card card;
    card.instances[app_aid] = h("D0D1D2D3D4D501");
    card.hook = [](const gp::command_apdu& a) -> std::optional<bytes> {
        if (a.ins == 0x10) {
            return a.p2 == 1 ? h("6A82") : h("9000");
        }
        return std::nullopt;
    };
    auto op =
        make_secure_transceive(context(), request_of(app_aid, {put_secret(0), put_secret(1), put_secret(2)}));
    const auto r = run(*op, card);
    BOOST_TEST(r.outcome.status_code == status_card_error);
    BOOST_TEST(r.outcome.error_code == "card-error");
    BOOST_TEST(r.outcome.error_command == "commands[1]");
    BOOST_TEST(r.outcome.error_sw == "6A82");
    BOOST_TEST(r.outcome.error_message.find("commands[1] failed with 6A82") != std::string::npos);
    BOOST_TEST(r.outcome.responses.empty());
    BOOST_TEST(card.plain.size() == 3u); // INSTALL, commands[0], commands[1]; commands[2] never sent
}

BOOST_AUTO_TEST_CASE(an_application_the_card_does_not_have_fails_at_install_for_personalization) {
    fake_card card;
    answer_sp_commands(card);
    auto op = make_secure_transceive(context(), request_of(app_aid, {put_secret(0)}));
    const auto r = run(*op, card);
    BOOST_TEST(r.outcome.error_code == "card-error");
    BOOST_TEST(r.outcome.error_command == "INSTALL [for personalization]");
    BOOST_TEST(r.outcome.error_sw == "6A88");
    BOOST_TEST(card.plain.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_tampered_mac_is_refused_by_the_card) {
    // The touch point flips one bit of the first SP command's C-MAC: the card answers 6982 and
    // the command never runs.
    fake_card card;
    card.instances[app_aid] = h("D0D1D2D3D4D501");
    answer_sp_commands(card);
    auto op = make_secure_transceive(context(), request_of(app_aid, {put_secret(0)}));
    operation_step step = op->start();
    BOOST_REQUIRE(step.batch);
    std::vector<bytes> answers;
    for (const auto& c : step.batch->commands) {
        answers.push_back(card.transmit(c));
    }
    step = op->on_responses(std::move(answers));
    BOOST_REQUIRE(step.batch);
    BOOST_REQUIRE_EQUAL(step.batch->commands.size(), 3u);
    answers.clear();
    for (std::size_t i = 0; i < step.batch->commands.size(); ++i) {
        bytes c = step.batch->commands[i];
        if (i == 2) {
            c.back() = static_cast<char>(c.back() ^ 0x01);
        }
        answers.push_back(card.transmit(c));
        if (answers.back() != h("9000") && answers.back().size() >= 2
            && answers.back().substr(answers.back().size() - 2) != h("9000")) {
            break;
        }
    }
    BOOST_TEST(to_hex(answers.back()) == "6982");
    step = op->on_responses(std::move(answers));
    BOOST_REQUIRE(step.outcome);
    BOOST_TEST(step.outcome->error_command == "commands[0]");
    BOOST_TEST(step.outcome->error_sw == "6982");
    BOOST_TEST(card.plain.size() == 1u); // only INSTALL [for personalization] was accepted
}

BOOST_AUTO_TEST_CASE(a_command_too_long_for_the_channel_is_refused_before_the_script) {
    fake_card card;
    card.instances[app_aid] = h("D0D1D2D3D4D501");
    bytes big = h("80100000");
    big += static_cast<char>(250);
    big += bytes(250, 'x');
    auto op = make_secure_transceive(context(), request_of(app_aid, {put_secret(0), big}));
    const auto r = run(*op, card);
    BOOST_TEST(r.outcome.error_code == "bad-request");
    BOOST_TEST(r.outcome.error_message.find("commands[1] has 250 data bytes") != std::string::npos);
    BOOST_TEST(r.batches.size() == 1u); // nothing beyond SELECT + INITIALIZE UPDATE
}

BOOST_AUTO_TEST_CASE(command_data_is_refused_at_a_level_without_c_decryption) {
    // At level 01 the data would cross the touch point in clear: refused after round 1, before
    // anything reaches the application. A command without data is only MACed and may go.
    fake_card card;
    card.instances[app_aid] = h("D0D1D2D3D4D501");
    auto ctx = context();
    ctx.security_level = 0x01;
    auto op = make_secure_transceive(std::move(ctx), request_of(app_aid, {h("80CA00FE00"), put_secret(0)}));
    const auto r = run(*op, card);
    BOOST_TEST(r.outcome.error_code == "bad-request");
    BOOST_TEST(r.outcome.error_message.find("commands[1] carries data") != std::string::npos);
    BOOST_TEST(r.outcome.error_message.find("01") != std::string::npos);
    BOOST_TEST(r.batches.size() == 1u);
    BOOST_TEST(!wire_holds_clear_secret(r));

    fake_card plain_card;
    plain_card.instances[app_aid] = h("D0D1D2D3D4D501");
    answer_sp_commands(plain_card);
    auto ctx01 = context();
    ctx01.security_level = 0x01;
    auto no_data = make_secure_transceive(std::move(ctx01), request_of(app_aid, {h("80CA00FE00")}));
    check_success(run(*no_data, plain_card));
}

BOOST_AUTO_TEST_CASE(validation_names_the_field) {
    auto msg = [](bytes application, std::vector<bytes> commands) {
        return validate(request_of(std::move(application), std::move(commands))).value_or("");
    };
    BOOST_TEST(msg(app_aid, {put_secret(0)}).empty());
    BOOST_TEST(msg(h("A000"), {put_secret(0)}).find("application") == 0u);
    BOOST_TEST(msg(app_aid, {}) == "commands must not be empty");
    BOOST_TEST(msg(app_aid, std::vector<bytes>(255, h("80100000"))).find("at most 254") != std::string::npos);
    BOOST_TEST(msg(app_aid, {put_secret(0), h("8010")}).find("commands[1]: not a well-formed") == 0u);
    BOOST_TEST(msg(app_aid, {h("8010000000000101")}).find("extended length") != std::string::npos);
    BOOST_TEST(msg(app_aid, {h("81100000")}).find("basic channel") != std::string::npos);
    BOOST_TEST(msg(app_aid, {h("84100000")}).find("secure messaging") != std::string::npos);
    BOOST_TEST(msg(app_aid, {h("FF100000")}).find("basic channel") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(payload_codec_round_trips_and_rejects_damage) {
    const auto r = request_of(app_aid, {put_secret(0), h("00A4040000")});
    const bytes p = encode_secure_transceive_request(r);
    auto back = decode_secure_transceive_request(p);
    BOOST_REQUIRE(back);
    BOOST_TEST(back->application == app_aid);
    BOOST_TEST(back->commands == r.commands);
    BOOST_TEST(!decode_secure_transceive_request(p + "x"));
    BOOST_TEST(!decode_secure_transceive_request(p.substr(0, p.size() - 1)));
    BOOST_TEST(!decode_secure_transceive_request(""));
    BOOST_TEST(!decode_secure_transceive_request(encode_secure_transceive_request(request_of(app_aid, {}))));
}

BOOST_AUTO_TEST_CASE(mapping_seals_the_payload_to_its_session) {
    const std::vector<bytes> commands{put_secret(0)};
    auto op = secure_transceive::to_secure_transceive_operation("d0d1d2d3d4d50101", commands, vault(), "s-1");
    BOOST_REQUIRE(op);
    BOOST_TEST(op->kind == std::string(kinds::secure_transceive));
    BOOST_TEST(op->payload.find(secret_data.substr(0, 8)) == bytes::npos);
    BOOST_TEST(!vault().open(op->payload, secure_transceive_payload_context("s-2")));
    auto plain = vault().open(op->payload, secure_transceive_payload_context("s-1"));
    BOOST_REQUIRE(plain);
    auto req = decode_secure_transceive_request(*plain);
    BOOST_REQUIRE(req);
    BOOST_TEST(req->application == app_aid);
    BOOST_TEST(req->commands == commands);

    auto recipe =
        secure_transceive::to_secure_transceive_operation_sealed_under("D0D1D2D3D4D50101", commands, vault(),
                                                                       recipe_payload_context("app", "svc"));
    BOOST_REQUIRE(recipe);
    BOOST_TEST(vault().open(recipe->payload, recipe_payload_context("app", "svc")).has_value());
    BOOST_TEST(!vault().open(recipe->payload, secure_transceive_payload_context("s-1")));
}

BOOST_AUTO_TEST_CASE(mapping_errors_are_bad_requests_naming_the_field) {
    auto message = [](std::string_view application, std::vector<bytes> commands) {
        auto op = secure_transceive::to_secure_transceive_operation(application, commands, vault(), "s");
        BOOST_REQUIRE(!op);
        BOOST_TEST((op.error().code == api_errc::bad_request));
        return op.error().message;
    };
    BOOST_TEST(message("", {put_secret(0)}) == "application is required, in hex");
    BOOST_TEST(message("zz", {put_secret(0)}) == "application must be hex");
    BOOST_TEST(message("D0D1D2D3D4D50101", {}) == "commands must not be empty");
    BOOST_TEST(message("D0D1D2D3D4D50101", {h("0102")}).find("commands[0]") == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
