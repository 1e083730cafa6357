#pragma once
/// Builds the DESFire operations (desfire-create-app, desfire-commands, desfire-delete-app) for
/// tsmd. createApp and deleteApp authenticate to the PICC: the builder loads the card's key record
/// (by CIN) and, when it has no DESFire part, the IIN master set's (diversified per card with
/// AN10922), opens the PICC master key with the key vault and hands it to the core operation;
/// no DESFire key fails the operation with 412 no-card-keys before any APDU. commands needs no
/// key. createApp payloads are stored sealed (they may hold application keys): the builder opens
/// them and wipes the plaintext. Other kinds are not handled here (see main.cpp's routing).
/// One per shard; runs on that shard (store reads complete on its executor).
#include "tsm/core/key_vault.hpp"
#include "tsm/core/operation_builder.hpp"
#include "tsm/core/record_store.hpp"

#include <boost/asio/io_context.hpp>

#include <string>
#include <string_view>

namespace tsm::tsmd {

class desfire_operation_builder final : public core::operation_builder {
public:
    desfire_operation_builder(core::record_store& store, const core::key_vault& vault,
                              boost::asio::io_context& ioc)
        : store_(store), vault_(vault), ioc_(ioc) {}

    /// Kinds starting with this are DESFire operations.
    static constexpr std::string_view kind_prefix = "desfire-";

    bool accepts(std::string_view kind, std::string_view payload) const override;
    void build(const core::operation_record& op, const core::session_record& session,
               done_handler done) override;

    /// createApp payloads are sealed before they are stored, bound to their session so a copied
    /// blob does not open elsewhere (as /ccm/storedata payloads are).
    static constexpr std::string_view payload_context = "opentsm/desfire-payload/v1";
    static std::string sealed_payload_context(std::string_view session_id);

private:
    void with_picc_key(const core::operation_record& op, const core::session_record& session,
                       done_handler done);

    core::record_store& store_;
    const core::key_vault& vault_;
    boost::asio::io_context& ioc_;
};

} // namespace tsm::tsmd
