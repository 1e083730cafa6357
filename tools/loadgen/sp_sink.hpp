#pragma once
/// The simulated SP's HTTP side, served by tsm::transport's keep-alive server on the harness's
/// threads: service descriptions (GET /desc/{serviceId}), delivery requests (PUT /deliver) and
/// the operation callbacks (POST /cb/{seq}) whose arrival ends an operation.
#include <memory>
#include <string>

namespace tsm::tools::loadgen {

struct bench;

class sp_sink {
public:
    explicit sp_sink(bench& b);
    ~sp_sink();
    /// Listens on 127.0.0.1:0 on every worker's io_context; returns "http://127.0.0.1:PORT".
    std::string start();
    void stop();

private:
    struct handler;
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace tsm::tools::loadgen
