// The card content management kinds (ccm-install, ccm-delete, ccm-storedata): the card's
// GlobalPlatform keys (by CIN, else the IIN master set, diversified per card when its method
// says so) open into a ccm::card_context, then the core CCM operation is built. An install also
// finds the app's load file: by its LFDB hash (the CAP file's id; none is not-found), else the
// newest upload of the package wins.
#include "operations/card_keys_step.hpp"
#include "operations/kinds.hpp"

#include "tsm/core/card_keys_context.hpp"
#include "tsm/core/ccm/operations.hpp"
#include "tsm/core/gp/key_diversification.hpp"
#include "tsm/core/operation_kinds.hpp"
#include "tsm/core/sealed_payload.hpp"

#include <algorithm>
#include <memory>
#include <utility>

namespace tsm::core::operations {
namespace {

namespace gp = core::gp;

bool any_record(const card_keys_record&) {
    // A record with only a DESFire part is found too: open() answers no-card-keys for it, as
    // the IIN master set is not looked at once the card has a record.
    return true;
}

api_error no_gp_keys(const session_record& s) {
    return make_api_error(api_errc::no_card_keys,
                          "no keys are registered for card " + s.card_cin + " or its IIN " + s.card_iin
                              + " (PUT /admin/v1/cards/{cin} or /admin/v1/iins/{iin})");
}

/// Splits the opened ENC||MAC||DEK blob into a key set.
std::optional<gp::static_keys> split_keys(const bytes& blob, std::size_t n) {
    if (blob.size() != 3 * n) {
        return std::nullopt;
    }
    auto enc = gp::secret_key::from_bytes(std::string_view(blob).substr(0, n));
    auto mac = gp::secret_key::from_bytes(std::string_view(blob).substr(n, n));
    auto dek = gp::secret_key::from_bytes(std::string_view(blob).substr(2 * n, n));
    if (!enc || !mac || !dek) {
        return std::nullopt;
    }
    return gp::static_keys{std::move(*enc), std::move(*mac), std::move(*dek)};
}

/// Each master key yields its own card key from the key diversification data in the card's
/// INITIALIZE UPDATE answer.
decltype(ccm::card_context::diversify) diversifier(gp::static_keys set, gp::diversification method) {
    auto masters = std::make_shared<gp::static_keys>(std::move(set));
    return [masters, method](std::string_view kdd) -> gp::result<gp::static_keys> {
        auto enc = gp::diversify_key(masters->enc, method, gp::key_purpose::enc, kdd);
        if (!enc) {
            return enc.error();
        }
        auto mac = gp::diversify_key(masters->mac, method, gp::key_purpose::mac, kdd);
        if (!mac) {
            return mac.error();
        }
        auto dek = gp::diversify_key(masters->dek, method, gp::key_purpose::dek, kdd);
        if (!dek) {
            return dek.error();
        }
        return gp::static_keys{std::move(*enc), std::move(*mac), std::move(*dek)};
    };
}

api_result<ccm::card_context> open_gp_keys(const card_keys_record& keys, const session_record& session,
                                           const key_vault& vault) {
    if (keys.sealed_keys.empty()) {
        // A record with only a DESFire part: no GlobalPlatform keys for this card.
        return no_gp_keys(session);
    }
    auto blob = vault.open(keys.sealed_keys, card_keys_context(keys));
    if (!blob) {
        return make_api_error(api_errc::key_error,
                              "the stored card keys do not open with this key-encryption key");
    }
    auto set = split_keys(*blob, keys.key_length);
    wipe(*blob);
    auto method = gp::parse_diversification(keys.diversification);
    if (!set || !method) {
        return make_api_error(api_errc::key_error, "the stored card keys are damaged");
    }
    ccm::card_context ctx;
    ctx.isd_aid = keys.isd_aid;
    ctx.protocol = keys.scp == 2 ? ccm::scp_protocol::scp02 : ccm::scp_protocol::scp03;
    ctx.kvn = keys.kvn;
    ctx.security_level = keys.security_level;
    if (*method == gp::diversification::none) {
        ctx.keys = std::move(*set);
    } else {
        ctx.diversify = diversifier(std::move(*set), *method);
    }
    return ctx;
}

constexpr card_protocol<ccm::card_context> global_platform{any_record, no_gp_keys, open_gp_keys};

net::awaitable<built_operation> build_install(ccm::card_context ctx, operation_record op,
                                              operation_dependencies deps) {
    auto req = ccm::decode_install_request(op.payload);
    if (!req) {
        co_return stored_request_damaged();
    }
    auto files = co_await load_capfiles(deps.store, op.app_id, deps.executor);
    if (!files) {
        co_return files.error();
    }
    if (!req->lfdb_hash.empty()) {
        // CAP file ids are the lower-case hex of the LFDB SHA-256 (capfiles.cpp)
        std::string id = to_hex(req->lfdb_hash);
        for (char& c : id) {
            c = static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
        }
        const auto it =
            std::find_if(files->begin(), files->end(), [&id](const capfile_record& f) { return f.id == id; });
        if (it == files->end()) {
            co_return make_api_error(api_errc::not_found,
                                     "no CAP file with LFDB hash " + id + " for this app");
        }
        req->elf_aid = it->elf_aid;
        req->lfdb = it->load_file_data_block;
        co_return ccm::make_install(std::move(ctx), std::move(*req));
    }
    // The newest upload of this package wins; none means the SP expects it on the card.
    const capfile_record* newest = nullptr;
    for (const auto& f : *files) {
        if (f.elf_aid == req->elf_aid && (newest == nullptr || f.created_ms > newest->created_ms)) {
            newest = &f;
        }
    }
    if (newest != nullptr) {
        req->lfdb = newest->load_file_data_block;
    }
    co_return ccm::make_install(std::move(ctx), std::move(*req));
}

net::awaitable<built_operation> build_delete(ccm::card_context ctx, operation_record op,
                                             operation_dependencies) {
    auto req = ccm::decode_delete_request(op.payload);
    if (!req) {
        co_return stored_request_damaged();
    }
    co_return ccm::make_delete(std::move(ctx), std::move(*req));
}

net::awaitable<built_operation> build_storedata(ccm::card_context ctx, operation_record op,
                                                operation_dependencies deps) {
    auto plain = deps.vault.open(op.payload, ccm_payload_context(op.session_id));
    if (!plain) {
        co_return stored_request_damaged();
    }
    auto req = ccm::decode_storedata_request(*plain);
    wipe(*plain);
    if (!req) {
        co_return stored_request_damaged();
    }
    co_return ccm::make_storedata(std::move(ctx), std::move(*req));
}

/// A keyed CCM kind: validated by `validate` at accept, built through the shared key step.
operation_registry::kind keyed_kind(operation_registry::validate_fn validate,
                                    const operation_dependencies& deps,
                                    keyed_build<ccm::card_context> build) {
    return {std::move(validate), [deps, build](const operation_record& op, const session_record& session,
                                               operation_registry::done_handler done) {
                spawn_build(deps.executor, with_card_keys(deps, op, session, global_platform, build),
                            std::move(done));
            }};
}

api_status invalid(std::string_view what) {
    return make_api_error(api_errc::bad_request, "not a valid " + std::string(what) + " request");
}

} // namespace

void register_ccm_install(operation_registry& registry, const operation_dependencies& deps) {
    registry.add(kinds::ccm_install, keyed_kind(
                                         [](std::string_view payload) -> api_status {
                                             // The decoder refuses what ccm::validate refuses.
                                             return ccm::decode_install_request(payload) ? api_status{}
                                                                                         : invalid("install");
                                         },
                                         deps, build_install));
}

void register_ccm_delete(operation_registry& registry, const operation_dependencies& deps) {
    registry.add(kinds::ccm_delete, keyed_kind(
                                        [](std::string_view payload) -> api_status {
                                            return ccm::decode_delete_request(payload) ? api_status{}
                                                                                       : invalid("delete");
                                        },
                                        deps, build_delete));
}

void register_ccm_storedata(operation_registry& registry, const operation_dependencies& deps) {
    registry.add(kinds::ccm_storedata, keyed_kind(
                                           [](std::string_view payload) -> api_status {
                                               // Sealed to its session: the SP API validated the request
                                               // before sealing it, and only the build opens it.
                                               return payload.empty() ? invalid("storedata") : api_status{};
                                           },
                                           deps, build_storedata));
}

} // namespace tsm::core::operations
