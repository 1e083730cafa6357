#include "bodies.hpp"

#include "tsm/core/ids.hpp"
#include "tsm/core/key_vault.hpp"
#include "tsm/transport/json_reader.hpp"
#include "tsm/transport/touch_point/message.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace tsm::transport::touch_point::fidesmo {
namespace {

core::api_error bad(std::string text) {
    return core::make_api_error(core::api_errc::bad_request, std::move(text));
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

constexpr std::size_t max_contact_chars = 256;
constexpr std::size_t max_message_bytes = 1024;

core::api_status read_card_id(json::value& v, core::delivery_request& r, bool& has_cin) {
    return json::read_members(v, "cardId", [&](std::string_view key, json::value& cv) -> core::api_status {
        if (key == "iin") {
            return json::read_string(cv, "cardId.iin", r.iin);
        }
        if (key == "cin") {
            has_cin = true;
            return json::read_string(cv, "cardId.cin", r.cin);
        }
        if (key == "platformVersion") {
            return json::read_int(cv, "cardId.platformVersion", 0, 1'000'000, r.platform_version);
        }
        return {};
    });
}

/// Hex as the client sends it: non-empty, even length; stored upper case as v1 does.
bool valid_hex_id(std::string_view s) noexcept {
    return !s.empty() && s.size() <= 64 && core::is_hex(s);
}

/// Empty (none) or hex of bounded size (an RSA-OAEP block: 512 bytes for RSA-4096).
bool valid_ephemeral_key(std::string_view s) noexcept {
    return s.empty() || (s.size() <= 4096 && core::is_hex(s));
}

std::string upper(std::string s) {
    for (char& c : s) {
        if (c >= 'a' && c <= 'f') {
            c = static_cast<char>(c - 'a' + 'A');
        }
    }
    return s;
}

} // namespace

std::optional<std::string> query_param(std::string_view target, std::string_view name) {
    auto parsed = boost::urls::parse_origin_form(target);
    if (!parsed) {
        return std::nullopt;
    }
    const boost::urls::url_view u = *parsed;
    const auto it = u.params().find(name);
    if (it == u.params().end()) {
        return std::nullopt;
    }
    return (*it).has_value ? (*it).value : std::string();
}

core::api_result<core::delivery_request> decode_deliver(std::string_view body) {
    core::delivery_request r;
    bool has_card = false;
    bool has_cin = false;
    // The fields are user input: the parse copy is wiped.
    auto st = json::read_object(body, json::body_secrecy::secret,
                                [&](std::string_view key, json::value& v) -> core::api_status {
                                    if (key == "appId") {
                                        return json::read_string(v, "appId", r.app_id);
                                    }
                                    if (key == "serviceId") {
                                        return json::read_string(v, "serviceId", r.service_id);
                                    }
                                    if (key == "cardId") {
                                        has_card = true;
                                        return read_card_id(v, r, has_cin);
                                    }
                                    if (key == "fields") {
                                        return json::read_raw_object(v, "fields", r.fields_json);
                                    }
                                    if (key == "ephemeralKey") {
                                        return json::read_string(v, "ephemeralKey", r.ephemeral_key);
                                    }
                                    if (key == "email") {
                                        return json::read_string(v, "email", r.email);
                                    }
                                    if (key == "msisdn") {
                                        return json::read_string(v, "msisdn", r.msisdn);
                                    }
                                    return {};
                                });
    if (!st) {
        return st.error();
    }
    if (!is_valid_service_id(r.app_id) || !is_valid_service_id(r.service_id)) {
        return bad("appId and serviceId are required (letters, digits, '-', '_', '.'; at most 128)");
    }
    if (!has_card || !has_cin || !valid_hex_id(r.cin) || (!r.iin.empty() && !valid_hex_id(r.iin))) {
        return bad("cardId needs cin (and iin when given) as even-length hex");
    }
    if (r.email.size() > max_contact_chars || r.msisdn.size() > max_contact_chars) {
        return bad("email and msisdn are at most 256 characters");
    }
    if (!valid_ephemeral_key(r.ephemeral_key)) {
        return bad("ephemeralKey must be hex");
    }
    r.cin = upper(std::move(r.cin));
    r.iin = upper(std::move(r.iin));
    return r;
}

core::api_result<fetch_body> decode_fetch(std::string_view body) {
    fetch_body f;
    bool has_session = false;
    std::int64_t result_status = 200;
    core::user_input input;
    // operationResult may carry user input: the parse copy is wiped.
    auto st = json::read_object(
        body, json::body_secrecy::secret, [&](std::string_view key, json::value& v) -> core::api_status {
            if (key == "sessionId") {
                has_session = true;
                return json::read_string(v, "sessionId", f.session_id);
            }
            if (key == "operationResult") {
                return json::read_members(v, "operationResult",
                                          [&](std::string_view k, json::value& rv) -> core::api_status {
                                              if (k == "operationId") {
                                                  return json::read_string(rv, "operationResult.operationId",
                                                                           f.result_operation);
                                              }
                                              if (k == "statusCode") {
                                                  return json::read_int(rv, "operationResult.statusCode", 0,
                                                                        999, result_status);
                                              }
                                              if (k == "fields") {
                                                  return json::read_raw_object(rv, "operationResult.fields",
                                                                               input.fields_json);
                                              }
                                              if (k == "ephemeralKey") {
                                                  return json::read_string(rv, "operationResult.ephemeralKey",
                                                                           input.ephemeral_key);
                                              }
                                              return {};
                                          });
            }
            return {};
        });
    if (!st) {
        core::wipe(input.fields_json);
        return st.error();
    }
    if (!has_session) {
        core::wipe(input.fields_json);
        return bad("sessionId is required");
    }
    if (!core::is_uuid(f.session_id)) {
        core::wipe(input.fields_json);
        return core::make_api_error(core::api_errc::session_not_found, "no such session");
    }
    if (!valid_ephemeral_key(input.ephemeral_key)) {
        core::wipe(input.fields_json);
        return bad("operationResult.ephemeralKey must be hex");
    }
    f.session_id = lower(f.session_id);
    f.result_operation = lower(f.result_operation);
    if (core::is_uuid(f.result_operation)) {
        input.declined = result_status != 200;
        if (input.declined) {
            core::wipe(input.fields_json);
        }
        f.result = operation_result{f.result_operation, std::move(input)};
    } else {
        core::wipe(input.fields_json);
    }
    return f;
}

core::api_result<connector_body> decode_connector(std::string_view body, const limits& lim) {
    connector_body c;
    bool has_uuid = false;
    bool has_responses = false;
    auto st =
        json::read_object(body, json::body_secrecy::plain,
                          [&](std::string_view key, json::value& v) -> core::api_status {
                              if (key == "uuid") {
                                  has_uuid = true;
                                  return json::read_string(v, "uuid", c.operation_id);
                              }
                              if (key == "open") {
                                  bool open = true;
                                  return json::read_bool(v, "open", open);
                              }
                              if (key == "responses") {
                                  has_responses = true;
                                  return json::read_hex_list(v, "responses",
                                                             {lim.max_responses, lim.max_apdu_bytes, false},
                                                             c.responses);
                              }
                              return {};
                          });
    if (!st) {
        return st.error();
    }
    if (!has_uuid || !has_responses) {
        return bad("uuid and responses are required");
    }
    if (!core::is_uuid(c.operation_id)) {
        return core::make_api_error(core::api_errc::not_found, "no such operation");
    }
    c.operation_id = lower(c.operation_id);
    return c;
}

core::api_result<client_error_body> decode_client_error(std::string_view body) {
    client_error_body e;
    bool has_session = false;
    auto st = json::read_object(body, json::body_secrecy::plain,
                                [&](std::string_view key, json::value& v) -> core::api_status {
                                    if (key == "sessionId") {
                                        has_session = true;
                                        return json::read_string(v, "sessionId", e.session_id);
                                    }
                                    if (key == "message") {
                                        const auto t = json::type_of(v);
                                        if (t && *t == simdjson::ondemand::json_type::string) {
                                            return json::read_string(v, "message", e.message);
                                        }
                                        return json::read_raw_value(v, "message", e.message);
                                    }
                                    if (key == "fatal") {
                                        bool fatal = true;
                                        return json::read_bool(v, "fatal", fatal);
                                    }
                                    return {};
                                });
    if (!st) {
        return st.error();
    }
    if (!has_session) {
        return bad("sessionId is required");
    }
    if (!core::is_uuid(e.session_id)) {
        return core::make_api_error(core::api_errc::session_not_found, "no such session");
    }
    e.session_id = lower(e.session_id);
    if (e.message.size() > max_message_bytes) {
        // It becomes the failure message of callbacks: bounded, cut at a character boundary.
        std::size_t n = max_message_bytes;
        while (n > 0 && (static_cast<unsigned char>(e.message[n]) & 0xC0) == 0x80) {
            --n;
        }
        e.message.resize(n);
    }
    return e;
}

} // namespace tsm::transport::touch_point::fidesmo
