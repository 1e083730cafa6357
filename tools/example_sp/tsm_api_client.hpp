#pragma once
/// The SP's side of the SP API (fidesmo-api.md §5-6): operation requests and service completion
/// sent to tsmd with the app_id/app_key headers. Stateless apart from configuration; thread safe.
#include <chrono>
#include <string>
#include <vector>

namespace tsm::tools::example_sp {

struct tsm_api_config {
    std::string tsm_url; ///< base URL of tsmd's SP API, e.g. http://127.0.0.1:8080
    std::string app_id;
    std::string app_key; ///< hex
    std::chrono::milliseconds timeout{10000};
};

struct api_result {
    bool ok = false;
    std::string operation_id; ///< transceive only
    std::string error;        ///< why !ok (transport error or the server's error message)
};

class tsm_api_client {
public:
    explicit tsm_api_client(tsm_api_config cfg);

    /// POST /transceive with hex `commands`; tsmd will POST the result to `callback_url`.
    api_result transceive(
        const std::string& session_id, const std::string& callback_url,
        const std::vector<std::string>& commands) const;

    /// POST /service/completed: ends the delivery session.
    api_result complete(const std::string& session_id, bool success, const std::string& message) const;

private:
    tsm_api_config cfg_;
};

} // namespace tsm::tools::example_sp
