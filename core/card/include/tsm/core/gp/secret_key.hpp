#pragma once
/// A symmetric key (AES or DES) held in fixed inline storage that is wiped on destruction,
/// so copies never leave key bytes behind on the heap. Value type; not thread-safe.
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tsm::core::gp {

class secret_key {
public:
    static constexpr std::size_t max_size = 32; ///< AES-256

    secret_key() = default;
    secret_key(const secret_key& other) = default;
    secret_key& operator=(const secret_key& other) = default;
    secret_key(secret_key&& other) noexcept;
    secret_key& operator=(secret_key&& other) noexcept;
    ~secret_key();

    /// Copies raw key bytes; nullopt when empty or longer than max_size.
    static std::optional<secret_key> from_bytes(std::string_view raw);
    /// Decodes hex key material; nullopt on bad hex or length.
    static std::optional<secret_key> from_hex(std::string_view hex);

    std::string_view view() const noexcept { return {reinterpret_cast<const char*>(buf_.data()), size_}; }
    const unsigned char* data() const noexcept { return buf_.data(); }
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }

    /// Clears the key bytes and makes the key empty.
    void wipe() noexcept;

private:
    std::array<unsigned char, max_size> buf_{};
    std::size_t size_ = 0;
};

/// Wipes a temporary buffer that held key material (whole capacity, then clears it).
void wipe(std::string& buffer) noexcept;

} // namespace tsm::core::gp
