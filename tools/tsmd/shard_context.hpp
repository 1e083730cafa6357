#pragma once
/// Everything one shard owns, wired together: its SP HTTP client, app directory, outbox relay and
/// session service. Created and destroyed by tsmd's main; used only on the shard's thread.
#include "tsm/core/app_directory.hpp"
#include "tsm/core/operation_builder.hpp"
#include "tsm/core/operation_registry.hpp"
#include "tsm/core/outbox_relay.hpp"
#include "tsm/core/ports.hpp"
#include "tsm/core/session_service.hpp"
#include "tsm/transport/http_client.hpp"

#include <boost/asio/io_context.hpp>

#include <memory>

namespace tsm::tsmd {

/// sp_port over the shard's HTTP client.
class http_sp_port final : public core::sp_port {
public:
    http_sp_port(transport::http_client& client, std::chrono::milliseconds timeout)
        : client_(client), timeout_(timeout) {}
    void call(std::string method, std::string url, std::string body, reply_handler done) override;

private:
    transport::http_client& client_;
    std::chrono::milliseconds timeout_;
};

struct shard_context {
    explicit shard_context(unsigned shard) : index(shard), apps(shard) {}

    unsigned index = 0;
    boost::asio::io_context* ioc = nullptr;
    std::unique_ptr<transport::http_client> http;
    std::unique_ptr<http_sp_port> sp;
    core::app_directory apps;
    std::unique_ptr<core::outbox_relay> relay;
    std::unique_ptr<core::operation_builder> ccm_builder;
    std::unique_ptr<core::operation_builder> desfire_builder;
    core::operation_registry kinds;
    std::unique_ptr<core::session_service> sessions;
};

} // namespace tsm::tsmd
