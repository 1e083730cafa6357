#include "tsm/core/gp/initialize_update.hpp"

namespace tsm::core::gp {

result<tsm::core::bytes> initialize_update_command(std::uint8_t kvn, std::string_view host_challenge) {
    if (host_challenge.size() != 8 && host_challenge.size() != 16) {
        return errc::bad_length;
    }
    tsm::core::bytes out{'\x80', '\x50', static_cast<char>(kvn), '\0'};
    out.push_back(static_cast<char>(host_challenge.size()));
    out.append(host_challenge);
    out.push_back('\0');
    return out;
}

} // namespace tsm::core::gp
