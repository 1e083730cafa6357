#pragma once
/// Registers the harness's own app with tsmd's admin API (one blocking PUT, loopback).
#include "options.hpp"

#include <string>

namespace tsm::tools::loadgen {

struct bench_app {
    std::string id;  ///< "bench-" + 8 random hex digits
    std::string key; ///< 16 random bytes, hex
};

bench_app make_bench_app();
/// PUT /admin/v1/apps/{id}; `sp_base` is the sink's "http://127.0.0.1:PORT". Returns "" on
/// success, otherwise a description of the failure.
std::string register_app(const options& o, const bench_app& app, const std::string& sp_base);
/// DELETE /admin/v1/apps/{id} (best effort, at the end of a run).
void delete_app(const options& o, const bench_app& app);

/// The SP uploads a CAP file once: POST /v3/apps/{id}/capfiles on the SP API. Returns "" on
/// success (with tsmd's id of the upload in `capfile_id`), otherwise the failure.
std::string upload_cap(const options& o, const bench_app& app, const std::string& cap_bytes,
                       std::string& capfile_id);
/// DELETE /v3/apps/{id}/capfiles/{capfile_id} (best effort).
void delete_cap(const options& o, const bench_app& app, const std::string& capfile_id);
/// PUT /admin/v1/cards/{cin}: SCP03 keys (kvn 0x30, C-MAC + C-DECRYPTION) for the card's ISD
/// A000000151000000, IIN 8A2C10. Returns "" on success, otherwise the failure.
std::string put_card_keys(const options& o, const std::string& cin, const std::string& key_hex);
/// DELETE /admin/v1/cards/{cin} (best effort).
void delete_card_keys(const options& o, const std::string& cin);

} // namespace tsm::tools::loadgen
