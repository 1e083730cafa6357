#pragma once
/// Builds card content management operations for tsmd: loads the card's keys (by CIN, else the
/// IIN master set), opens them with the key vault, finds the app's load file for an install, and
/// hands everything to the core CCM operations. Transceive goes to the basic builder.
/// One per shard; runs on that shard (store reads complete on its executor).
#include "tsm/core/key_vault.hpp"
#include "tsm/core/operation_builder.hpp"
#include "tsm/core/record_store.hpp"

#include <boost/asio/io_context.hpp>

namespace tsm::tsmd {

class ccm_operation_builder final : public core::operation_builder {
public:
    ccm_operation_builder(core::record_store& store, const core::key_vault& vault,
                          boost::asio::io_context& ioc)
        : store_(store), vault_(vault), ioc_(ioc) {}

    bool accepts(std::string_view kind, std::string_view payload) const override;
    void build(const core::operation_record& op, const core::session_record& session,
               done_handler done) override;

    /// Storedata payloads hold personalization data: they are sealed before they are stored,
    /// bound to their session so a copied blob does not open elsewhere.
    static constexpr std::string_view payload_context = "opentsm/ccm-payload/v1";
    static std::string sealed_payload_context(std::string_view session_id);

private:
    void with_keys(const core::operation_record& op, const core::session_record& session,
                   done_handler done);

    core::record_store& store_;
    const core::key_vault& vault_;
    boost::asio::io_context& ioc_;
    core::basic_operation_builder basic_;
};

} // namespace tsm::tsmd
