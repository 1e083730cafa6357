#pragma once
/// Registers the harness's own app with tsmd's admin API (one blocking PUT, loopback).
#include "options.hpp"

#include <string>

namespace tsm::tools::loadgen {

struct bench_app {
    std::string id;   ///< "bench-" + 8 random hex digits
    std::string key;  ///< 16 random bytes, hex
};

bench_app make_bench_app();
/// PUT /admin/v1/apps/{id}; `sp_base` is the sink's "http://127.0.0.1:PORT". Returns "" on
/// success, otherwise a description of the failure.
std::string register_app(const options& o, const bench_app& app, const std::string& sp_base);
/// DELETE /admin/v1/apps/{id} (best effort, at the end of a run).
void delete_app(const options& o, const bench_app& app);

} // namespace tsm::tools::loadgen
