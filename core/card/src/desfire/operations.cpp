// Request checks shared by the SP API (before an operation is accepted) and the payload
// decoders (a stored record that no longer validates is not rebuilt).
#include "tsm/core/desfire/operations.hpp"

#include <string>

namespace tsm::core::desfire {
namespace {

constexpr application_id max_aid = 0xFFFFFF;
constexpr std::size_t max_keys = 14;
constexpr std::size_t max_df_name = 16;
constexpr std::size_t max_commands = 64;
constexpr std::size_t max_command_length = 1024;

std::optional<std::string> check_aid(application_id aid) {
    if (aid > max_aid) {
        return std::string("aid must fit in 24 bits (6 hex digits)");
    }
    if (aid == 0) {
        return std::string("aid 000000 is the PICC level, not an application");
    }
    return std::nullopt;
}

std::string hex2(std::uint8_t b) {
    return to_hex(std::string_view(reinterpret_cast<const char*>(&b), 1));
}

// Commands the operations issue themselves, or that need a live challenge answered; an SP
// command list may not contain them. Selecting another application (5A) or PICC-level
// management would leave the SP's application.
std::optional<std::string_view> refused_command(std::uint8_t ins) {
    switch (ins) {
    case 0x5A: return "the operation selects the application itself";
    case 0xCA:
    case 0xDA:
    case 0xFC:
    case 0x5C: return "PICC-level management is not available to commands";
    case 0x0A:
    case 0x1A:
    case 0xAA:
    case 0x71:
    case 0x77: return "authentication needs the card's live challenge; commands run unauthenticated";
    case 0xAF: return "continuation frames are sent by the operation";
    default: return std::nullopt;
    }
}

} // namespace

std::optional<std::string> validate(const create_app_request& r) {
    if (auto e = check_aid(r.aid)) {
        return e;
    }
    if (r.number_of_keys < 1 || r.number_of_keys > max_keys) {
        return "numberOfKeys must be 1 to 14, got " + std::to_string(r.number_of_keys);
    }
    if (r.keys_type != key_type::des && r.keys_type != key_type::tdes2 && r.keys_type != key_type::tdes3
        && r.keys_type != key_type::aes) {
        return std::string("keyType must be DES, 2K3DES, 3K3DES or AES");
    }
    if (r.iso_df_name.size() > max_df_name) {
        return "isoDfName must be at most 16 bytes, got " + std::to_string(r.iso_df_name.size());
    }
    if (!r.iso_df_name.empty() && !r.iso_file_id) {
        return std::string("isoDfName needs isoFileId (the card takes a DF name only with an ISO file id)");
    }
    if (r.iso_file_id && (*r.iso_file_id == 0x3F00 || *r.iso_file_id == 0x3FFF || *r.iso_file_id == 0xFFFF)) {
        return std::string("isoFileId 3F00, 3FFF and FFFF are reserved");
    }
    if (!r.keys.empty()) {
        if (r.keys.size() != r.number_of_keys) {
            return "keys must hold numberOfKeys (" + std::to_string(r.number_of_keys) + ") keys, got "
                   + std::to_string(r.keys.size());
        }
        const std::size_t len = key_length(r.keys_type);
        for (std::size_t i = 0; i < r.keys.size(); ++i) {
            if (r.keys[i].size() != len) {
                return "keys[" + std::to_string(i) + "] must be " + std::to_string(len) + " bytes for "
                       + std::string(key_type_name(r.keys_type)) + ", got "
                       + std::to_string(r.keys[i].size());
            }
        }
        // The keys are set with the application master key (key 0) right after creation: key
        // settings must let key 0 change the other keys and itself.
        if ((r.key_settings >> 4) != 0) {
            return "keys can be set only when keySettings bits 7-4 are 0 (the master key changes keys), got "
                   + hex2(r.key_settings);
        }
        if ((r.key_settings & 0x01) == 0) {
            return "keys can be set only when keySettings bit 0 is set (master key changeable), got "
                   + hex2(r.key_settings);
        }
    }
    return std::nullopt;
}

std::optional<std::string> validate(const commands_request& r) {
    if (auto e = check_aid(r.aid)) {
        return e;
    }
    if (r.commands.empty()) {
        return std::string("commands must not be empty");
    }
    if (r.commands.size() > max_commands) {
        return "at most 64 commands, got " + std::to_string(r.commands.size());
    }
    for (std::size_t i = 0; i < r.commands.size(); ++i) {
        const auto& c = r.commands[i];
        if (c.empty()) {
            return "commands[" + std::to_string(i)
                   + "] is empty (a native command starts with its command byte)";
        }
        if (c.size() > max_command_length) {
            return "commands[" + std::to_string(i) + "] is " + std::to_string(c.size())
                   + " bytes; at most 1024";
        }
        const auto ins = static_cast<std::uint8_t>(c[0]);
        if (auto why = refused_command(ins)) {
            return "commands[" + std::to_string(i) + "]: " + std::string(command_name(ins)) + " (" + hex2(ins)
                   + ") is not allowed: " + std::string(*why);
        }
    }
    return std::nullopt;
}

std::optional<std::string> validate(const delete_app_request& r) {
    return check_aid(r.aid);
}

std::optional<application_id> parse_aid(std::string_view hex) {
    if (hex.size() != 6) {
        return std::nullopt;
    }
    auto raw = from_hex(hex);
    if (!raw) {
        return std::nullopt;
    }
    const auto* u = reinterpret_cast<const unsigned char*>(raw->data());
    return (application_id(u[0]) << 16) | (application_id(u[1]) << 8) | application_id(u[2]);
}

} // namespace tsm::core::desfire
