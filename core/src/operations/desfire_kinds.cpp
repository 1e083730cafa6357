// The DESFire kinds (desfire-create-app, desfire-commands, desfire-delete-app). createApp and
// deleteApp authenticate to the PICC: the card's key record with a DESFire part (by CIN, else
// the IIN master set's, diversified per card with AN10922) opens into the PICC master key; no
// DESFire key fails the operation with 412 no-card-keys before any APDU. commands needs no key.
// createApp payloads are sealed (they may hold application keys): the build opens them and wipes
// the plaintext.
#include "operations/card_keys_step.hpp"
#include "operations/kinds.hpp"

#include "tsm/core/desfire/operations.hpp"
#include "tsm/core/desfire_card_keys.hpp"
#include "tsm/core/operation_kinds.hpp"
#include "tsm/core/sealed_payload.hpp"

#include <utility>

namespace tsm::core::operations {
namespace {

bool has_desfire_part(const card_keys_record& r) {
    return !r.desfire_key_type.empty();
}

api_error no_desfire_key(const session_record& s) {
    return make_api_error(
        api_errc::no_card_keys,
        "no DESFire PICC master key is registered for card " + s.card_cin + " or its IIN " + s.card_iin
            + " (PUT /admin/v1/cards/{cin} or /admin/v1/iins/{iin} with a \"desfire\" part)");
}

api_result<desfire::card_context> open_picc_key(const card_keys_record& keys, const session_record& session,
                                                const key_vault& vault) {
    auto key = open_desfire_key(keys, vault, session.card_cin);
    if (!key) {
        return make_api_error(
            api_errc::key_error,
            "the stored DESFire key does not open with this key-encryption key, or cannot be "
            "diversified for this card");
    }
    desfire::card_context ctx;
    ctx.picc_master = std::move(*key);
    return ctx;
}

constexpr card_protocol<desfire::card_context> picc{has_desfire_part, no_desfire_key, open_picc_key};

net::awaitable<built_operation> build_create_app(desfire::card_context ctx, operation_record op,
                                                 operation_dependencies deps) {
    auto plain = deps.vault.open(op.payload, desfire_payload_context(op.session_id));
    if (!plain) {
        co_return stored_request_damaged();
    }
    auto req = desfire::decode_create_app_request(*plain);
    wipe(*plain);
    if (!req) {
        co_return stored_request_damaged();
    }
    // The operation owns the application keys from here and wipes them when it finishes.
    co_return desfire::make_create_app(std::move(ctx), std::move(*req));
}

net::awaitable<built_operation> build_delete_app(desfire::card_context ctx, operation_record op,
                                                 operation_dependencies) {
    auto req = desfire::decode_delete_app_request(op.payload);
    if (!req) {
        co_return stored_request_damaged();
    }
    co_return desfire::make_delete_app(std::move(ctx), std::move(*req));
}

operation_registry::kind picc_kind(operation_registry::validate_fn validate,
                                   const operation_dependencies& deps,
                                   keyed_build<desfire::card_context> build) {
    return {std::move(validate), [deps, build](const operation_record& op, const session_record& session,
                                               operation_registry::done_handler done) {
                spawn_build(deps.executor, with_card_keys(deps, op, session, picc, build), std::move(done));
            }};
}

api_status invalid(std::string_view what) {
    return make_api_error(api_errc::bad_request, "not a valid DESFire " + std::string(what) + " request");
}

} // namespace

void register_desfire_create_app(operation_registry& registry, const operation_dependencies& deps) {
    registry.add(kinds::desfire_create_app, picc_kind(
                                                [](std::string_view payload) -> api_status {
                                                    // Sealed to its session: the SP API validated the
                                                    // request before sealing it.
                                                    return payload.empty() ? invalid("createApp")
                                                                           : api_status{};
                                                },
                                                deps, build_create_app));
}

void register_desfire_commands(operation_registry& registry, const operation_dependencies&) {
    // No key and nothing to load: built inline from its record.
    registry.add(kinds::desfire_commands,
                 {[](std::string_view payload) -> api_status {
                      // The decoder refuses what desfire::validate refuses.
                      return desfire::decode_commands_request(payload) ? api_status{} : invalid("commands");
                  },
                  [](const operation_record& op, const session_record&,
                     operation_registry::done_handler done) {
                      auto req = desfire::decode_commands_request(op.payload);
                      if (!req) {
                          done(nullptr, failed_outcome(stored_request_damaged()));
                          return;
                      }
                      done(desfire::make_commands(std::move(*req)), std::nullopt);
                  }});
}

void register_desfire_delete_app(operation_registry& registry, const operation_dependencies& deps) {
    registry.add(kinds::desfire_delete_app, picc_kind(
                                                [](std::string_view payload) -> api_status {
                                                    return desfire::decode_delete_app_request(payload)
                                                               ? api_status{}
                                                               : invalid("deleteApp");
                                                },
                                                deps, build_delete_app));
}

} // namespace tsm::core::operations
