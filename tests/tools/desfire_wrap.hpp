#pragma once
/// ISO wrapping of a native DESFire command: 90 INS 00 00 [Lc data] 00.
#include "tsm/core/hex.hpp"

#include <string_view>

namespace tsm::test {

inline core::bytes wrap(std::string_view native) {
    core::bytes out{'\x90', native[0], '\0', '\0'};
    if (native.size() > 1) {
        out.push_back(static_cast<char>(native.size() - 1));
        out.append(native.substr(1));
    }
    out.push_back('\0');
    return out;
}

} // namespace tsm::test
