#include "desfire_operation_builder.hpp"

#include "card_keys_lookup.hpp"
#include "desfire_card_keys.hpp"

#include "tsm/core/desfire/operations.hpp"

#include <memory>

namespace tsm::tsmd {
namespace {

namespace desfire = core::desfire;

core::operation_outcome no_keys(const core::session_record& s) {
    return core::failed_outcome(
        412, "no-card-keys",
        "no DESFire PICC master key is registered for card " + s.card_cin + " or its IIN " + s.card_iin
            + " (PUT /admin/v1/cards/{cin} or /admin/v1/iins/{iin} with a \"desfire\" part)");
}

core::operation_outcome damaged() {
    return core::failed_outcome(500, "internal-error", "stored request damaged");
}

std::string upper(std::string s) {
    for (char& c : s) {
        if (c >= 'a' && c <= 'f') {
            c = static_cast<char>(c - 'a' + 'A');
        }
    }
    return s;
}

bool has_desfire_part(const core::card_keys_record& r) {
    return !r.desfire_key_type.empty();
}

} // namespace

std::string desfire_operation_builder::sealed_payload_context(std::string_view session_id) {
    return std::string(payload_context) + "/" + std::string(session_id);
}

bool desfire_operation_builder::accepts(std::string_view kind, std::string_view payload) const {
    if (kind == desfire::create_app_kind) {
        // Sealed (bound to its session): the SP API validated it before sealing.
        return !payload.empty();
    }
    if (kind == desfire::commands_kind) {
        auto r = desfire::decode_commands_request(payload);
        return r && !desfire::validate(*r);
    }
    if (kind == desfire::delete_app_kind) {
        auto r = desfire::decode_delete_app_request(payload);
        return r && !desfire::validate(*r);
    }
    return false;
}

void desfire_operation_builder::build(const core::operation_record& op, const core::session_record& session,
                                      done_handler done) {
    if (op.kind == desfire::commands_kind) {
        auto req = desfire::decode_commands_request(op.payload);
        if (!req) {
            done(nullptr, damaged());
            return;
        }
        done(desfire::make_commands(std::move(*req)), std::nullopt);
        return;
    }
    if (op.kind == desfire::create_app_kind || op.kind == desfire::delete_app_kind) {
        with_picc_key(op, session, std::move(done));
        return;
    }
    done(nullptr, core::failed_outcome(500, "internal-error", "not a DESFire operation: " + op.kind));
}

void desfire_operation_builder::with_picc_key(const core::operation_record& op,
                                              const core::session_record& session, done_handler done) {
    auto shared_done = std::make_shared<done_handler>(std::move(done));
    auto op_copy = std::make_shared<core::operation_record>(op);
    auto session_copy = std::make_shared<core::session_record>(session);

    // Step 3: with the PICC master key, build the operation (opening a sealed createApp).
    auto finish = [this, shared_done, op_copy](desfire::desfire_key key) {
        desfire::card_context ctx;
        ctx.picc_master = std::move(key);
        const auto& rec = *op_copy;
        if (rec.kind == desfire::delete_app_kind) {
            auto req = desfire::decode_delete_app_request(rec.payload);
            if (!req) {
                (*shared_done)(nullptr, damaged());
                return;
            }
            (*shared_done)(desfire::make_delete_app(std::move(ctx), std::move(*req)), std::nullopt);
            return;
        }
        auto plain = vault_.open(rec.payload, sealed_payload_context(rec.session_id));
        auto req = plain ? desfire::decode_create_app_request(*plain) : std::nullopt;
        if (plain) {
            core::wipe(*plain);
        }
        if (!req) {
            (*shared_done)(nullptr, damaged());
            return;
        }
        // The operation owns the application keys from here and wipes them when it finishes.
        (*shared_done)(desfire::make_create_app(std::move(ctx), std::move(*req)), std::nullopt);
    };

    // Step 2: open the DESFire part of a key record (diversified per card for IIN sets).
    auto open_record = [this, shared_done, session_copy, finish](const core::card_keys_record& keys) {
        auto key = open_desfire_key(keys, vault_, upper(session_copy->card_cin));
        if (!key) {
            (*shared_done)(nullptr,
                           core::failed_outcome(500, "key-error",
                                                "the stored DESFire key does not open with this key-encryption "
                                                "key, or cannot be diversified for this card"));
            return;
        }
        finish(std::move(*key));
    };

    // Step 1: the card's own DESFire key, else its IIN master set's.
    find_card_keys(store_, session, ioc_.get_executor(), has_desfire_part, no_keys(session), open_record,
                   [shared_done](core::operation_outcome o) { (*shared_done)(nullptr, std::move(o)); });
}

} // namespace tsm::tsmd
