#pragma once
/// Admin endpoints for card keys: `/admin/v1/cards/{cin}` (one card) and `/admin/v1/iins/{iin}`
/// (an IIN master key set, diversified per card). A record holds GlobalPlatform keys, a DESFire
/// PICC master key (the "desfire" object), or both. Keys are validated, sealed with the key vault
/// ("c/<CIN>" or "m/<IIN>"; DESFire keys under that + "/desfire") and stored; reads never
/// return them.
#include "tsm/core/key_vault.hpp"
#include "tsm/core/record_store.hpp"
#include "tsm/transport/http_types.hpp"

#include <boost/asio/io_context.hpp>

namespace tsm::tsmd {

class card_keys_admin {
public:
    card_keys_admin(core::record_store& store, const core::key_vault& vault, boost::asio::io_context& ioc)
        : store_(store), vault_(vault), ioc_(ioc) {}

    /// Handles the request when its path is one of ours; false otherwise (nothing answered).
    bool handle(const transport::http_request& req, transport::http_responder& respond);

    /// Validates a body and builds the sealed record; an error message or empty.
    static std::string build(bool master, std::string id, transport::http_request const& req,
                             const core::key_vault& vault, core::card_keys_record& out);
    static std::string to_json(const core::card_keys_record& r);

private:
    void put(bool master, std::string id, const transport::http_request& req, transport::http_responder respond);
    void get(bool master, std::string id, transport::http_responder respond);
    void erase(bool master, std::string id, transport::http_responder respond);

    core::record_store& store_;
    const core::key_vault& vault_;
    boost::asio::io_context& ioc_;
};

} // namespace tsm::tsmd
