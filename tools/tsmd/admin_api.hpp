#pragma once
/// The admin API (its own listener, loopback by default, optionally Bearer-token protected):
/// app registration. A change is committed durably, then copied to every shard's directory,
/// then acknowledged — so the next SP call on any shard sees it.
#include "card_keys_admin.hpp"
#include "health.hpp"
#include "tsm/core/shard_services.hpp"

#include "tsm/core/record_store.hpp"
#include "tsm/core/secret_hasher.hpp"
#include "tsm/transport/http_server.hpp"

#include <string>
#include <vector>

namespace tsm::tsmd {

class admin_api final : public transport::http_handler {
public:
    admin_api(std::vector<core::shard_services*> shards, core::record_store& store,
              const core::secret_hasher& hasher, const core::key_vault& vault, std::string token,
              health& h);
    void on_request(transport::http_request req, transport::http_responder respond) override;

    /// Validates and hashes an app definition; error message or empty.
    static std::string build_app(std::string app_id, std::string_view key_hex,
                                 std::string description_url, std::string delivery_url,
                                 std::string delivery_method, std::vector<std::string> prefixes,
                                 const core::secret_hasher& hasher, core::app_record& out);
    static std::string app_json(const core::app_record& app);

private:
    void put_app(std::string app_id, const transport::http_request& req, transport::http_responder respond);
    void delete_app(std::string app_id, transport::http_responder respond);
    /// Runs `fn` on every shard, then `done` on the calling shard.
    void broadcast(unsigned from_shard, std::function<void(core::shard_services&)> fn, std::function<void()> done);

    std::vector<core::shard_services*> shards_;
    core::record_store& store_;
    const core::secret_hasher& hasher_;
    std::string token_;
    health& health_;
    card_keys_admin cards_;
};

} // namespace tsm::tsmd
