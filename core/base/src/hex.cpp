#include "tsm/core/hex.hpp"

namespace tsm::core {
namespace {

constexpr char digits[] = "0123456789ABCDEF";

int nibble(char c) noexcept {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

} // namespace

void append_hex(std::string& out, std::string_view data) {
    const std::size_t base = out.size();
    out.resize(base + data.size() * 2);
    char* p = out.data() + base;
    for (unsigned char b : data) {
        *p++ = digits[b >> 4];
        *p++ = digits[b & 0x0F];
    }
}

std::string to_hex(std::string_view data) {
    std::string out;
    append_hex(out, data);
    return out;
}

std::optional<bytes> from_hex(std::string_view hex) {
    if (hex.size() % 2 != 0) {
        return std::nullopt;
    }
    bytes out(hex.size() / 2, '\0');
    for (std::size_t i = 0; i < out.size(); ++i) {
        const int hi = nibble(hex[2 * i]);
        const int lo = nibble(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return std::nullopt;
        }
        out[i] = static_cast<char>((hi << 4) | lo);
    }
    return out;
}

bool is_hex(std::string_view hex) noexcept {
    if (hex.empty() || hex.size() % 2 != 0) {
        return false;
    }
    for (char c : hex) {
        if (nibble(c) < 0) {
            return false;
        }
    }
    return true;
}

} // namespace tsm::core
