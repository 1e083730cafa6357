#include "ccm_operation_builder.hpp"

#include "card_keys_lookup.hpp"

#include "tsm/core/ccm/operations.hpp"
#include "tsm/core/gp/key_diversification.hpp"

#include <memory>

namespace tsm::tsmd {
namespace {

namespace ccm = core::ccm;
namespace gp = core::gp;

core::operation_outcome no_keys(const core::session_record& s) {
    return core::failed_outcome(412, "no-card-keys",
                                "no keys are registered for card " + s.card_cin + " or its IIN " + s.card_iin
                                    + " (PUT /admin/v1/cards/{cin} or /admin/v1/iins/{iin})");
}

/// Splits the opened ENC||MAC||DEK blob into a key set.
std::optional<gp::static_keys> split_keys(const core::bytes& blob, std::size_t n) {
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

std::optional<gp::diversification> parse_method(const std::string& m) {
    if (m.empty() || m == "none") {
        return gp::diversification::none;
    }
    if (m == "emv") {
        return gp::diversification::emv;
    }
    if (m == "visa2") {
        return gp::diversification::visa2;
    }
    if (m == "kdf3") {
        return gp::diversification::kdf3;
    }
    return std::nullopt;
}

} // namespace

std::string ccm_operation_builder::sealed_payload_context(std::string_view session_id) {
    return std::string(payload_context) + "/" + std::string(session_id);
}

bool ccm_operation_builder::accepts(std::string_view kind, std::string_view payload) const {
    if (kind == ccm::install_kind) {
        auto r = ccm::decode_install_request(payload);
        return r && !ccm::validate(*r);
    }
    if (kind == ccm::delete_kind) {
        auto r = ccm::decode_delete_request(payload);
        return r && !ccm::validate(*r);
    }
    if (kind == ccm::storedata_kind) {
        // Sealed (bound to its session): the SP API validated it before sealing.
        return !payload.empty();
    }
    return basic_.accepts(kind, payload);
}

void ccm_operation_builder::build(const core::operation_record& op, const core::session_record& session,
                                  done_handler done) {
    if (op.kind != ccm::install_kind && op.kind != ccm::delete_kind && op.kind != ccm::storedata_kind) {
        basic_.build(op, session, std::move(done));
        return;
    }
    with_keys(op, session, std::move(done));
}

void ccm_operation_builder::with_keys(const core::operation_record& op, const core::session_record& session,
                                      done_handler done) {
    auto shared_done = std::make_shared<done_handler>(std::move(done));
    auto op_copy = std::make_shared<core::operation_record>(op);
    auto session_copy = std::make_shared<core::session_record>(session);

    // Step 3: with a key context, build the operation (loading the load file for installs).
    auto finish = [this, shared_done, op_copy](ccm::card_context ctx) {
        const auto& rec = *op_copy;
        if (rec.kind == ccm::delete_kind) {
            auto req = ccm::decode_delete_request(rec.payload);
            (*shared_done)(req ? ccm::make_delete(std::move(ctx), std::move(*req)) : nullptr,
                           req ? std::nullopt
                               : std::optional(core::failed_outcome(500, "internal-error", "stored request damaged")));
            return;
        }
        if (rec.kind == ccm::storedata_kind) {
            auto plain = vault_.open(rec.payload, sealed_payload_context(rec.session_id));
            auto req = plain ? ccm::decode_storedata_request(*plain) : std::nullopt;
            if (plain) {
                core::wipe(*plain);
            }
            (*shared_done)(req ? ccm::make_storedata(std::move(ctx), std::move(*req)) : nullptr,
                           req ? std::nullopt
                               : std::optional(core::failed_outcome(500, "internal-error", "stored request damaged")));
            return;
        }
        auto req = ccm::decode_install_request(rec.payload);
        if (!req) {
            (*shared_done)(nullptr, core::failed_outcome(500, "internal-error", "stored request damaged"));
            return;
        }
        auto ctx_ptr = std::make_shared<ccm::card_context>(std::move(ctx));
        auto req_ptr = std::make_shared<ccm::install_request>(std::move(*req));
        store_.load_capfiles(
            rec.app_id, {}, ioc_.get_executor(),
            [shared_done, ctx_ptr, req_ptr](std::error_code ec, std::vector<core::capfile_record> files) {
                if (ec) {
                    (*shared_done)(nullptr, core::failed_outcome(503, "unavailable", "could not read the load files"));
                    return;
                }
                // The newest upload of this package wins; none means the SP expects it on the card.
                const core::capfile_record* best = nullptr;
                for (const auto& f : files) {
                    if (f.elf_aid == req_ptr->elf_aid && (best == nullptr || f.created_ms > best->created_ms)) {
                        best = &f;
                    }
                }
                if (best != nullptr) {
                    req_ptr->lfdb = best->load_file_data_block;
                }
                (*shared_done)(ccm::make_install(std::move(*ctx_ptr), std::move(*req_ptr)), std::nullopt);
            });
    };

    // Step 2: open a key record into a card context.
    auto open_record = [this, shared_done, finish, session_copy](const core::card_keys_record& keys) {
        if (keys.sealed_keys.empty()) {
            // A record with only a DESFire part: no GlobalPlatform keys for this card.
            (*shared_done)(nullptr, no_keys(*session_copy));
            return;
        }
        auto blob = vault_.open(keys.sealed_keys, (keys.master ? "m/" : "c/") + keys.id);
        if (!blob) {
            (*shared_done)(nullptr, core::failed_outcome(500, "key-error",
                                                         "the stored card keys do not open with this key-encryption key"));
            return;
        }
        auto set = split_keys(*blob, keys.key_length);
        core::wipe(*blob);
        auto method = parse_method(keys.diversification);
        if (!set || !method) {
            (*shared_done)(nullptr, core::failed_outcome(500, "key-error", "the stored card keys are damaged"));
            return;
        }
        ccm::card_context ctx;
        ctx.isd_aid = keys.isd_aid;
        ctx.protocol = keys.scp == 2 ? ccm::scp_protocol::scp02 : ccm::scp_protocol::scp03;
        ctx.kvn = keys.kvn;
        ctx.security_level = keys.security_level;
        if (*method == gp::diversification::none) {
            ctx.keys = std::move(*set);
        } else {
            // Diversified per card from the key diversification data in its INITIALIZE UPDATE
            // answer: each master key yields its own card key.
            auto masters = std::make_shared<gp::static_keys>(std::move(*set));
            ctx.diversify = [masters, m = *method](std::string_view kdd) -> gp::result<gp::static_keys> {
                auto enc = gp::diversify_key(masters->enc, m, gp::key_purpose::enc, kdd);
                if (!enc) {
                    return enc.error();
                }
                auto mac = gp::diversify_key(masters->mac, m, gp::key_purpose::mac, kdd);
                if (!mac) {
                    return mac.error();
                }
                auto dek = gp::diversify_key(masters->dek, m, gp::key_purpose::dek, kdd);
                if (!dek) {
                    return dek.error();
                }
                return gp::static_keys{std::move(*enc), std::move(*mac), std::move(*dek)};
            };
        }
        finish(std::move(ctx));
    };

    // Step 1: the card's own keys, else its IIN's master set.
    find_card_keys(store_, session, ioc_.get_executor(), [](const core::card_keys_record&) { return true; }, no_keys(session), open_record,
                   [shared_done](core::operation_outcome o) { (*shared_done)(nullptr, std::move(o)); });
}

} // namespace tsm::tsmd
