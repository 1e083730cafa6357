#include "record_codec.hpp"

#include "tsm/storage/errc.hpp"

namespace tsm::storage::codec {
namespace {

void put_varint(std::string& out, std::uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7f) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

void put_i64(std::string& out, std::int64_t v) {
    // zigzag: small negative numbers stay short
    put_varint(out, (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
}

void put_str(std::string& out, std::string_view s) {
    put_varint(out, s.size());
    out.append(s);
}

void put_header(std::string& out, record_kind k, std::uint8_t version = format_version) {
    out.push_back(static_cast<char>(version));
    out.push_back(static_cast<char>(k));
}

/// Bounds-checked cursor; once a read fails every later read fails too.
class reader {
public:
    explicit reader(std::string_view in) : in_(in) {}

    bool ok() const noexcept { return ok_; }
    bool at_end() const noexcept { return pos_ == in_.size(); }

    std::uint8_t byte() {
        if (!ok_ || pos_ >= in_.size()) {
            ok_ = false;
            return 0;
        }
        return static_cast<std::uint8_t>(in_[pos_++]);
    }

    std::uint64_t varint() {
        std::uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            std::uint8_t b = byte();
            if (!ok_) {
                return 0;
            }
            // the 10th byte may only carry the top bit
            if (shift == 63 && b > 1) {
                break;
            }
            v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        ok_ = false;
        return 0;
    }

    std::int64_t i64() {
        std::uint64_t z = varint();
        return static_cast<std::int64_t>((z >> 1) ^ (~(z & 1) + 1));
    }

    void str(std::string& s) {
        std::uint64_t n = varint();
        if (!ok_ || n > in_.size() - pos_) {
            ok_ = false;
            return;
        }
        s.assign(in_.substr(pos_, static_cast<std::size_t>(n)));
        pos_ += static_cast<std::size_t>(n);
    }

    void str_list(std::vector<std::string>& v) {
        std::uint64_t n = varint();
        v.clear();
        // every element takes at least one byte: bounds the reserve against a forged count
        if (!ok_ || n > in_.size() - pos_) {
            ok_ = false;
            return;
        }
        v.reserve(static_cast<std::size_t>(n));
        for (std::uint64_t i = 0; i < n && ok_; ++i) {
            str(v.emplace_back());
        }
    }

    /// A 0/1 byte; anything else fails the read.
    bool flag() {
        const std::uint8_t b = byte();
        if (b > 1) {
            ok_ = false;
        }
        return b == 1;
    }

    bool header(record_kind k) {
        bool version_ok = byte() == format_version;
        bool kind_ok = byte() == static_cast<std::uint8_t>(k);
        return ok_ && version_ok && kind_ok;
    }

    /// Reads a header whose version is `min_version`..`max_version`; 0 when it is not one.
    std::uint8_t versioned_header(record_kind k, std::uint8_t min_version, std::uint8_t max_version) {
        const std::uint8_t version = byte();
        const bool kind_ok = byte() == static_cast<std::uint8_t>(k);
        return ok_ && kind_ok && version >= min_version && version <= max_version ? version : 0;
    }

private:
    std::string_view in_;
    std::size_t pos_ = 0;
    bool ok_ = true;
};

std::error_code finish(const reader& r) {
    return r.ok() && r.at_end() ? std::error_code{} : make_error_code(errc::corruption);
}

} // namespace

void encode(const core::app_record& r, std::string& out) {
    put_header(out, record_kind::app);
    put_str(out, r.app_id);
    put_str(out, r.key_hash);
    put_str(out, r.description_url);
    put_str(out, r.delivery_url);
    put_str(out, r.delivery_method);
    put_varint(out, r.callback_prefixes.size());
    for (const auto& p : r.callback_prefixes) {
        put_str(out, p);
    }
}

void encode(const core::session_record& r, std::string& out) {
    put_header(out, record_kind::session, session_format_version);
    put_str(out, r.session_id);
    put_str(out, r.app_id);
    put_str(out, r.service_id);
    put_str(out, r.resume_token_hash);
    out.push_back(static_cast<char>(r.state));
    put_varint(out, r.last_batch);
    put_varint(out, r.next_operation_seq);
    put_i64(out, r.created_ms);
    put_i64(out, r.last_progress_ms);
    put_str(out, r.card_iin);
    put_str(out, r.card_cin);
    put_i64(out, r.platform_version);
    put_str(out, r.description_json);
    put_str(out, r.fields_json);
    put_str(out, r.final_status_json);
    // version 2
    put_str(out, r.email);
    put_str(out, r.msisdn);
    // version 3
    put_str(out, r.sealed_fields);
    put_str(out, r.ephemeral_key);
    out.push_back(static_cast<char>(r.recipe ? 1 : 0));
    if (r.recipe) {
        put_str(out, r.recipe->success_message_json);
        put_str(out, r.recipe->failure_message_json);
        put_str(out, r.recipe->service_result_uri);
        put_varint(out, r.recipe->action_endpoints.size());
        for (const auto& e : r.recipe->action_endpoints) {
            put_str(out, e);
        }
    }
}

void encode(const core::operation_record& r, std::string& out) {
    put_header(out, record_kind::operation, operation_format_version);
    put_str(out, r.operation_id);
    put_str(out, r.session_id);
    put_str(out, r.app_id);
    put_str(out, r.kind);
    put_str(out, r.callback_url);
    put_varint(out, r.seq);
    out.push_back(static_cast<char>(r.state));
    put_str(out, r.payload);
    put_str(out, r.result_json);
    put_i64(out, r.accepted_ms);
    // version 2
    out.push_back(static_cast<char>(r.result_sealed ? 1 : 0));
}

void encode(const core::outbox_entry& r, std::string& out) {
    put_header(out, record_kind::outbox, outbox_format_version);
    put_str(out, r.id);
    put_str(out, r.url);
    put_str(out, r.body);
    put_i64(out, r.created_ms);
    // version 2
    out.push_back(static_cast<char>(r.sealed ? 1 : 0));
}

std::error_code decode(std::string_view in, core::app_record& out) {
    reader r(in);
    if (!r.header(record_kind::app)) {
        return make_error_code(errc::corruption);
    }
    r.str(out.app_id);
    r.str(out.key_hash);
    r.str(out.description_url);
    r.str(out.delivery_url);
    r.str(out.delivery_method);
    r.str_list(out.callback_prefixes);
    return finish(r);
}

std::error_code decode(std::string_view in, core::session_record& out) {
    reader r(in);
    const std::uint8_t version = r.versioned_header(record_kind::session, 1, session_format_version);
    if (version == 0) {
        return make_error_code(errc::corruption);
    }
    r.str(out.session_id);
    r.str(out.app_id);
    r.str(out.service_id);
    r.str(out.resume_token_hash);
    std::uint8_t state = r.byte();
    if (state > static_cast<std::uint8_t>(core::session_state::failed)) {
        return make_error_code(errc::corruption);
    }
    out.state = static_cast<core::session_state>(state);
    out.last_batch = r.varint();
    out.next_operation_seq = r.varint();
    out.created_ms = r.i64();
    out.last_progress_ms = r.i64();
    r.str(out.card_iin);
    r.str(out.card_cin);
    out.platform_version = r.i64();
    r.str(out.description_json);
    r.str(out.fields_json);
    r.str(out.final_status_json);
    out.email.clear();
    out.msisdn.clear();
    if (version >= 2) {
        r.str(out.email);
        r.str(out.msisdn);
    }
    out.sealed_fields.clear();
    out.ephemeral_key.clear();
    out.recipe.reset();
    if (version >= 3) {
        r.str(out.sealed_fields);
        r.str(out.ephemeral_key);
        if (r.flag()) {
            core::recipe_run& run = out.recipe.emplace();
            r.str(run.success_message_json);
            r.str(run.failure_message_json);
            r.str(run.service_result_uri);
            r.str_list(run.action_endpoints);
        }
    }
    return finish(r);
}

std::error_code decode(std::string_view in, core::operation_record& out) {
    reader r(in);
    const std::uint8_t version = r.versioned_header(record_kind::operation, 1, operation_format_version);
    if (version == 0) {
        return make_error_code(errc::corruption);
    }
    r.str(out.operation_id);
    r.str(out.session_id);
    r.str(out.app_id);
    r.str(out.kind);
    r.str(out.callback_url);
    out.seq = r.varint();
    std::uint8_t state = r.byte();
    if (state > static_cast<std::uint8_t>(core::operation_state::done)) {
        return make_error_code(errc::corruption);
    }
    out.state = static_cast<core::operation_state>(state);
    r.str(out.payload);
    r.str(out.result_json);
    out.accepted_ms = r.i64();
    out.result_sealed = version >= 2 && r.flag();
    return finish(r);
}

std::error_code decode(std::string_view in, core::outbox_entry& out) {
    reader r(in);
    const std::uint8_t version = r.versioned_header(record_kind::outbox, 1, outbox_format_version);
    if (version == 0) {
        return make_error_code(errc::corruption);
    }
    r.str(out.id);
    r.str(out.url);
    r.str(out.body);
    out.created_ms = r.i64();
    out.sealed = version >= 2 && r.flag();
    return finish(r);
}

void encode(const core::card_keys_record& r, std::string& out) {
    put_header(out, record_kind::card_keys, card_keys_format_version);
    out.push_back(static_cast<char>(r.master ? 1 : 0));
    put_str(out, r.id);
    put_str(out, r.iin);
    put_str(out, r.isd_aid);
    out.push_back(static_cast<char>(r.scp));
    out.push_back(static_cast<char>(r.kvn));
    out.push_back(static_cast<char>(r.key_length));
    out.push_back(static_cast<char>(r.security_level));
    put_str(out, r.diversification);
    put_str(out, r.sealed_keys);
    // version 2: the DESFire part
    put_str(out, r.desfire_key_type);
    out.push_back(static_cast<char>(r.desfire_key_version));
    put_str(out, r.desfire_diversification);
    put_str(out, r.desfire_system_identifier);
    put_str(out, r.desfire_sealed_key);
    // version 3: the device description
    put_i64(out, r.platform_version);
    put_str(out, r.os_type_version_name);
    out.push_back(static_cast<char>(r.batch_id ? 1 : 0));
    if (r.batch_id) {
        put_i64(out, *r.batch_id);
    }
    put_str(out, r.cplc);
    put_str(out, r.uid);
}

std::error_code decode(std::string_view in, core::card_keys_record& out) {
    reader r(in);
    const std::uint8_t version = r.versioned_header(record_kind::card_keys, 1, card_keys_format_version);
    if (version == 0) {
        return make_error_code(errc::corruption);
    }
    const std::uint8_t master = r.byte();
    out.master = master == 1;
    r.str(out.id);
    r.str(out.iin);
    r.str(out.isd_aid);
    out.scp = r.byte();
    out.kvn = r.byte();
    out.key_length = r.byte();
    out.security_level = r.byte();
    r.str(out.diversification);
    r.str(out.sealed_keys);
    out.desfire_key_type.clear();
    out.desfire_key_version = 0;
    out.desfire_diversification.clear();
    out.desfire_system_identifier.clear();
    out.desfire_sealed_key.clear();
    if (version >= 2) {
        r.str(out.desfire_key_type);
        out.desfire_key_version = r.byte();
        r.str(out.desfire_diversification);
        r.str(out.desfire_system_identifier);
        r.str(out.desfire_sealed_key);
    }
    out.platform_version = 0;
    out.os_type_version_name.clear();
    out.batch_id.reset();
    out.cplc.clear();
    out.uid.clear();
    std::uint8_t has_batch = 0;
    if (version >= 3) {
        out.platform_version = r.i64();
        r.str(out.os_type_version_name);
        has_batch = r.byte();
        if (has_batch == 1) {
            out.batch_id = r.i64();
        }
        r.str(out.cplc);
        r.str(out.uid);
    }
    if (has_batch > 1 || master > 1 || (out.scp != 2 && out.scp != 3)) {
        return make_error_code(errc::corruption);
    }
    return finish(r);
}

void encode(const core::capfile_record& r, std::string& out) {
    put_header(out, record_kind::capfile);
    put_str(out, r.app_id);
    put_str(out, r.id);
    put_str(out, r.elf_aid);
    put_varint(out, r.module_aids.size());
    for (const auto& m : r.module_aids) {
        put_str(out, m);
    }
    put_str(out, r.load_file_data_block);
    put_str(out, r.java_card_version);
    put_str(out, r.gp_version);
    put_str(out, r.os_type_version);
    put_i64(out, r.created_ms);
}

std::error_code decode(std::string_view in, core::capfile_record& out) {
    reader r(in);
    if (!r.header(record_kind::capfile)) {
        return make_error_code(errc::corruption);
    }
    r.str(out.app_id);
    r.str(out.id);
    r.str(out.elf_aid);
    r.str_list(out.module_aids);
    r.str(out.load_file_data_block);
    r.str(out.java_card_version);
    r.str(out.gp_version);
    r.str(out.os_type_version);
    out.created_ms = r.i64();
    return finish(r);
}

void encode(const core::recipe_record& r, std::string& out) {
    put_header(out, record_kind::recipe);
    put_str(out, r.app_id);
    put_str(out, r.service_id);
    put_str(out, r.description_json);
    put_str(out, r.success_message_json);
    put_str(out, r.failure_message_json);
    put_str(out, r.service_result_uri);
    put_varint(out, r.actions.size());
    for (const auto& a : r.actions) {
        put_str(out, a.endpoint);
        put_str(out, a.kind);
        put_str(out, a.payload);
        out.push_back(static_cast<char>(a.sealed ? 1 : 0));
    }
    put_i64(out, r.updated_ms);
}

std::error_code decode(std::string_view in, core::recipe_record& out) {
    reader r(in);
    if (!r.header(record_kind::recipe)) {
        return make_error_code(errc::corruption);
    }
    r.str(out.app_id);
    r.str(out.service_id);
    r.str(out.description_json);
    r.str(out.success_message_json);
    r.str(out.failure_message_json);
    r.str(out.service_result_uri);
    const std::uint64_t n = r.varint();
    out.actions.clear();
    // every action takes at least four bytes: bounds the reserve against a forged count
    if (!r.ok() || n > in.size() / 4) {
        return make_error_code(errc::corruption);
    }
    out.actions.reserve(static_cast<std::size_t>(n));
    for (std::uint64_t i = 0; i < n && r.ok(); ++i) {
        core::recipe_action& a = out.actions.emplace_back();
        r.str(a.endpoint);
        r.str(a.kind);
        r.str(a.payload);
        a.sealed = r.flag();
    }
    out.updated_ms = r.i64();
    return finish(r);
}

} // namespace tsm::storage::codec
