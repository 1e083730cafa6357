#pragma once
/// A secure element as the touch point sees it: one C-APDU in, one R-APDU (data + SW1SW2) out,
/// both binary. Implementations: sim_card (built in); a PC/SC reader would be another.
/// Used from one thread at a time; calls are synchronous and executed in order.
#include <string>
#include <string_view>

namespace tsm::tools::touchpoint {

class card {
public:
    virtual ~card() = default;
    /// Executes `apdu` and returns the response including the two status-word bytes.
    virtual std::string transceive(std::string_view apdu) = 0;
};

} // namespace tsm::tools::touchpoint
