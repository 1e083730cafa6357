// tsm-touchpoint speaking the Fidesmo client dialects (long poll and WebSocket) end to end
// against the real tsmd and the fake SP, as fdsm would: the device from the registry, the
// transceive flow with a failing command mid-batch (every command still runs), and card
// removal (through pcscd) failing the running operation.
#include "pcsc_reader.hpp"
#include "tsm_env.hpp"

#include "child_process.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <iterator>
#include <thread>

using namespace tsm::test;

namespace {

const std::string cin = "0E48800471400A";

// The sandbox card as a keyless device record: enough for transceive-only services.
void register_device(const tsm_env& env) {
    auto r = http_call(env.tsmd->admin_port(), "PUT", "/admin/v1/cards/" + cin, {},
                       R"({"iin":"8A2C10","platformVersion":2,"batchId":1})");
    BOOST_REQUIRE_MESSAGE(r.status == 200, "device registration: " << r.status << " " << r.body);
}

std::vector<std::string> fidesmo_args(const tsm_env& env, const std::string& protocol,
                                      std::vector<std::string> extra = {}) {
    std::vector<std::string> a{TSM_TOUCHPOINT_BIN,
                               "--protocol",
                               protocol,
                               "--url",
                               (protocol == "fidesmo" ? "http://" : "ws://") + env.tsmd->address() + "/v3/",
                               "--app",
                               app_id,
                               "--service",
                               "demo",
                               "--field",
                               "pin=1234",
                               "--fetch-retry-ms",
                               "60000",
                               "--max-reconnects",
                               "0"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
}

// The SP's side of one transceive service: the delivery request names the registered
// device, one operation whose second command fails (6D00) while the card runs the third as
// well, then success. The touch point must exit 0.
void run_transceive_service(tsm_env& env, child_process& tp) {
    auto delivery = env.sp.wait_delivery(std::chrono::seconds(20));
    BOOST_REQUIRE_MESSAGE(delivery, "no delivery request; touch point: " << tp.log());
    const auto& card = (*delivery)["cardId"].as_object();
    BOOST_CHECK_EQUAL(str(card.at("cin")), cin);
    BOOST_CHECK_EQUAL(str(card.at("iin")), "8A2C10");
    BOOST_CHECK_EQUAL(card.at("platformVersion").as_int64(), 2);
    BOOST_CHECK_EQUAL(str((*delivery)["fields"].as_object()["pin"]), "1234");
    const std::string sid = str((*delivery)["sessionId"]);

    std::string op = env.transceive_ok(sid, {"00A4040000", "00B0000010", "80CA004500"});
    auto cb = env.sp.wait_callback(op, std::chrono::seconds(30));
    BOOST_REQUIRE_MESSAGE(cb, "no callback; touch point: " << tp.log());
    BOOST_CHECK_EQUAL((*cb)["statusCode"].as_int64(), 200);
    const auto& responses = (*cb)["responses"].as_array();
    BOOST_REQUIRE_EQUAL(responses.size(), 3u); // no stopOnError: all three ran
    BOOST_CHECK(str(responses[0]).ends_with("9000"));
    BOOST_CHECK_EQUAL(str(responses[1]), "6D00");
    BOOST_CHECK_EQUAL(str(responses[2]), "45070E48800471400A9000");

    BOOST_CHECK_EQUAL(env.complete(sid, true, "Installed").status, 200);
    auto code = tp.wait_exit(std::chrono::seconds(60));
    BOOST_REQUIRE_MESSAGE(code, "tsm-touchpoint did not exit: " << tp.log());
    BOOST_CHECK_MESSAGE(*code == 0, "exit " << *code << ": " << tp.log());
    BOOST_CHECK_MESSAGE(tp.log().find("success=true") != std::string::npos, tp.log());
}

const std::string test_key = "404142434445464748494A4B4C4D4E4F";

std::string read_cap(const std::string& name) {
    std::ifstream in(std::string(TSM_TEST_DATA_DIR) + "/cap/" + name, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string post_op(tsm_env& env, const std::string& session, const std::string& path,
                    const std::string& body) {
    auto r =
        http_call(env.tsmd->port(), "POST", path, env.sp_headers(session, env.callback_url(session)), body);
    BOOST_REQUIRE_MESSAGE(r.status == 200, path << " -> " << r.status << " " << r.body);
    return str(r.json().as_object()["operationId"]);
}

// CCM through a Fidesmo dialect, whose touch point runs every command of a batch: an install
// with its load, a STORE DATA that crosses the touch point only encrypted, and a failing
// INSTALL reported by command and SW. The card is the touch point's own virtual card (GP test
// keys, which the device record holds too); --trace-apdu shows every APDU it saw.
void run_ccm_service(const std::string& protocol) {
    tsm_env env;
    auto put =
        http_call(env.tsmd->admin_port(), "PUT", "/admin/v1/cards/" + cin, {},
                  R"({"iin":"8A2C10","platformVersion":2,"batchId":1,"isd":"A000000151000000","scp":"03",)"
                  R"("kvn":48,"enc":")"
                      + test_key + R"(","mac":")" + test_key + R"(","dek":")" + test_key + R"("})");
    BOOST_REQUIRE_MESSAGE(put.status == 200, "device registration: " << put.status << " " << put.body);
    auto up = http_call(env.tsmd->port(), "POST", "/v3/apps/" + app_id + "/capfiles",
                        {{"app_id", app_id}, {"app_key", app_key}}, read_cap("kaoh-helloworld.cap"));
    BOOST_REQUIRE_EQUAL(up.status, 200);
    child_process tp(fidesmo_args(env, protocol, {"--trace-apdu"}), env.dir.path() + "/touchpoint.log");
    auto delivery = env.sp.wait_delivery(std::chrono::seconds(20));
    BOOST_REQUIRE_MESSAGE(delivery, "no delivery request; touch point: " << tp.log());
    const std::string sid = str((*delivery)["sessionId"]);

    std::string install =
        post_op(env, sid, "/ccm/install",
                R"({"executableLoadFile":"D0D1D2D3D4D501","executableModule":"D0D1D2D3D4D50101",)"
                R"("application":"D0D1D2D3D4D5010101","parameters":"","privileges":"00"})");
    auto icb = env.sp.wait_callback(install, std::chrono::seconds(60));
    BOOST_REQUIRE_MESSAGE(icb, "no install callback; touch point: " << tp.log());
    BOOST_CHECK_MESSAGE((*icb)["statusCode"].as_int64() == 200, boost::json::serialize(*icb));
    std::string sel = env.transceive_ok(sid, {"00A4040009D0D1D2D3D4D501010100"});
    auto scb = env.sp.wait_callback(sel, std::chrono::seconds(30));
    BOOST_REQUIRE(scb);
    BOOST_CHECK_EQUAL(str((*scb)["responses"].as_array()[0]), "9000"); // the new instance answers

    const std::string secret = "0101104A4F484E20534D49544820534543524554";
    std::string store =
        post_op(env, sid, "/ccm/storedata",
                R"({"application":"D0D1D2D3D4D5010101","tagType":"DGI","data":")" + secret + R"("})");
    auto dcb = env.sp.wait_callback(store, std::chrono::seconds(30));
    BOOST_REQUIRE(dcb);
    BOOST_CHECK_MESSAGE((*dcb)["statusCode"].as_int64() == 200, boost::json::serialize(*dcb));

    // No load file of that AID: INSTALL [for install] fails with 6A88, reported as such although
    // the touch point ran the commands after it too.
    std::string bad =
        post_op(env, sid, "/ccm/install",
                R"({"executableLoadFile":"A0000006170001","executableModule":"A000000617000101",)"
                R"("application":"A00000061700010101"})");
    auto bcb = env.sp.wait_callback(bad, std::chrono::seconds(30));
    BOOST_REQUIRE(bcb);
    auto& e = (*bcb)["error"].as_object();
    BOOST_CHECK_EQUAL(str(e["code"]), "card-error");
    BOOST_CHECK_EQUAL(str(e["command"]), "INSTALL [for install]");
    BOOST_CHECK_EQUAL(str(e["sw"]), "6A88");

    BOOST_CHECK_EQUAL(env.complete(sid, true, "Installed").status, 200);
    auto code = tp.wait_exit(std::chrono::seconds(60));
    BOOST_REQUIRE_MESSAGE(code, "tsm-touchpoint did not exit: " << tp.log());
    BOOST_CHECK_MESSAGE(*code == 0, "exit " << *code << ": " << tp.log());
    const std::string trace = tp.log();
    BOOST_CHECK(trace.find("> 84E2") != std::string::npos
                || trace.find("> 84e2") != std::string::npos); // STORE DATA, secured
    BOOST_CHECK_MESSAGE(trace.find(secret) == std::string::npos, "plaintext seen at the touch point");
    BOOST_CHECK(trace.find(secret.substr(8, 16)) == std::string::npos);
}

} // namespace

BOOST_AUTO_TEST_SUITE(fidesmo_touchpoint)

BOOST_AUTO_TEST_CASE(long_poll_ccm_install_storedata_and_card_error) {
    run_ccm_service("fidesmo");
}

BOOST_AUTO_TEST_CASE(websocket_ccm_install_storedata_and_card_error) {
    run_ccm_service("fidesmo-ws");
}

BOOST_AUTO_TEST_CASE(long_poll_transceive_service_end_to_end) {
    tsm_env env;
    register_device(env);
    child_process tp(fidesmo_args(env, "fidesmo"), env.dir.path() + "/touchpoint.log");
    run_transceive_service(env, tp);
    BOOST_CHECK(tp.log().find("device: IIN 8A2C10 platformVersion 2") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(websocket_transceive_service_end_to_end) {
    tsm_env env;
    register_device(env);
    child_process tp(fidesmo_args(env, "fidesmo-ws"), env.dir.path() + "/touchpoint.log");
    run_transceive_service(env, tp);
}

// A slow SP: the fetch is held for the hold time and answered 503, which the touch point
// retries at once (fdsm does so for 15 minutes); the delivery then goes through.
BOOST_AUTO_TEST_CASE(long_poll_slow_sp_is_held_then_delivered) {
    tsm_env env(2, "[fidesmo]\nfetch_hold_ms = 200\n");
    register_device(env);
    child_process tp(fidesmo_args(env, "fidesmo"), env.dir.path() + "/touchpoint.log");
    auto delivery = env.sp.wait_delivery(std::chrono::seconds(20));
    BOOST_REQUIRE_MESSAGE(delivery, "no delivery request; touch point: " << tp.log());
    // Several hold times pass before the SP has anything for the card.
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    BOOST_CHECK(tp.running());
    const std::string sid = str((*delivery)["sessionId"]);
    std::string op = env.transceive_ok(sid, {"80CA004500"});
    auto cb = env.sp.wait_callback(op, std::chrono::seconds(30));
    BOOST_REQUIRE_MESSAGE(cb, "no callback; touch point: " << tp.log());
    BOOST_CHECK_EQUAL(str((*cb)["responses"].as_array()[0]), "45070E48800471400A9000");
    BOOST_CHECK_EQUAL(env.complete(sid, true, "Done").status, 200);
    auto code = tp.wait_exit(std::chrono::seconds(30));
    BOOST_REQUIRE_MESSAGE(code, "tsm-touchpoint did not exit: " << tp.log());
    BOOST_CHECK_MESSAGE(*code == 0, "exit " << *code << ": " << tp.log());
}

BOOST_AUTO_TEST_CASE(long_poll_unknown_device_is_a_clear_failure) {
    tsm_env env; // no device record for the card's CIN
    child_process tp(fidesmo_args(env, "fidesmo"), env.dir.path() + "/touchpoint.log");
    auto code = tp.wait_exit(std::chrono::seconds(30));
    BOOST_REQUIRE_MESSAGE(code, "tsm-touchpoint did not exit: " << tp.log());
    BOOST_CHECK_EQUAL(*code, 1);
    BOOST_CHECK_MESSAGE(tp.log().find("GET devices/" + cin + "?batchId=1: the server answered 404")
                            != std::string::npos,
                        tp.log());
    BOOST_CHECK_EQUAL(env.sp.delivery_count(), 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(fidesmo_touchpoint_pcsc, *boost::unit_test::precondition(pcsc_installed()))

// Identification through PC/SC: FF CA (UID), SELECT ISD, CPLC, CIN, the platform applet, then
// the empty SELECT before devices/{cin}: six APDUs. The operation's first command is
// answered, then the card is pulled: service/error fails the session as CLIENT_ERROR.
BOOST_AUTO_TEST_CASE(long_poll_card_removed_mid_operation_reports_service_error) {
    tsm_env env;
    register_device(env);
    virtual_reader vr(env.dir.path(), {"--remove-after", "7"});
    child_process tp(fidesmo_args(env, "fidesmo", {"--card", "pcsc", "--reader", "Virtual PCD 00 00"}),
                     env.dir.path() + "/touchpoint.log");
    auto delivery = env.sp.wait_delivery(std::chrono::seconds(20));
    BOOST_REQUIRE_MESSAGE(delivery, "no delivery request; touch point: " << tp.log());
    const std::string sid = str((*delivery)["sessionId"]);
    std::string op = env.transceive_ok(sid, {"00A4040000", "80CA004500", "80CA9F7F00"});
    auto cb = env.sp.wait_callback(op, std::chrono::seconds(30));
    BOOST_REQUIRE_MESSAGE(cb, "no callback; touch point: " << tp.log());
    BOOST_CHECK_EQUAL((*cb)["statusCode"].as_int64(), 500);
    BOOST_CHECK_EQUAL(str((*cb)["error"].as_object()["code"]), "client-error");
    BOOST_CHECK_MESSAGE(str((*cb)["error"].as_object()["message"]).find("Virtual PCD 00 00")
                            != std::string::npos,
                        boost::json::serialize(*cb));
    auto code = tp.wait_exit(std::chrono::seconds(30));
    BOOST_REQUIRE_MESSAGE(code, "tsm-touchpoint did not exit: " << tp.log());
    BOOST_CHECK_EQUAL(*code, 3);
}

BOOST_AUTO_TEST_CASE(websocket_card_removed_mid_operation_reports_client_error) {
    tsm_env env;
    register_device(env);
    // fidesmo-ws identifies the card without the empty SELECT: five APDUs.
    virtual_reader vr(env.dir.path(), {"--remove-after", "6"});
    child_process tp(fidesmo_args(env, "fidesmo-ws", {"--card", "pcsc", "--reader", "Virtual PCD 00 00"}),
                     env.dir.path() + "/touchpoint.log");
    auto delivery = env.sp.wait_delivery(std::chrono::seconds(20));
    BOOST_REQUIRE_MESSAGE(delivery, "no delivery request; touch point: " << tp.log());
    const std::string sid = str((*delivery)["sessionId"]);
    std::string op = env.transceive_ok(sid, {"00A4040000", "80CA004500", "80CA9F7F00"});
    auto cb = env.sp.wait_callback(op, std::chrono::seconds(30));
    BOOST_REQUIRE_MESSAGE(cb, "no callback; touch point: " << tp.log());
    BOOST_CHECK_EQUAL((*cb)["statusCode"].as_int64(), 500);
    BOOST_CHECK_EQUAL(str((*cb)["error"].as_object()["code"]), "client-error");
    auto code = tp.wait_exit(std::chrono::seconds(30));
    BOOST_REQUIRE_MESSAGE(code, "tsm-touchpoint did not exit: " << tp.log());
    BOOST_CHECK_EQUAL(*code, 3);
}

BOOST_AUTO_TEST_SUITE_END()
