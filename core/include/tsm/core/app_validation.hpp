#pragma once
/// What an app registration may be (admin API PUT /admin/v1/apps/{id} and the apps of the config
/// file): an id of 1-64 characters of [0-9A-Za-z_-], a non-empty key (stored only as its digest
/// under app_directory::key_context), absolute http(s) description and delivery URLs, PUT or POST
/// delivery, and at least one http(s) callback prefix. Which URLs count as http(s) is the HTTP
/// client's decision, handed in as `is_http_url`. Errors are bad_request naming the field.
/// Pure function over values: usable on any thread.
#include "tsm/core/api_error.hpp"
#include "tsm/core/key_vault.hpp"
#include "tsm/core/records.hpp"
#include "tsm/core/secret_hasher.hpp"

#include <functional>
#include <string>
#include <vector>

namespace tsm::core {

/// An app as given by its owner. The key is raw bytes, wiped on destruction.
struct app_definition {
    std::string app_id;
    bytes key;
    std::string description_url;
    std::string delivery_url;
    std::string delivery_method = "PUT";
    std::vector<std::string> callback_prefixes;

    app_definition() = default;
    app_definition(const app_definition&) = delete;
    app_definition& operator=(const app_definition&) = delete;
    ~app_definition() { wipe(key); }
};

using url_check = std::function<bool(const std::string& url)>;

/// Validates `def` and returns the record to store: the key hashed, trailing '/' of the
/// description URL removed (the service URL is description_url + "/" + service id).
[[nodiscard]] api_result<app_record> validate_app(const app_definition& def, const secret_hasher& hasher,
                                                  const url_check& is_http_url);

} // namespace tsm::core
