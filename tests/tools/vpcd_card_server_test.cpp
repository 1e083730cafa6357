// tsm-vpcd-card's server against an in-test reader that speaks vpcd's framing on 127.0.0.1
// port 0: the controls, C-APDUs answered by the sandbox card, and the removal after N APDUs.
#include "hex_literal.hpp"
#include "vpcd_card_server.hpp"

#include "tsm/core/hex.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/test/unit_test.hpp>

#include <future>
#include <sstream>

namespace net = boost::asio;
using tcp = net::ip::tcp;
using tsm::core::to_hex;
using tsm::test::h;
using namespace tsm::tools::vpcd;

namespace {

// The reader side: accepts the card's connection and exchanges framed messages.
struct reader {
    net::io_context ioc;
    tcp::acceptor acceptor{ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)};
    tcp::socket socket{ioc};

    unsigned short port() const { return acceptor.local_endpoint().port(); }
    void accept() { acceptor.accept(socket); }
    void send(std::string_view payload) {
        const char header[2] = {static_cast<char>(payload.size() >> 8),
                                static_cast<char>(payload.size() & 0xFF)};
        net::write(socket, net::buffer(header, 2));
        net::write(socket, net::buffer(payload.data(), payload.size()));
    }
    // The next message, or nullopt when the card closed the connection.
    std::optional<std::string> receive() {
        unsigned char header[2];
        boost::system::error_code ec;
        net::read(socket, net::buffer(header, 2), ec);
        if (ec) {
            return std::nullopt;
        }
        std::string payload(static_cast<std::size_t>(header[0]) << 8 | header[1], '\0');
        net::read(socket, net::buffer(payload.data(), payload.size()), ec);
        return ec ? std::nullopt : std::optional<std::string>(payload);
    }
};

} // namespace

BOOST_AUTO_TEST_SUITE(vpcd_card_server)

BOOST_AUTO_TEST_CASE(answers_controls_and_apdus_until_the_reader_closes) {
    reader r;
    tsm::sandbox::secure_element card;
    vpcd_card_options opts;
    opts.port = r.port();
    std::ostringstream log;
    auto served = std::async(std::launch::async, [&] { return serve_vpcd(card, opts, log); });
    r.accept();
    r.send(std::string(1, '\x01')); // power on: no reply
    r.send(std::string(1, '\x04')); // get ATR
    auto atr = r.receive();
    BOOST_REQUIRE(atr);
    BOOST_CHECK_EQUAL(to_hex(*atr), to_hex(opts.atr));
    r.send(h("80CA004500"));
    auto cin = r.receive();
    BOOST_REQUIRE(cin);
    BOOST_CHECK_EQUAL(to_hex(*cin), "45070E48800471400A9000");
    r.send(h("FFCA000000"));
    auto uid = r.receive();
    BOOST_REQUIRE(uid);
    BOOST_CHECK_EQUAL(to_hex(*uid), "045A3D72212C809000");
    r.socket.close();
    BOOST_REQUIRE(served.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    auto result = served.get();
    BOOST_CHECK(result.connected);
    BOOST_CHECK(!result.removed);
    BOOST_CHECK_EQUAL(result.apdus, 2u);
    BOOST_CHECK_EQUAL(result.error, "the reader closed the connection");
    BOOST_CHECK(log.str().find("power on") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(removal_after_n_apdus_closes_without_answering) {
    reader r;
    tsm::sandbox::secure_element card;
    vpcd_card_options opts;
    opts.port = r.port();
    opts.remove_after = 1;
    std::ostringstream log;
    auto served = std::async(std::launch::async, [&] { return serve_vpcd(card, opts, log); });
    r.accept();
    r.send(h("00A4040000"));
    auto fci = r.receive();
    BOOST_REQUIRE(fci);
    BOOST_CHECK(to_hex(*fci).ends_with("9000"));
    r.send(h("80CA004500"));
    BOOST_CHECK(!r.receive()); // the card is gone: the connection closed, no answer
    BOOST_REQUIRE(served.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    auto result = served.get();
    BOOST_CHECK(result.removed);
    BOOST_CHECK_EQUAL(result.apdus, 1u);
    BOOST_CHECK(log.str().find("removed after 1 APDU(s)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(no_reader_is_a_clear_error_after_the_connect_timeout) {
    unsigned short port = 0;
    {
        reader closed; // a port that was just free: nobody listens any more
        port = closed.port();
    }
    tsm::sandbox::secure_element card;
    vpcd_card_options opts;
    opts.port = port;
    opts.connect_timeout = std::chrono::milliseconds(200);
    std::ostringstream log;
    auto result = serve_vpcd(card, opts, log);
    BOOST_CHECK(!result.connected);
    BOOST_CHECK_MESSAGE(result.error.find("is pcscd running with the vpcd reader?") != std::string::npos,
                        result.error);
}

BOOST_AUTO_TEST_SUITE_END()
