#pragma once
/// /admin/v1/cards/{cin} (one device of the device registry: its description, its keys, or both)
/// and /admin/v1/iins/{iin} (an IIN master set, diversified per card): PUT validates with
/// core::card_keys_spec, refuses a CPLC or UID another card holds, seals and stores; GET shows
/// the record without its keys; DELETE removes it (404 when absent).
/// Thread safety: called on a shard thread (the admin listener's); holds no per-request state.
#include "tsm/core/key_vault.hpp"
#include "tsm/core/record_store.hpp"
#include "tsm/core/shard_runtime.hpp"
#include "tsm/transport/http_types.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace tsm::transport::admin {

class card_keys_handler {
public:
    card_keys_handler(core::shard_runtime& runtime, core::record_store& store, const core::key_vault& vault)
        : runtime_(runtime), store_(store), vault_(vault) {}

    /// `master`: an IIN master set (id = IIN), else one card (id = CIN).
    void put(bool master, std::string_view id, http_request& req, http_responder& respond);
    void get(bool master, std::string_view id, http_responder& respond);
    void erase(bool master, std::string_view id, http_responder& respond);

private:
    /// False (and answered) when the lookup failed or another card than `id` holds the value.
    static bool claim_is_free(std::error_code ec, const std::optional<core::card_keys_record>& holder,
                              const std::string& id, std::string_view field, http_responder& respond);
    void store_record(core::card_keys_record rec, http_responder& respond);

    core::shard_runtime& runtime_;
    core::record_store& store_;
    const core::key_vault& vault_;
};

} // namespace tsm::transport::admin
