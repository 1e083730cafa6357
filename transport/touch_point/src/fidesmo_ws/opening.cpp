// The Fidesmo WebSocket URL as a deliver message: the path names the app and the service, the
// query the device (cin) and the delivery's fields (every other parameter).
#include "tsm/transport/touch_point/fidesmo_ws/codec.hpp"

#include "tsm/core/hex.hpp"
#include "tsm/core/json_writer.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <cctype>
#include <vector>

namespace tsm::transport::touch_point::fidesmo_ws {
namespace {

namespace urls = boost::urls;

core::api_error bad(std::string text) {
    return core::make_api_error(core::api_errc::bad_request, std::move(text));
}

constexpr std::size_t max_cin_hex = 64; // CINs are 7 to 10 bytes; anything near this is not one

} // namespace

core::api_result<message> opening(std::string_view target) {
    auto parsed = urls::parse_origin_form(target);
    if (!parsed) {
        return bad("the URL is not a valid request target");
    }
    const urls::url_view& url = *parsed;

    // Decoded segments: [v3,] ws, apps, {appId}, services, {serviceId}.
    std::vector<std::string> segs;
    for (auto s : url.segments()) {
        if (segs.size() == 6) {
            return bad("the URL must be /v3/ws/apps/{appId}/services/{serviceId}");
        }
        segs.push_back(std::string(s));
    }
    const std::size_t at = !segs.empty() && segs.front() == "v3" ? 1 : 0;
    if (segs.size() != at + 5 || segs[at] != "ws" || segs[at + 1] != "apps" || segs[at + 3] != "services") {
        return bad("the URL must be /v3/ws/apps/{appId}/services/{serviceId}");
    }
    message m;
    m.type = message::kind::deliver;
    m.app_id = std::move(segs[at + 2]);
    m.service_id = std::move(segs[at + 4]);
    if (!is_valid_service_id(m.app_id) || !is_valid_service_id(m.service_id)) {
        return bad("appId and serviceId must be ids of letters, digits, '-', '_' or '.' (at most 128)");
    }

    bool has_cin = false;
    std::vector<std::string> names;
    core::json_writer fields;
    fields.begin_object();
    for (auto p : url.params()) {
        if (p.key == "cin") {
            if (has_cin) {
                return bad("the query names cin twice");
            }
            has_cin = true;
            m.cin = std::move(p.value);
            continue;
        }
        if (p.key.empty()) {
            return bad("a query parameter without a name");
        }
        if (std::find(names.begin(), names.end(), p.key) != names.end()) {
            return bad("the query names field '" + p.key + "' twice");
        }
        if (names.size() == max_fields) {
            return bad("more than " + std::to_string(max_fields) + " fields in the query");
        }
        fields.key(p.key).value(p.value);
        names.push_back(std::move(p.key));
    }
    fields.end_object();
    if (!has_cin || m.cin.size() > max_cin_hex || !core::is_hex(m.cin)) {
        return bad("the query must give the device's cin, in hex");
    }
    // The registry keeps CINs in upper case; clients may send either.
    std::transform(m.cin.begin(), m.cin.end(), m.cin.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (!names.empty()) {
        m.fields_json = std::move(fields).str();
    }
    m.device_from_registry = true;
    m.session_id_as_token = true;
    return m;
}

} // namespace tsm::transport::touch_point::fidesmo_ws
