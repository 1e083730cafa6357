// The sandbox secure element: its configuration, state and registry, and the public API. The
// APDU dispatch and the GlobalPlatform commands are in gp_*.cpp, the secure channel in
// card_channel.cpp, the DESFire emulation in desfire_*.cpp.
#include "secure_element_impl.hpp"

namespace tsm::sandbox {

using namespace detail;
using namespace std::literals;

namespace {

// A fake but well-formed 42-byte CPLC (GPCS Table H-3) whose IC serial comes from the CIN.
bytes default_cplc(std::string_view cin) {
    bytes c("\x47\x90\x50\x40\x47\x91\x81\x02\x31\x00\x82\x60"sv);
    bytes serial(4, '\0');
    for (std::size_t k = 0; k < cin.size(); ++k) {
        serial[k % 4] = static_cast<char>(serial[k % 4] ^ cin[k]);
    }
    c += serial;
    c +=
        "\x00\x01\x47\x90\x82\x61\x00\x00\x82\x62\x00\x00\x82\x63\x00\x00\x00\x00\x00\x00\x82\x64\x00\x00\x00\x00"sv;
    return c;
}

} // namespace

bytes gp_test_key() {
    return bytes("\x40\x41\x42\x43\x44\x45\x46\x47\x48\x49\x4A\x4B\x4C\x4D\x4E\x4F"sv);
}

secure_element_config secure_element_config::with_test_keys() {
    secure_element_config c;
    auto key = *tsm::core::gp::secret_key::from_bytes(gp_test_key());
    scp03_key_set s3;
    s3.keys = {key, key, key};
    c.scp03.push_back(s3);
    scp02_key_set s2;
    s2.keys = {key, key, key};
    c.scp02.push_back(s2);
    return c;
}

secure_element::impl::impl(secure_element_config c) : cfg(std::move(c)) {
    kdd = cfg.kdd;
    if (kdd.size() != 10) {
        bytes tail = cfg.cin.size() > 8 ? cfg.cin.substr(cfg.cin.size() - 8) : cfg.cin;
        kdd = bytes(10 - tail.size(), '\0') + tail;
    }
    if (cfg.cplc.empty()) {
        cfg.cplc = default_cplc(cfg.cin);
    }
    if (cfg.uid.empty()) {
        cfg.uid = cfg.desfire.uid;
    }
    selected = cfg.isd_aid;
    if (cfg.desfire.enabled) {
        desfire.emplace(cfg.desfire, cfg.random);
    }
}

void secure_element::impl::reset_sd_state() {
    channel.close();
    channel_scp02 = nullptr;
    load.reset();
    perso_target.reset();
    next_store_block = 0;
    status_pending = false;
    status_entries.clear();
}

load_file_info* secure_element::impl::find_elf(std::string_view aid) {
    for (auto& e : elfs) {
        if (e.aid == aid) {
            return &e;
        }
    }
    return nullptr;
}

application_info* secure_element::impl::find_app(std::string_view aid) {
    for (auto& a : apps) {
        if (a.aid == aid) {
            return &a;
        }
    }
    return nullptr;
}

bool secure_element::impl::aid_in_use(std::string_view aid) {
    return aid == cfg.isd_aid || find_elf(aid) != nullptr || find_app(aid) != nullptr
           || (desfire && aid == desfire->aid()) || is_fidesmo_applet(aid);
}

secure_element::secure_element() : secure_element(secure_element_config::with_test_keys()) {}

secure_element::secure_element(secure_element_config config)
    : impl_(std::make_unique<impl>(std::move(config))) {}

secure_element::~secure_element() = default;
secure_element::secure_element(secure_element&&) noexcept = default;
secure_element& secure_element::operator=(secure_element&&) noexcept = default;

bytes secure_element::transceive(std::string_view apdu) {
    return impl_->transceive(apdu);
}

void secure_element::reset() {
    impl_->reset_sd_state();
    if (impl_->desfire) {
        impl_->desfire->deselect();
    }
    impl_->selected = impl_->cfg.isd_aid;
}

const secure_element_config& secure_element::config() const noexcept {
    return impl_->cfg;
}

std::vector<load_file_info> secure_element::load_files() const {
    return impl_->elfs;
}

std::vector<application_info> secure_element::applications() const {
    return impl_->apps;
}

std::optional<load_file_info> secure_element::find_load_file(std::string_view aid) const {
    if (const auto* e = impl_->find_elf(aid)) {
        return *e;
    }
    return std::nullopt;
}

std::optional<application_info> secure_element::find_application(std::string_view aid) const {
    if (const auto* a = impl_->find_app(aid)) {
        return *a;
    }
    return std::nullopt;
}

std::optional<bytes> secure_element::personalization_data(std::string_view aid) const {
    auto it = impl_->perso.find(bytes(aid));
    if (it == impl_->perso.end()) {
        return std::nullopt;
    }
    bytes out;
    for (const auto& b : it->second) {
        out += b.data;
    }
    return out;
}

std::vector<store_data_block> secure_element::personalization_blocks(std::string_view aid) const {
    auto it = impl_->perso.find(bytes(aid));
    return it == impl_->perso.end() ? std::vector<store_data_block>{} : it->second;
}

std::vector<bytes> secure_element::received_commands(std::string_view aid) const {
    auto it = impl_->received.find(bytes(aid));
    return it == impl_->received.end() ? std::vector<bytes>{} : it->second;
}

bool secure_element::secure_channel_open() const noexcept {
    return impl_->channel.state() == detail::channel_state::open;
}

std::uint8_t secure_element::security_level() const noexcept {
    return impl_->channel.level();
}

bytes secure_element::selected() const {
    return impl_->selected;
}

std::optional<desfire_state> secure_element::desfire() const {
    if (!impl_->desfire) {
        return std::nullopt;
    }
    return impl_->desfire->state();
}

std::optional<desfire_application_info> secure_element::desfire_application(std::uint32_t aid) const {
    if (!impl_->desfire) {
        return std::nullopt;
    }
    return impl_->desfire->application(aid);
}

} // namespace tsm::sandbox
