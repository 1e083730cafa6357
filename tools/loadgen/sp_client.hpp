#pragma once
/// One keep-alive HTTP/1.1 connection of the simulated SP: posts /transceive, one request at a
/// time, records the SP-ack latency, and hands itself back to its worker when the answer came.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "stats.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace tsm::tools::loadgen {

class worker;

/// The /transceive request text for operation `seq` on session `session_id` with `apdus` commands.
std::string transceive_request(const std::string& host_port, const std::string& app_id,
                               const std::string& app_key, const std::string& session_id,
                               const std::string& callback_url, std::uint64_t seq, unsigned apdus);

/// The /ccm/install request text for operation `seq`: installs `module` from `elf` as the
/// instance `instance_prefix` + the 8-byte sequence number (unique per operation, and the way the
/// touch point finds the operation once the card has created the instance).
std::string ccm_install_request(const std::string& host_port, const std::string& app_id,
                                const std::string& app_key, const std::string& session_id,
                                const std::string& callback_url, std::uint64_t seq, const std::string& elf,
                                const std::string& module, const std::string& instance_prefix);

/// The sequence number from an instance AID built by ccm_install_request (its last 8 bytes).
std::uint64_t seq_of_instance(std::string_view aid_bytes);

class sp_client {
public:
    explicit sp_client(worker& w);
    /// Posts operation `seq` of `kind` for `session` (the slot is already claimed). Must be idle.
    void post(std::uint32_t session, std::uint64_t seq, op_kind kind = op_kind::transceive);

private:
    void write();
    void on_answer(boost::beast::error_code ec);
    void finish_transport_error(bool timeout);

    worker& w_;
    boost::beast::tcp_stream stream_;
    boost::beast::flat_buffer buf_;
    boost::beast::http::response<boost::beast::http::string_body> res_;
    std::string req_;
    std::uint64_t seq_ = 0;
    op_kind kind_ = op_kind::transceive;
    bool connected_ = false;
};

} // namespace tsm::tools::loadgen
