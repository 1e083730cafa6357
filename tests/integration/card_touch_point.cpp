#include "card_touch_point.hpp"

#include "tsm_env.hpp"

#include "tsm/core/hex.hpp"

#include <boost/json/serialize.hpp>

#include <chrono>

namespace tsm::test {

bool sw_ok(const std::string& r) {
    if (r.size() < 2) {
        return false;
    }
    const auto sw1 = static_cast<unsigned char>(r[r.size() - 2]);
    const auto sw2 = static_cast<unsigned char>(r[r.size() - 1]);
    return (sw1 == 0x90 && sw2 == 0x00) || sw1 == 0x61;
}

int card_touch_point::run_until_done(fake_sp& sp, const std::string& op) {
    int rounds = 0;
    for (int guard = 0; guard < 40; ++guard) {
        if (sp.wait_callback(op, std::chrono::milliseconds(50))) {
            return rounds;
        }
        auto f = ws.read_type("commands", std::chrono::seconds(5));
        if (!f) {
            continue;
        }
        frames_seen.push_back(boost::json::serialize(*f));
        ++rounds;
        answer(*f);
    }
    return rounds;
}

void card_touch_point::answer(const boost::json::object& f) {
    const bool stop_on_error = f.at("stopOnError").as_bool();
    boost::json::array responses;
    for (const auto& c : f.at("commands").as_array()) {
        const std::string r = card.transceive(*core::from_hex(str(c)));
        responses.emplace_back(core::to_hex(r));
        if (stop_on_error && !sw_ok(r)) {
            break;
        }
    }
    ws.send_json(
        boost::json::object{{"type", "responses"}, {"batch", f.at("batch")}, {"responses", responses}});
}

} // namespace tsm::test
