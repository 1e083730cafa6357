#include "example_sp/demo_session.hpp"

namespace tsm::tools::example_sp {

namespace {

// One transceive round trip: request, wait for its callback, and check that the card's last
// answer ends with SW 9000.
operation_outcome transceive_step(const demo_context& ctx, const std::string& session_id,
                                  const std::string& callback_url, const std::vector<std::string>& commands,
                                  std::string_view what) {
    auto out = await_operation(ctx, session_id, ctx.api.transceive(session_id, callback_url, commands), what);
    if (!out.ok) {
        return out;
    }
    if (out.responses.empty() || !out.responses.back().ends_with("9000")) {
        out.ok = false;
        out.problem = std::string(what) + ": card answered "
                      + (out.responses.empty() ? std::string("nothing") : out.responses.back());
        return out;
    }
    ctx.log.line(session_id, std::string(what) + ": SW 9000");
    return out;
}

// GET DATA 45 answers "45 LL <CIN> 9000"; show the CIN when the shape is right.
std::string cin_from(const std::string& hex) {
    if (hex.size() < 8 || !hex.starts_with("45")) {
        return hex;
    }
    return hex.substr(4, hex.size() - 8);
}

} // namespace

bool run_demo_session(const demo_context& ctx, const std::string& session_id) {
    const std::string callback_url = session_callback_url(ctx, session_id);

    bool success = false;
    std::string message;
    auto cplc = transceive_step(ctx, session_id, callback_url, {"00A4040000", "80CA9F7F00"},
                                "step 1 select ISD + CPLC");
    if (!cplc.ok) {
        message = cplc.problem;
    } else {
        auto cin = transceive_step(ctx, session_id, callback_url, {"80CA004500"}, "step 2 GET DATA CIN");
        if (!cin.ok) {
            message = cin.problem;
        } else {
            success = true;
            message = "Read the card's CPLC and CIN " + cin_from(cin.responses.back());
        }
    }
    return complete_session(ctx, session_id, success, message);
}

} // namespace tsm::tools::example_sp
