// DESFire EV1 framing and secure messaging of the sandbox card (globalplatform.md 5.1, 5.4).
//
// - In an authenticated session every command moves the IV: a CMAC over the complete native
//   command (all frames joined, no AF bytes) unless the handler consumes the command itself
//   (authentication, enciphered ChangeKeySettings / ChangeKey, WriteData, whose MACed or
//   enciphered forms need the file's communication mode).
// - Every successful answer in a session carries the first 8 bytes of CMAC(data || 00), or is
//   enciphered, or (authentication, SelectApplication, ChangeKey of the session's own key)
//   neither. The protection covers the whole answer, which is then cut into frames.
// - Any status other than 00/AF ends the session and drops what was pending.
// - A new command while frames are pending (answer not fully read, WriteData not fully sent,
//   authentication not finished) answers CA, as real cards do, unless it is a new
//   authentication. AF with nothing pending answers 1C.
#include "desfire_card.hpp"

#include "tsm/core/gp/command_apdu.hpp"

#include <algorithm>

namespace tsm::sandbox::detail {
namespace {

using handler = df_reply (*)(desfire_machine&, std::string_view);

struct command_entry {
    std::uint8_t ins;
    handler fn;
    bool self_secured; // the handler moves the session IV itself
};

constexpr command_entry commands[] = {
    {0x5A, select_application, false},
    {0x6A, get_application_ids, false},
    {0xCA, create_application, false},
    {0xDA, delete_application, false},
    {0x60, get_version, false},
    {0xFC, format_picc, false},
    {0x51, get_card_uid, false},
    {0x6E, free_memory, false},
    {0x1A, authenticate, true},
    {0xAA, authenticate, true},
    {0x45, get_key_settings, false},
    {0x54, change_key_settings, true},
    {0x64, get_key_version, false},
    {0xC4, change_key, true},
    {0xCD, create_std_data_file, false},
    {0x6F, get_file_ids, false},
    {0xF5, get_file_settings, false},
    {0xDF, delete_file, false},
    {0xBD, read_data, false},
    {0x3D, write_data, true},
};

const command_entry* find_command(std::uint8_t ins) {
    for (const auto& c : commands) {
        if (c.ins == ins) {
            return &c;
        }
    }
    return nullptr;
}

constexpr std::uint8_t af = df_status::additional_frame;

bytes native_answer(bytes data, std::uint8_t status) {
    data.push_back('\x91');
    data.push_back(static_cast<char>(status));
    return data;
}

bytes iso_sw(std::uint16_t sw) {
    return bytes{static_cast<char>(sw >> 8), static_cast<char>(sw & 0xFF)};
}

bool is_authenticate(std::uint8_t ins) {
    return ins == 0x1A || ins == 0xAA;
}

} // namespace

desfire_card::desfire_card(desfire_config cfg, std::function<bytes(std::size_t)> random)
    : m_(std::move(cfg), std::move(random)) {}

void desfire_card::select() {
    deselect();
    m_.selected = 0;
}

void desfire_card::deselect() {
    m_.auth.reset();
    clear_pending();
}

std::optional<desfire_application_info> desfire_card::application(std::uint32_t aid) const {
    if (const auto* a = m_.find(aid)) {
        return *a;
    }
    return std::nullopt;
}

bool desfire_card::pending() const noexcept {
    return m_.pending_auth.has_value() || out_next_ < out_frames_.size() || in_pending_;
}

void desfire_card::clear_pending() noexcept {
    m_.pending_auth.reset();
    out_frames_.clear();
    out_next_ = 0;
    in_pending_ = false;
    in_buffer_.clear();
    in_expected_ = 0;
}

bytes desfire_card::fail(std::uint8_t status) {
    m_.auth.reset();
    clear_pending();
    return native_answer({}, status);
}

bytes desfire_card::transceive(std::string_view apdu) {
    auto parsed = tsm::core::gp::parse_command_apdu(apdu);
    if (!parsed || parsed->extended) {
        return iso_sw(0x6700);
    }
    if (parsed->p1 != 0 || parsed->p2 != 0) {
        return iso_sw(0x6A86);
    }
    if (parsed->data.size() > m_.cfg.max_frame) {
        return fail(df_status::length_error);
    }
    const std::uint8_t ins = parsed->ins;
    if (ins == af) {
        return continuation(parsed->data);
    }
    if (pending()) {
        clear_pending();
        if (!is_authenticate(ins)) {
            return fail(df_status::command_aborted);
        }
    }
    bytes native(1, static_cast<char>(ins));
    native += parsed->data;
    if (ins == 0x3D) {
        const df_expected e = write_data_length(m_, native);
        if (e.status != df_status::ok) {
            return fail(e.status);
        }
        if (native.size() > e.length) {
            return fail(df_status::length_error);
        }
        if (native.size() < e.length) {
            in_pending_ = true;
            in_buffer_ = std::move(native);
            in_expected_ = e.length;
            return native_answer({}, af);
        }
    }
    return execute(native);
}

bytes desfire_card::continuation(std::string_view data) {
    if (m_.pending_auth) {
        return finish(finish_authentication(m_, data));
    }
    if (out_next_ < out_frames_.size()) {
        if (!data.empty()) {
            return fail(df_status::length_error);
        }
        return next_frame();
    }
    if (in_pending_) {
        in_buffer_ += data;
        if (in_buffer_.size() > in_expected_) {
            return fail(df_status::length_error);
        }
        if (in_buffer_.size() < in_expected_) {
            return native_answer({}, af);
        }
        const bytes native = std::move(in_buffer_);
        clear_pending();
        return execute(native);
    }
    return fail(df_status::illegal_command);
}

bytes desfire_card::execute(const bytes& native) {
    const command_entry* c = find_command(static_cast<std::uint8_t>(native[0]));
    if (c == nullptr) {
        return fail(df_status::illegal_command);
    }
    if (m_.auth && !c->self_secured && !m_.auth->sm.mac_command(native)) {
        return fail(df_status::integrity_error);
    }
    return finish(c->fn(m_, native));
}

bytes desfire_card::finish(df_reply r) {
    if (r.status == af) {
        return native_answer(std::move(r.data), af); // authentication, first step
    }
    if (r.status != df_status::ok) {
        return fail(r.status);
    }
    bytes stream = std::move(r.data);
    if (m_.auth && r.protect == df_protect::mac) {
        auto mac = m_.auth->sm.mac_response(stream, df_status::ok);
        if (!mac) {
            return fail(df_status::integrity_error);
        }
        stream += *mac;
    } else if (m_.auth && r.protect == df_protect::encipher) {
        auto ct = m_.auth->sm.encipher_response(stream, df_status::ok);
        if (!ct) {
            return fail(df_status::integrity_error);
        }
        stream = std::move(*ct);
    }
    if (r.end_session) {
        m_.auth.reset();
    }
    out_frames_.clear();
    out_next_ = 0;
    std::string_view rest(stream);
    for (std::size_t size : r.frames) {
        if (rest.size() <= size) {
            break;
        }
        out_frames_.emplace_back(rest.substr(0, size));
        rest.remove_prefix(size);
    }
    const std::size_t chunk = std::max<std::size_t>(1, r.frame_size != 0 ? r.frame_size : m_.cfg.max_frame);
    do {
        out_frames_.emplace_back(rest.substr(0, std::min(chunk, rest.size())));
        rest.remove_prefix(std::min(chunk, rest.size()));
    } while (!rest.empty());
    return next_frame();
}

bytes desfire_card::next_frame() {
    bytes frame = std::move(out_frames_[out_next_++]);
    if (out_next_ < out_frames_.size()) {
        return native_answer(std::move(frame), af);
    }
    out_frames_.clear();
    out_next_ = 0;
    return native_answer(std::move(frame), df_status::ok);
}

} // namespace tsm::sandbox::detail
