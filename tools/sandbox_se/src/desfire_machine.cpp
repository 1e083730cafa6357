// The DESFire emulation's state helpers: lookups, memory accounting, randomness, snapshots.
#include "desfire_machine.hpp"

#include "card_random.hpp"

namespace tsm::sandbox {

tsm::core::desfire::desfire_key default_desfire_picc_key() {
    tsm::core::desfire::desfire_key k;
    k.type = tsm::core::desfire::key_type::des;
    k.value = *tsm::core::gp::secret_key::from_bytes(bytes(8, '\0'));
    k.version = 0;
    return k;
}

namespace detail {

desfire_machine::desfire_machine(desfire_config c, std::function<bytes(std::size_t)> rnd)
    : cfg(std::move(c)), random(std::move(rnd)), picc_key(cfg.picc_master_key),
      picc_settings(cfg.picc_key_settings) {}

desfire_application_info* desfire_machine::find(std::uint32_t aid) {
    for (auto& a : apps) {
        if (a.aid == aid) {
            return &a;
        }
    }
    return nullptr;
}

const desfire_application_info* desfire_machine::find(std::uint32_t aid) const {
    for (const auto& a : apps) {
        if (a.aid == aid) {
            return &a;
        }
    }
    return nullptr;
}

df::desfire_key* desfire_machine::key(std::uint8_t no) {
    if (selected == 0) {
        return no == 0 ? &picc_key : nullptr;
    }
    desfire_application_info* a = app();
    if (a == nullptr || no >= a->keys.size()) {
        return nullptr;
    }
    return &a->keys[no];
}

std::size_t desfire_machine::free_memory() const {
    std::size_t used = 0;
    for (const auto& a : apps) {
        for (const auto& f : a.files) {
            used += (f.data.size() + 31) / 32 * 32;
        }
    }
    return used >= cfg.memory ? 0 : cfg.memory - used;
}

bytes desfire_machine::random_bytes(std::size_t n) const {
    return card_random(random, n);
}

desfire_state desfire_machine::snapshot() const {
    desfire_state s;
    s.picc_master_key = picc_key;
    s.picc_key_settings = picc_settings;
    s.applications = apps;
    s.selected_application = selected;
    if (auth) {
        s.authenticated_key = auth->key_no;
    }
    return s;
}

std::uint32_t read_le(std::string_view s, std::size_t offset, std::size_t n) {
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < n; ++k) {
        v |= static_cast<std::uint32_t>(static_cast<unsigned char>(s[offset + k])) << (8 * k);
    }
    return v;
}

void append_le(bytes& out, std::uint32_t v, std::size_t n) {
    for (std::size_t k = 0; k < n; ++k) {
        out.push_back(static_cast<char>((v >> (8 * k)) & 0xFF));
    }
}

std::uint8_t key_version(const df::desfire_key& key) {
    if (key.type == df::key_type::aes) {
        return key.version;
    }
    std::uint8_t v = 0;
    const auto raw = key.value.view();
    for (std::size_t i = 0; i < 8 && i < raw.size(); ++i) {
        v = static_cast<std::uint8_t>(v | ((static_cast<unsigned char>(raw[i]) & 1u) << (7 - i)));
    }
    return v;
}

} // namespace detail
} // namespace tsm::sandbox
