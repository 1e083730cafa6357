// The real PC/SC path without hardware: pcscd (started by the test, stopped by its pid) with
// the vsmartcard-vpcd reader, the sandbox card served to it by tsm-vpcd-card, and the real
// tsm-touchpoint --card pcsc delivering against the real tsmd and the fake SP.
#include "pcsc_reader.hpp"
#include "tsm_env.hpp"

#include "child_process.hpp"
#include "temp_dir.hpp"

#include <boost/test/unit_test.hpp>

using namespace tsm::test;

namespace {

std::vector<std::string> touchpoint_args(const tsm_env& env, const std::string& service) {
    return {TSM_TOUCHPOINT_BIN,
            "--card",
            "pcsc",
            "--reader",
            "Virtual PCD 00 00",
            "--url",
            "ws://" + env.tsmd->address() + "/touchpoint/v1",
            "--app",
            app_id,
            "--service",
            service,
            "--max-reconnects",
            "0"};
}

} // namespace

BOOST_AUTO_TEST_SUITE(pcsc, *boost::unit_test::precondition(pcsc_installed()))

BOOST_AUTO_TEST_CASE(v1_delivery_through_pcscd_and_vpcd) {
    tsm_env env;
    virtual_reader vr(env.dir.path());
    child_process tp(touchpoint_args(env, "demo"), env.dir.path() + "/touchpoint.log");

    auto delivery = env.sp.wait_delivery(std::chrono::seconds(20));
    BOOST_REQUIRE_MESSAGE(delivery, "no delivery request; touch point: " << tp.log());
    // The touch point read the identity from the card through PC/SC (GET DATA 42 / 45).
    BOOST_CHECK_EQUAL(str((*delivery)["cardId"].as_object()["cin"]), "0E48800471400A");
    BOOST_CHECK_EQUAL(str((*delivery)["cardId"].as_object()["iin"]), "8A2C10");
    const std::string sid = str((*delivery)["sessionId"]);

    std::string op = env.transceive_ok(sid, {"00A4040000", "80CA004500", "00A4040007D2760000850100"});
    auto cb = env.sp.wait_callback(op, std::chrono::seconds(20));
    BOOST_REQUIRE_MESSAGE(cb, "no callback; touch point: " << tp.log());
    BOOST_CHECK_EQUAL((*cb)["statusCode"].as_int64(), 200);
    const auto& responses = (*cb)["responses"].as_array();
    BOOST_REQUIRE_EQUAL(responses.size(), 3u);
    BOOST_CHECK(str(responses[0]).starts_with("6F")); // the ISD's FCI from the sandbox card
    BOOST_CHECK(str(responses[0]).ends_with("9000"));
    BOOST_CHECK_EQUAL(str(responses[1]), "45070E48800471400A9000");
    BOOST_CHECK_EQUAL(str(responses[2]), "9000"); // the DESFire emulation answers its AID

    BOOST_CHECK_EQUAL(env.complete(sid, true, "Installed").status, 200);
    auto code = tp.wait_exit(std::chrono::seconds(20));
    BOOST_REQUIRE_MESSAGE(code, "tsm-touchpoint did not exit: " << tp.log());
    BOOST_CHECK_MESSAGE(*code == 0, "exit " << *code << ": " << tp.log());
    BOOST_CHECK(tp.log().find("status: OK success=true") != std::string::npos);
    BOOST_CHECK(tp.log().find("reader \"Virtual PCD 00 00\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(card_removed_mid_operation_fails_it_with_a_clear_error) {
    tsm_env env;
    // The touch point's identification takes three APDUs (SELECT, GET DATA 42, 45); the
    // operation's first command is answered, then the card is pulled.
    virtual_reader vr(env.dir.path(), {"--remove-after", "4"});
    child_process tp(touchpoint_args(env, "demo"), env.dir.path() + "/touchpoint.log");

    auto delivery = env.sp.wait_delivery(std::chrono::seconds(20));
    BOOST_REQUIRE_MESSAGE(delivery, "no delivery request; touch point: " << tp.log());
    const std::string sid = str((*delivery)["sessionId"]);
    std::string op = env.transceive_ok(sid, {"00A4040000", "80CA004500", "80CA9F7F00"});

    auto cb = env.sp.wait_callback(op, std::chrono::seconds(20));
    BOOST_REQUIRE_MESSAGE(cb, "no callback; touch point: " << tp.log()
                                                           << " card: " << read_text_file(vr.card_log));
    BOOST_CHECK_EQUAL((*cb)["statusCode"].as_int64(), 500);
    BOOST_CHECK_EQUAL(str((*cb)["error"].as_object()["code"]), "client-error");
    const std::string message = str((*cb)["error"].as_object()["message"]);
    BOOST_CHECK_MESSAGE(message.find("card lost") != std::string::npos
                            && message.find("Virtual PCD 00 00") != std::string::npos,
                        "message: " << message);
    BOOST_CHECK(!cb->contains("responses") || (*cb)["responses"].as_array().empty());

    auto code = tp.wait_exit(std::chrono::seconds(20));
    BOOST_REQUIRE_MESSAGE(code, "tsm-touchpoint did not exit: " << tp.log());
    BOOST_CHECK_EQUAL(*code, 3);
    BOOST_CHECK_MESSAGE(tp.log().find("card lost: PC/SC") != std::string::npos
                            && tp.log().find("the card was removed or the reader lost it")
                                   != std::string::npos,
                        tp.log());
    BOOST_CHECK(wait_for_log(vr.card_log, "removed after 4 APDU(s)", std::chrono::seconds(5)));
    // The session is over for the SP.
    BOOST_CHECK_EQUAL(env.transceive(sid, {"00A4040000"}).status, 409);
}

// Without --reader a Fidesmo client picks the one reader whose card answers the Fidesmo
// applets (reference section 2.4); the identification then runs on that card. The server is
// not reached here (a refused port): the choice and the identification are what is checked.
BOOST_AUTO_TEST_CASE(fidesmo_touch_point_picks_the_reader_holding_the_fidesmo_card) {
    temp_dir dir;
    // Slot 0: a card without the Fidesmo applets; slot 1: the Fidesmo sandbox card.
    virtual_reader vr(dir.path(), {"--no-fidesmo"}, 0);
    const std::string second_log = dir.path() + "/vpcd-card-1.log";
    child_process second({TSM_VPCD_CARD_BIN, "--port", std::to_string(vr.reader->port(1)), "--batch-id",
                          "42"},
                         second_log);
    BOOST_REQUIRE_MESSAGE(wait_for_log(second_log, "power on", std::chrono::seconds(10)),
                          read_text_file(second_log));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));

    auto run = [&](const std::string& log) {
        child_process tp({TSM_TOUCHPOINT_BIN, "--protocol", "fidesmo", "--card", "pcsc", "--url",
                          "http://127.0.0.1:1/v3/", "--app", app_id, "--service", "demo", "--max-reconnects",
                          "0"},
                         dir.path() + "/" + log);
        auto code = tp.wait_exit(std::chrono::seconds(30));
        BOOST_REQUIRE_MESSAGE(code, "tsm-touchpoint did not exit: " << tp.log());
        return std::pair{*code, tp.log()};
    };
    auto [code, out] = run("tp1.log");
    BOOST_CHECK_EQUAL(code, 3); // the server is unreachable
    BOOST_CHECK_MESSAGE(out.find("card: reader \"Virtual PCD 00 01\"") != std::string::npos, out);
    BOOST_CHECK_MESSAGE(out.find("card: CIN 0E48800471400A batch 42") != std::string::npos, out);
}

