// tsm-touchpoint: the reference touch point. See touchpoint_usage() for the interface.
#include "touchpoint/pcsc_card.hpp"
#include "touchpoint/sim_card.hpp"
#include "touchpoint/touchpoint_driver.hpp"
#include "touchpoint/touchpoint_options.hpp"
#include "touchpoint/virtual_card.hpp"
#include "touchpoint/ws_channel.hpp"

#include "tsm/core/hex.hpp"

#include <iostream>
#include <memory>

int main(int argc, char** argv) {
    using namespace tsm::tools::touchpoint;
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
    // Every card reports the same IIN/CIN that the deliver request announces.
    std::unique_ptr<card> card_impl;
    if (opts.card_kind == "pcsc") {
        std::string error;
        auto reader_card = pcsc_card::open(opts.reader, std::cerr, error);
        if (!reader_card) {
            std::cerr << "tsm-touchpoint: " << error << "\n";
            return exit_connection;
        }
        std::cout << "card: reader \"" << reader_card->reader_name() << "\" (" << reader_card->protocol()
                  << ")\n";
        if (!opts.iin_given || !opts.cin_given) {
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
        }
        std::cout << "card: IIN " << opts.iin_hex << " CIN " << opts.cin_hex << "\n" << std::flush;
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
    card& the_card = *card_impl;
    std::string url = opts.url;
    channel_factory connect = [url](std::string& error) {
        return connect_ws(url, ws_channel_options{}, error);
    };
    touchpoint_driver driver(opts, the_card, std::move(connect), std::cout, std::cerr);
    return driver.run();
}
