// DESFire standard data files: CreateStdDataFile, GetFileIDs, GetFileSettings, DeleteFile,
// ReadData and WriteData with plain, MACed and enciphered communication.
//
// Access rights (16 bits, LSB first on the wire): read b15-12, write b11-8, read&write b7-4,
// change b3-0; E = free, F = never. The communication mode follows libfreefare's rule: the
// file's mode applies when the session's key is the read (write) or read&write key; otherwise
// free access is plain. Denied by F only: 9D; a key is needed but not authenticated: AE.
// A file takes its size rounded up to 32 bytes of the card's memory.
#include "desfire_machine.hpp"

#include "tsm/core/gp/crypto.hpp"
#include "tsm/core/gp/errc.hpp"

#include <algorithm>

namespace tsm::sandbox::detail {
namespace {

constexpr std::uint8_t free_listing = 0x02;
constexpr std::uint8_t free_create_delete = 0x04;
constexpr std::uint8_t max_file_no = 0x1F;
constexpr std::size_t io_header = 8; // INS fileNo offset(3) length(3)
constexpr std::size_t mac_length = 8;
constexpr std::size_t crc_length = 4;

enum class comm_mode : std::uint8_t { plain, maced, enciphered };

comm_mode mode_of(std::uint8_t communication) {
    switch (communication & 0x03) {
    case 0x01: return comm_mode::maced;
    case 0x03: return comm_mode::enciphered;
    default: return comm_mode::plain;
    }
}

desfire_file_info* find_file(desfire_application_info& app, std::uint8_t no) {
    for (auto& f : app.files) {
        if (f.file_no == no) {
            return &f;
        }
    }
    return nullptr;
}

bool master_or(const desfire_machine& m, const desfire_application_info& app, std::uint8_t bit) {
    return (app.key_settings & bit) != 0 || m.authenticated_with(0);
}

// ReadData / WriteData checked against the file: where, how much, and in which mode.
struct file_io {
    std::uint8_t status = df_status::ok;
    desfire_file_info* file = nullptr;
    std::size_t offset = 0;
    std::size_t length = 0;
    comm_mode mode = comm_mode::plain;
};

file_io prepare_io(desfire_machine& m, std::string_view cmd, bool write) {
    file_io io;
    if (cmd.size() < io_header || (!write && cmd.size() != io_header)) {
        io.status = df_status::length_error;
        return io;
    }
    desfire_application_info* app = m.app();
    if (app == nullptr) {
        io.status = df_status::permission_denied; // no files at PICC level
        return io;
    }
    io.file = find_file(*app, static_cast<std::uint8_t>(cmd[1]));
    if (io.file == nullptr) {
        io.status = df_status::file_not_found;
        return io;
    }
    const unsigned rights = io.file->access_rights;
    const unsigned own = (rights >> (write ? 8 : 12)) & 0x0F;
    const unsigned both = (rights >> 4) & 0x0F;
    if (m.auth && (m.auth->key_no == own || m.auth->key_no == both)) {
        io.mode = mode_of(io.file->communication);
    } else if (own == 0x0E || both == 0x0E) {
        io.mode = comm_mode::plain;
    } else {
        io.status =
            own == 0x0F && both == 0x0F ? df_status::permission_denied : df_status::authentication_error;
        return io;
    }
    io.offset = read_le(cmd, 2, 3);
    io.length = read_le(cmd, 5, 3);
    const std::size_t size = io.file->data.size();
    if (!write && io.length == 0 && io.offset <= size) {
        io.length = size - io.offset; // 0 reads to the end of the file
    }
    if (write && io.length == 0) {
        io.status = df_status::length_error;
    } else if (io.offset > size || io.length > size - io.offset) {
        io.status = df_status::boundary_error;
    }
    return io;
}

} // namespace

df_reply create_std_data_file(desfire_machine& m, std::string_view cmd) {
    desfire_application_info* app = m.app();
    if (app == nullptr) {
        return df_error(df_status::permission_denied);
    }
    const bool iso = (app->key_settings2 & 0x20) != 0;
    const std::size_t fid = iso ? 2 : 0;
    if (cmd.size() != 8 + fid) {
        return df_error(df_status::length_error);
    }
    if (!master_or(m, *app, free_create_delete)) {
        return df_error(df_status::authentication_error);
    }
    desfire_file_info f;
    f.file_no = static_cast<std::uint8_t>(cmd[1]);
    if (iso) {
        f.iso_file_id = static_cast<std::uint16_t>(read_le(cmd, 2, 2));
    }
    f.communication = static_cast<std::uint8_t>(cmd[2 + fid]);
    f.access_rights = static_cast<std::uint16_t>(read_le(cmd, 3 + fid, 2));
    const std::size_t size = read_le(cmd, 5 + fid, 3);
    if (f.file_no > max_file_no || (f.communication & ~0x03) != 0 || size == 0) {
        return df_error(df_status::parameter_error);
    }
    for (const auto& other : app->files) {
        if (other.file_no == f.file_no || (iso && other.iso_file_id == f.iso_file_id)) {
            return df_error(df_status::duplicate_error);
        }
    }
    if ((size + 31) / 32 * 32 > m.free_memory()) {
        return df_error(df_status::out_of_eeprom);
    }
    f.data.assign(size, '\0');
    app->files.push_back(std::move(f));
    return {};
}

df_reply get_file_ids(desfire_machine& m, std::string_view cmd) {
    desfire_application_info* app = m.app();
    if (app == nullptr) {
        return df_error(df_status::permission_denied);
    }
    if (cmd.size() != 1) {
        return df_error(df_status::length_error);
    }
    if (!master_or(m, *app, free_listing)) {
        return df_error(df_status::authentication_error);
    }
    df_reply r;
    for (const auto& f : app->files) {
        r.data.push_back(static_cast<char>(f.file_no));
    }
    return r;
}

df_reply get_file_settings(desfire_machine& m, std::string_view cmd) {
    desfire_application_info* app = m.app();
    if (app == nullptr) {
        return df_error(df_status::permission_denied);
    }
    if (cmd.size() != 2) {
        return df_error(df_status::length_error);
    }
    if (!master_or(m, *app, free_listing)) {
        return df_error(df_status::authentication_error);
    }
    const desfire_file_info* f = find_file(*app, static_cast<std::uint8_t>(cmd[1]));
    if (f == nullptr) {
        return df_error(df_status::file_not_found);
    }
    df_reply r;
    r.data.push_back('\x00'); // standard data file
    r.data.push_back(static_cast<char>(f->communication));
    append_le(r.data, f->access_rights, 2);
    append_le(r.data, static_cast<std::uint32_t>(f->data.size()), 3);
    return r;
}

df_reply delete_file(desfire_machine& m, std::string_view cmd) {
    desfire_application_info* app = m.app();
    if (app == nullptr) {
        return df_error(df_status::permission_denied);
    }
    if (cmd.size() != 2) {
        return df_error(df_status::length_error);
    }
    if (!master_or(m, *app, free_create_delete)) {
        return df_error(df_status::authentication_error);
    }
    const std::uint8_t no = static_cast<std::uint8_t>(cmd[1]);
    if (find_file(*app, no) == nullptr) {
        return df_error(df_status::file_not_found);
    }
    std::erase_if(app->files, [no](const desfire_file_info& f) { return f.file_no == no; });
    return {};
}

df_reply read_data(desfire_machine& m, std::string_view cmd) {
    const file_io io = prepare_io(m, cmd, false);
    if (io.status != df_status::ok) {
        return df_error(io.status);
    }
    df_reply r;
    r.data = io.file->data.substr(io.offset, io.length);
    r.protect = io.mode == comm_mode::enciphered ? df_protect::encipher : df_protect::mac;
    return r;
}

df_expected write_data_length(desfire_machine& m, std::string_view first_frame) {
    const file_io io = prepare_io(m, first_frame, true);
    if (io.status != df_status::ok) {
        return {io.status, 0};
    }
    std::size_t body = io.length;
    if (io.mode == comm_mode::maced) {
        body += mac_length;
    } else if (io.mode == comm_mode::enciphered) {
        const std::size_t block = df::block_size(m.auth->sm.type());
        body = (io.length + crc_length + block - 1) / block * block;
    }
    return {df_status::ok, io_header + body};
}

df_reply write_data(desfire_machine& m, std::string_view cmd) {
    const file_io io = prepare_io(m, cmd, true);
    if (io.status != df_status::ok) {
        return df_error(io.status);
    }
    const std::string_view payload = cmd.substr(io_header);
    bytes data;
    switch (io.mode) {
    case comm_mode::plain:
        if (payload.size() != io.length) {
            return df_error(df_status::length_error);
        }
        if (m.auth && !m.auth->sm.mac_command(cmd)) {
            return df_error(df_status::integrity_error);
        }
        data.assign(payload);
        break;
    case comm_mode::maced: {
        if (payload.size() != io.length + mac_length) {
            return df_error(df_status::length_error);
        }
        auto mac = m.auth->sm.mac_command(cmd.substr(0, io_header + io.length));
        if (!mac || !tsm::core::gp::equal_ct(*mac, payload.substr(io.length))) {
            return df_error(df_status::integrity_error);
        }
        data.assign(payload.substr(0, io.length));
        break;
    }
    case comm_mode::enciphered: {
        auto plain = m.auth->sm.decipher_command(cmd.substr(0, io_header), payload, io.length);
        if (!plain) {
            return df_error(plain.error() == tsm::core::gp::errc::bad_length ? df_status::length_error
                                                                             : df_status::integrity_error);
        }
        data = std::move(*plain);
        break;
    }
    }
    io.file->data.replace(io.offset, io.length, data);
    return {};
}

} // namespace tsm::sandbox::detail
