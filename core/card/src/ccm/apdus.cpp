#include "tsm/core/ccm/apdus.hpp"

#include "tsm/core/gp/initialize_update.hpp"

#include <stdexcept>
#include <string>

namespace tsm::core::ccm::apdu {
namespace {

void check_aid(std::string_view what, std::string_view aid, bool may_be_empty = false) {
    if ((aid.empty() && !may_be_empty) || aid.size() > 16) {
        throw std::invalid_argument(std::string(what) + ": AID of " + std::to_string(aid.size()) + " bytes");
    }
}

void append_lv(bytes& out, std::string_view v) {
    if (v.size() > 0xFF) {
        throw std::invalid_argument("length-value field longer than 255 bytes");
    }
    out.push_back(static_cast<char>(v.size()));
    out.append(v);
}

void append_ber_lv(bytes& out, std::string_view v) {
    out += cap::ber_length(v.size());
    out.append(v);
}

// Short case 3/4 APDU: header, Lc, data, optional Le 00.
bytes make(std::uint8_t cla, std::uint8_t ins, std::uint8_t p1, std::uint8_t p2, std::string_view data,
           bool le) {
    if (data.size() > 0xFF) {
        throw std::invalid_argument("command data of " + std::to_string(data.size())
                                    + " bytes does not fit a short APDU");
    }
    bytes out{static_cast<char>(cla), static_cast<char>(ins), static_cast<char>(p1), static_cast<char>(p2)};
    if (!data.empty()) {
        out.push_back(static_cast<char>(data.size()));
        out.append(data);
    }
    if (le) {
        out.push_back('\0');
    }
    return out;
}

// Minimal BER-TLV walk for the FCI: returns {tag, value} pairs of one level.
struct tlv {
    unsigned tag = 0;
    std::string_view value;
};

bool next_tlv(std::string_view& in, tlv& out) {
    if (in.empty()) {
        return false;
    }
    const auto* u = reinterpret_cast<const unsigned char*>(in.data());
    std::size_t pos = 0;
    unsigned tag = u[pos++];
    if ((tag & 0x1F) == 0x1F) {
        do {
            if (pos >= in.size() || pos > 3) {
                return false;
            }
            tag = (tag << 8) | u[pos];
        } while (u[pos++] & 0x80);
    }
    if (pos >= in.size()) {
        return false;
    }
    std::size_t len = u[pos++];
    if (len & 0x80) {
        const std::size_t n = len & 0x7F;
        if (n == 0 || n > 2 || pos + n > in.size()) {
            return false;
        }
        len = 0;
        for (std::size_t i = 0; i < n; ++i) {
            len = (len << 8) | u[pos++];
        }
    }
    if (pos + len > in.size()) {
        return false;
    }
    out.tag = tag;
    out.value = in.substr(pos, len);
    in.remove_prefix(pos + len);
    return true;
}

std::optional<std::string_view> find_tag(std::string_view in, unsigned tag) {
    tlv t;
    while (next_tlv(in, t)) {
        if (t.tag == tag) {
            return t.value;
        }
    }
    return std::nullopt;
}

} // namespace

bytes select_by_aid(std::string_view aid) {
    check_aid("SELECT", aid);
    return make(0x00, 0xA4, 0x04, 0x00, aid, true);
}

bytes initialize_update(std::uint8_t kvn, std::string_view host_challenge) {
    if (host_challenge.size() != 8) {
        throw std::invalid_argument("INITIALIZE UPDATE: the host challenge must be 8 bytes");
    }
    auto r = gp::initialize_update_command(kvn, host_challenge);
    if (!r) {
        throw std::invalid_argument("INITIALIZE UPDATE: " + r.error().message());
    }
    return std::move(*r);
}

bytes get_status_load_file(std::string_view elf_aid) {
    check_aid("GET STATUS", elf_aid);
    bytes data{'\x4F'};
    append_lv(data, elf_aid);
    return make(0x80, 0xF2, 0x20, 0x02, data, true);
}

bytes install_for_load(std::string_view elf_aid, std::string_view sd_aid, std::string_view hash,
                       std::string_view load_params) {
    check_aid("INSTALL [for load] load file", elf_aid);
    check_aid("INSTALL [for load] security domain", sd_aid, true);
    bytes data;
    append_lv(data, elf_aid);
    append_lv(data, sd_aid);
    append_lv(data, hash);
    append_ber_lv(data, load_params);
    data.push_back('\0'); // no load token
    return make(0x80, 0xE6, 0x02, 0x00, data, true);
}

bytes load(const cap::load_block& block) {
    return make(0x80, 0xE8, block.p1, block.p2, block.data, true);
}

bytes install_parameters(std::string_view application_params) {
    bytes out{'\xC9'};
    append_ber_lv(out, application_params);
    return out;
}

bytes install_for_install(std::string_view elf_aid, std::string_view module_aid,
                          std::string_view instance_aid, std::string_view privileges,
                          std::string_view application_params) {
    check_aid("INSTALL [for install] load file", elf_aid);
    check_aid("INSTALL [for install] module", module_aid);
    check_aid("INSTALL [for install] instance", instance_aid);
    if (privileges.size() != 1 && privileges.size() != 3) {
        throw std::invalid_argument("INSTALL [for install]: privileges must be 1 or 3 bytes");
    }
    bytes data;
    append_lv(data, elf_aid);
    append_lv(data, module_aid);
    append_lv(data, instance_aid);
    append_lv(data, privileges);
    append_ber_lv(data, install_parameters(application_params));
    data.push_back('\0'); // no install token
    return make(0x80, 0xE6, 0x0C, 0x00, data, true);
}

bytes install_for_personalization(std::string_view instance_aid) {
    check_aid("INSTALL [for personalization]", instance_aid);
    bytes data(2, '\0');
    append_lv(data, instance_aid);
    data.append(3, '\0');
    return make(0x80, 0xE6, 0x20, 0x00, data, true);
}

bytes store_data_block(store_data_format format, bool last, std::uint8_t block_number,
                       std::string_view data) {
    const auto p1 = static_cast<std::uint8_t>(static_cast<std::uint8_t>(format) | (last ? 0x80 : 0x00));
    return make(0x80, 0xE2, p1, block_number, data, false);
}

std::vector<bytes> store_data(store_data_format format, std::string_view data, std::size_t max_block_data) {
    if (max_block_data == 0 || max_block_data > 0xFF) {
        throw std::invalid_argument("STORE DATA: block size must be 1..255, got "
                                    + std::to_string(max_block_data));
    }
    const std::size_t count = data.empty() ? 1 : (data.size() + max_block_data - 1) / max_block_data;
    if (count > 256) {
        throw std::length_error("STORE DATA: " + std::to_string(data.size()) + " bytes in blocks of "
                                + std::to_string(max_block_data) + " need " + std::to_string(count)
                                + " blocks, P2 allows 256");
    }
    std::vector<bytes> out;
    out.reserve(count);
    for (std::size_t n = 0; n < count; ++n) {
        out.push_back(store_data_block(format, n + 1 == count, static_cast<std::uint8_t>(n),
                                       data.substr(n * max_block_data, max_block_data)));
    }
    return out;
}

bytes delete_object(std::string_view aid, bool with_related) {
    check_aid("DELETE", aid);
    bytes data{'\x4F'};
    append_lv(data, aid);
    return make(0x80, 0xE4, 0x00, with_related ? 0x80 : 0x00, data, true);
}

std::optional<std::size_t> fci_max_command_data(std::string_view select_response_data) {
    auto fci = find_tag(select_response_data, 0x6F);
    if (!fci) {
        return std::nullopt;
    }
    auto prop = find_tag(*fci, 0xA5);
    if (!prop) {
        return std::nullopt;
    }
    auto v = find_tag(*prop, 0x9F65);
    if (!v || v->empty() || v->size() > 2) {
        return std::nullopt;
    }
    std::size_t n = 0;
    for (unsigned char c : *v) {
        n = (n << 8) | c;
    }
    return n;
}

std::size_t max_plain_data(scp_protocol protocol, std::uint8_t level, std::size_t max_wrapped) noexcept {
    if (max_wrapped > 0xFF) {
        max_wrapped = 0xFF;
    }
    const std::size_t mac = level == gp::security_level::none ? 0 : 8;
    if (max_wrapped <= mac) {
        return 0;
    }
    const std::size_t avail = max_wrapped - mac;
    if (!(level & gp::security_level::c_dec)) {
        return avail;
    }
    const std::size_t block = protocol == scp_protocol::scp03 ? 16 : 8;
    const std::size_t padded = (avail / block) * block;
    return padded == 0 ? 0 : padded - 1;
}

} // namespace tsm::core::ccm::apdu
