// tsm-touchpoint: the reference touch point. See touchpoint_usage() for the interface.
#include "touchpoint/card_error.hpp"
#include "touchpoint/card_identification.hpp"
#include "touchpoint/fidesmo_http_client.hpp"
#include "touchpoint/fidesmo_long_poll_driver.hpp"
#include "touchpoint/fidesmo_ws_driver.hpp"
#include "touchpoint/pcsc_card.hpp"
#include "touchpoint/sim_card.hpp"
#include "touchpoint/touchpoint_driver.hpp"
#include "touchpoint/touchpoint_options.hpp"
#include "touchpoint/virtual_card.hpp"
#include "touchpoint/ws_channel.hpp"

#include "tsm/core/hex.hpp"

#include <iostream>
#include <memory>

namespace {

using namespace tsm::tools::touchpoint;

int run_fidesmo_ws(const touchpoint_options& opts, card& the_card) {
    const card_identity id = identify_card(the_card);
    const std::string cin = id.cin.empty() ? opts.cin_hex : tsm::core::to_hex(id.cin);
    std::string error;
    auto url = fidesmo_ws_url(opts, cin, error);
    if (!url) {
        std::cerr << "tsm-touchpoint: " << error << "\n";
        return exit_usage;
    }
    std::cout << "card: CIN " << cin << "\n" << std::flush;
    ws_channel_options ws_opts;
    ws_opts.headers = fidesmo_client_headers();
    channel_factory connect = [u = *url, ws_opts](std::string& e) { return connect_ws(u, ws_opts, e); };
    fidesmo_ws_driver driver(opts, the_card, std::move(connect), std::cout, std::cerr);
    return driver.run();
}

int run_protocol(const touchpoint_options& opts, card& the_card) {
    if (opts.protocol == "fidesmo") {
        std::string error;
        auto http = fidesmo_http_client::make(opts.url, error);
        if (!http) {
            std::cerr << "tsm-touchpoint: " << error << "\n";
            return exit_usage;
        }
        fidesmo_long_poll_driver driver(opts, the_card, std::move(*http), std::cout, std::cerr);
        driver.set_terminal(&std::cin);
        return driver.run();
    }
    if (opts.protocol == "fidesmo-ws") {
        return run_fidesmo_ws(opts, the_card);
    }
    std::string url = opts.url;
    channel_factory connect = [url](std::string& error) {
        return connect_ws(url, ws_channel_options{}, error);
    };
    touchpoint_driver driver(opts, the_card, std::move(connect), std::cout, std::cerr);
    driver.set_terminal(&std::cin);
    return driver.run();
}

} // namespace

int main(int argc, char** argv) {
    auto parsed = parse_touchpoint_args(std::vector<std::string>(argv + 1, argv + argc));
    if (parsed.help) {
        std::cout << touchpoint_usage();
        return exit_ok;
    }
    if (!parsed.options) {
        std::cerr << "tsm-touchpoint: " << parsed.error << "\n(try tsm-touchpoint --help)\n";
        return exit_usage;
    }
    auto opts = *parsed.options;
    try {
        // Every card reports the same IIN/CIN that the deliver request announces.
        std::unique_ptr<card> card_impl;
        if (opts.card_kind == "pcsc") {
            std::string error;
            // Without --reader, a Fidesmo client looks for the one reader holding a Fidesmo card.
            auto reader_card = opts.protocol != "v1" && opts.reader.empty()
                                   ? pcsc_card::open_fidesmo_card(std::cerr, error)
                                   : pcsc_card::open(opts.reader, std::cerr, error);
            if (!reader_card) {
                std::cerr << "tsm-touchpoint: " << error << "\n";
                return exit_connection;
            }
            std::cout << "card: reader \"" << reader_card->reader_name() << "\" (" << reader_card->protocol()
                      << ")\n";
            // The Fidesmo dialects identify the card themselves (and take the IIN from the server).
            if (opts.protocol == "v1" && (!opts.iin_given || !opts.cin_given)) {
                std::string iin, cin;
                if (!read_card_identity(*reader_card, iin, cin, error)) {
                    std::cerr << "tsm-touchpoint: " << error << "\n";
                    return exit_failed;
                }
                if (!opts.iin_given) {
                    opts.iin_hex = iin;
                }
                if (!opts.cin_given) {
                    opts.cin_hex = cin;
                }
                std::cout << "card: IIN " << opts.iin_hex << " CIN " << opts.cin_hex << "\n";
            }
            std::cout << std::flush;
            card_impl = std::move(reader_card);
        } else if (opts.card_kind == "sim") {
            card_impl = std::make_unique<sim_card>(*tsm::core::from_hex(opts.iin_hex),
                                                   *tsm::core::from_hex(opts.cin_hex));
        } else {
            std::string error;
            auto config = virtual_card_config(opts, error);
            if (!config) {
                std::cerr << "tsm-touchpoint: " << error << "\n";
                return exit_usage;
            }
            card_impl = std::make_unique<virtual_card>(std::move(*config));
        }
        return run_protocol(opts, *card_impl);
    } catch (const card_lost_error& e) {
        // Lost before a session existed (while identifying the card): nothing to tell a server.
        std::cerr << "tsm-touchpoint: card lost: " << e.what() << "\n";
        return exit_connection;
    }
}
