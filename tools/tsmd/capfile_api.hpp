#pragma once
/// Executable load files (CAP) for SPs: the legacy `POST /executableLoadFiles` and the current
/// `/v3/apps/{appId}/capfiles` (also under `/v2` and without a version prefix, as Fidesmo's
/// clients used all three). Parsing runs on the blocking pool, never on a shard thread.
#include "tsm/core/records.hpp"
#include "tsm/core/record_store.hpp"
#include "tsm/transport/http_types.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/thread_pool.hpp>

namespace tsm::tsmd {

class capfile_api {
public:
    capfile_api(core::record_store& store, boost::asio::thread_pool& blocking)
        : store_(store), blocking_(blocking) {}

    /// Handles the request when its path is a CAP endpoint; false otherwise (nothing answered).
    /// `app` is the authenticated app; `ex` is the calling shard's executor.
    bool handle(const core::app_record& app, transport::http_request& req,
                transport::http_responder& respond, boost::asio::any_io_executor ex);

    /// `{"id","elfAid","executableModules",...}` for a stored CAP file.
    static std::string to_json(const core::capfile_record& f);

private:
    void upload(std::string app_id, transport::http_request req, transport::http_responder respond,
                boost::asio::any_io_executor ex, bool legacy);
    void list(std::string app_id, transport::http_responder respond, boost::asio::any_io_executor ex);
    void erase(std::string app_id, std::string id, transport::http_responder respond,
               boost::asio::any_io_executor ex);

    core::record_store& store_;
    boost::asio::thread_pool& blocking_;
};

} // namespace tsm::tsmd
