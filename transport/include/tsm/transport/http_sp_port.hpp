#pragma once
/// core::sp_port over one shard's HTTP client: the session engine and the outbox relay call
/// Service Providers through it. Owner: one per shard, used on that shard's thread only (the
/// client's callbacks run there too).
#include "tsm/core/ports.hpp"
#include "tsm/transport/http_client.hpp"

#include <chrono>
#include <string>

namespace tsm::transport {

class http_sp_port final : public core::sp_port {
public:
    http_sp_port(http_client& client, std::chrono::milliseconds timeout)
        : client_(client), timeout_(timeout) {}
    void call(std::string method, std::string url, std::string body, reply_handler done) override;

private:
    http_client& client_;
    std::chrono::milliseconds timeout_;
};

} // namespace tsm::transport
