#pragma once
/// A touch point holding a sandbox card, for the integration tests that run card operations
/// (CCM, DESFire) end to end: it answers tsmd's commands frames with the card's responses.
#include "fake_sp.hpp"
#include "net_clients.hpp"

#include "tsm/sandbox/secure_element.hpp"

#include <boost/json/object.hpp>

#include <string>
#include <vector>

namespace tsm::test {

/// The reference touch point's rule for stopOnError batches: 9000 or 61xx go on.
bool sw_ok(const std::string& r);

struct card_touch_point {
    ws_client& ws;
    tsm::sandbox::secure_element& card;
    std::vector<std::string> frames_seen; ///< every commands frame received, as text

    /// Answers commands frames until the SP has the callback of `op` (bounded: 40 polls of up
    /// to 5 s); returns the round trips it took.
    int run_until_done(fake_sp& sp, const std::string& op);
    /// Runs one commands frame on the card and sends the responses frame.
    void answer(const boost::json::object& f);
};

} // namespace tsm::test
