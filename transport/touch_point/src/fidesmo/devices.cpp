#include "tsm/transport/touch_point/fidesmo/devices.hpp"

#include "tsm/core/card_keys/card_keys_spec.hpp"
#include "tsm/core/hex.hpp"
#include "tsm/core/json_writer.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <charconv>
#include <optional>
#include <string>
#include <utility>

namespace tsm::transport::fidesmo {
namespace {

namespace urls = boost::urls;

/// A UID is 4, 7 or 10 bytes; anything up to this is looked up (and simply not found).
constexpr std::size_t max_uid_bytes = 16;

void fail(http_responder& respond, core::api_errc code, std::string message) {
    respond(make_error_response(core::make_api_error(code, std::move(message))));
}

http_response json_ok(std::string body) {
    http_response r;
    r.body = std::move(body);
    return r;
}

/// The query parameters this API reads, decoded; a name given twice is refused (which value
/// was meant is unknowable).
struct query {
    std::optional<std::string> cplc;
    std::optional<std::string> uid;
    std::optional<std::string> batch_id;
};

core::api_status parse_query(std::string_view target, query& out) {
    auto parsed = urls::parse_origin_form(target);
    if (!parsed) {
        return core::make_api_error(core::api_errc::bad_request,
                                    "the request target is not a valid URL path");
    }
    const urls::url_view u = *parsed;
    for (const auto& p : u.params()) {
        std::optional<std::string>* slot = p.key == "cplc"      ? &out.cplc
                                           : p.key == "uid"     ? &out.uid
                                           : p.key == "batchId" ? &out.batch_id
                                                                : nullptr;
        if (slot == nullptr) {
            continue; // other parameters are not ours to judge
        }
        if (slot->has_value()) {
            return core::make_api_error(core::api_errc::bad_request, p.key + " is given twice");
        }
        *slot = p.has_value ? p.value : std::string();
    }
    return {};
}

/// Even-length hex (either case) of 1..max_bytes bytes.
std::optional<core::bytes> hex_param(const std::string& v, std::size_t max_bytes) {
    auto b = core::from_hex(v);
    if (!b || b->empty() || b->size() > max_bytes) {
        return std::nullopt;
    }
    return b;
}

void get_device(core::shard_runtime& runtime, core::record_store& store, http_request& req,
                const route_match& m, http_responder& respond) {
    query q;
    if (auto st = parse_query(req.target, q); !st) {
        respond(make_error_response(st.error()));
        return;
    }
    if (q.batch_id) {
        // ignored for the lookup (a CIN names one device), but it must be what the client sends
        std::int64_t n = 0;
        const char* first = q.batch_id->data();
        const char* last = first + q.batch_id->size();
        auto [p, ec] = std::from_chars(first, last, n);
        if (q.batch_id->empty() || ec != std::errc() || p != last) {
            fail(respond, core::api_errc::bad_request, "batchId must be an integer");
            return;
        }
    }
    auto cin = core::card_keys_spec::normalize_id(false, m.param(0));
    if (!cin) {
        respond(make_error_response(cin.error()));
        return;
    }
    store.load_card_keys(
        false, *cin, runtime.local().ioc->get_executor(),
        [respond = std::move(respond)](std::error_code ec, std::optional<core::card_keys_record> r) mutable {
            if (ec) {
                fail(respond, core::api_errc::unavailable, "could not read the device registry");
                return;
            }
            if (!r) {
                fail(respond, core::api_errc::unknown_device, "no device with this CIN is registered");
                return;
            }
            core::json_writer w;
            w.begin_object().key("iin").value(r->iin);
            w.key("description").begin_object().key("capabilities").begin_object();
            w.key("platformVersion").value(r->platform_version);
            if (!r->os_type_version_name.empty()) {
                w.key("osTypeVersionName").value(r->os_type_version_name);
            }
            w.end_object().end_object().end_object();
            respond(json_ok(std::move(w).str()));
        });
}

void identify(core::shard_runtime& runtime, core::record_store& store, http_request& req,
              http_responder& respond) {
    query q;
    if (auto st = parse_query(req.target, q); !st) {
        respond(make_error_response(st.error()));
        return;
    }
    if (!q.cplc || q.cplc->empty()) {
        fail(respond, core::api_errc::bad_request, "cplc is required (the card's CPLC in hex)");
        return;
    }
    auto cplc = hex_param(*q.cplc, core::card_keys_spec::max_cplc_bytes + 3); // + a 9F7F2A tag
    if (cplc) {
        *cplc = core::card_keys_spec::normalize_cplc(std::move(*cplc));
    }
    if (!cplc || cplc->size() > core::card_keys_spec::max_cplc_bytes) {
        fail(respond, core::api_errc::bad_request, "cplc must be even-length hex of at most 64 bytes");
        return;
    }
    core::bytes uid;
    if (q.uid && !q.uid->empty()) {
        auto u = hex_param(*q.uid, max_uid_bytes);
        if (!u) {
            fail(respond, core::api_errc::bad_request, "uid must be even-length hex of at most 16 bytes");
            return;
        }
        uid = std::move(*u);
    }
    store.find_device(std::move(*cplc), std::move(uid), runtime.local().ioc->get_executor(),
                      [respond = std::move(respond)](std::error_code ec,
                                                     std::optional<core::card_keys_record> r) mutable {
                          if (ec) {
                              fail(respond, core::api_errc::unavailable,
                                   "could not read the device registry");
                              return;
                          }
                          if (!r) {
                              fail(respond, core::api_errc::unknown_device,
                                   "no device is registered with this CPLC or UID");
                              return;
                          }
                          core::json_writer w;
                          w.begin_object().key("cin").value(r->id);
                          // Always present: fdsm builds devices/{cin}?batchId={n} from it (0: none recorded).
                          w.key("batchId").value(r->batch_id.value_or(0));
                          w.end_object();
                          respond(json_ok(std::move(w).str()));
                      });
}

} // namespace

void add_device_routes(route_table& routes, core::shard_runtime& runtime, core::record_store& store,
                       std::string_view prefix) {
    const std::string base = std::string(prefix) + "/devices/";
    // "identify" would also match {cin}; it goes first.
    routes.add(base + "identify", {"GET"},
               [&runtime, &store](http_request& req, const route_match&, http_responder& respond) {
                   identify(runtime, store, req, respond);
               });
    routes.add(base + "{cin}", {"GET"},
               [&runtime, &store](http_request& req, const route_match& m, http_responder& respond) {
                   get_device(runtime, store, req, m, respond);
               });
}

} // namespace tsm::transport::fidesmo