BOOST_AUTO_TEST_CASE(two_fidesmo_cards_without_reader_is_a_clear_error) {
    temp_dir dir;
    virtual_reader vr(dir.path(), {}, 0);
    const std::string second_log = dir.path() + "/vpcd-card-1.log";
    child_process second({TSM_VPCD_CARD_BIN, "--port", std::to_string(vr.reader->port(1))}, second_log);
    BOOST_REQUIRE_MESSAGE(wait_for_log(second_log, "power on", std::chrono::seconds(10)),
                          read_text_file(second_log));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    child_process tp({TSM_TOUCHPOINT_BIN, "--protocol", "fidesmo", "--card", "pcsc", "--url",
                      "http://127.0.0.1:1/v3/", "--app", app_id, "--service", "demo"},
                     dir.path() + "/tp.log");
    auto code = tp.wait_exit(std::chrono::seconds(30));
    BOOST_REQUIRE_MESSAGE(code, "tsm-touchpoint did not exit: " << tp.log());
    BOOST_CHECK_EQUAL(*code, 3);
    BOOST_CHECK_MESSAGE(tp.log().find("PC/SC: several readers hold a Fidesmo card: \"Virtual PCD 00 00\", "
                                      "\"Virtual PCD 00 01\"; give --reader")
                            != std::string::npos,
                        tp.log());
}

BOOST_AUTO_TEST_SUITE_END()
