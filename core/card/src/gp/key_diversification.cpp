#include "tsm/core/gp/key_diversification.hpp"

#include "tsm/core/gp/crypto.hpp"

namespace tsm::core::gp {
namespace {

// Both 3DES templates: 6 KDD bytes, F0 k, the same 6 bytes, 0F k.
bytes des_template(std::string_view six, key_purpose purpose) {
    const auto k = static_cast<char>(purpose);
    bytes data(six);
    data.push_back('\xF0');
    data.push_back(k);
    data.append(six);
    data.push_back('\x0F');
    data.push_back(k);
    return data;
}

result<secret_key> to_key(result<bytes> raw) {
    if (!raw) {
        return raw.error();
    }
    auto k = secret_key::from_bytes(*raw);
    wipe(*raw);
    if (!k) {
        return errc::crypto_failure;
    }
    return std::move(*k);
}

result<secret_key> kdf3(const secret_key& master, key_purpose purpose, std::string_view kdd) {
    if (master.size() != 16 && master.size() != 24 && master.size() != 32) {
        return errc::bad_key_length;
    }
    bytes input{'\0', '\0', '\0', '\0', static_cast<char>(purpose), '\0'};
    input.append(kdd);
    bytes out;
    for (char i = 1; out.size() < master.size(); ++i) {
        input[0] = i;
        auto block = aes_cmac(master, input);
        if (!block) {
            wipe(out);
            return block.error();
        }
        out.append(*block);
        wipe(*block);
    }
    out.resize(master.size());
    return to_key(std::move(out));
}

} // namespace

result<secret_key> diversify_key(const secret_key& master, diversification method, key_purpose purpose,
                                 std::string_view kdd) {
    if (kdd.size() != 10) {
        return errc::bad_length;
    }
    switch (method) {
    case diversification::none: return master;
    case diversification::kdf3: return kdf3(master, purpose, kdd);
    case diversification::emv:
    case diversification::visa2: {
        if (master.size() != 16) {
            return errc::bad_key_length;
        }
        bytes six = method == diversification::emv ? bytes(kdd.substr(4, 6))
                                                   : bytes(kdd.substr(0, 2)) + bytes(kdd.substr(4, 4));
        return to_key(des3_ecb_encrypt(master, des_template(six, purpose)));
    }
    }
    return errc::unsupported;
}

result<static_keys> diversify_keys(const secret_key& master, diversification method, std::string_view kdd) {
    auto enc = diversify_key(master, method, key_purpose::enc, kdd);
    if (!enc) {
        return enc.error();
    }
    auto mac = diversify_key(master, method, key_purpose::mac, kdd);
    if (!mac) {
        return mac.error();
    }
    auto dek = diversify_key(master, method, key_purpose::dek, kdd);
    if (!dek) {
        return dek.error();
    }
    return static_keys{std::move(*enc), std::move(*mac), std::move(*dek)};
}

std::string_view to_string(diversification method) noexcept {
    switch (method) {
    case diversification::none: return "none";
    case diversification::emv: return "emv";
    case diversification::visa2: return "visa2";
    case diversification::kdf3: return "kdf3";
    }
    return "none";
}

std::optional<diversification> parse_diversification(std::string_view name) noexcept {
    for (auto m :
         {diversification::none, diversification::emv, diversification::visa2, diversification::kdf3}) {
        if (name == to_string(m)) {
            return m;
        }
    }
    if (name.empty()) {
        return diversification::none;
    }
    return std::nullopt;
}

} // namespace tsm::core::gp
