#include "session_harness.hpp"

#include "tsm/core/transceive_operation.hpp"

#include <boost/test/unit_test.hpp>

namespace session_harness {

core::session_service_config default_config() {
    core::session_service_config cfg;
    cfg.is_json_object = [](std::string_view j) { return !j.empty() && j.front() == '{'; };
    cfg.write_retry_interval = 1ms; // a failed result or end write is tried again at once
    return cfg;
}

bj::object parse(const std::string& s) {
    return bj::parse(s).as_object();
}

harness::harness(core::session_service_config cfg)
    : relay(ioc, store, sp, relay_config(), probe, &vault), kinds(transceive_only()),
      svc(ioc, store, tp, sp, relay, apps, hasher, kinds, vault, std::move(cfg), probe) {
    core::app_record a;
    a.app_id = app_id;
    a.key_hash = hasher.digest(core::app_directory::key_context, "app-key");
    a.description_url = description_url;
    a.delivery_url = delivery_url;
    a.delivery_method = "POST";
    a.callback_prefixes = {cb_prefix};
    apps.put(a);
}

core::operation_registry harness::transceive_only() {
    core::operation_registry r;
    core::register_transceive(r);
    return r;
}

core::outbox_relay_config harness::relay_config() {
    core::outbox_relay_config c;
    c.retry.initial = 1ms;
    c.retry.max_delay = 2ms;
    return c;
}

void harness::drain() {
    ioc.restart();
    ioc.poll();
}

core::delivery_request harness::request() const {
    core::delivery_request r;
    r.app_id = app_id;
    r.service_id = "svc-1";
    r.iin = "8A2C10";
    r.cin = "0E48800471400A";
    r.platform_version = 2;
    r.fields_json = R"({"pin":"1234"})";
    return r;
}

std::string harness::deliver(connection_ref c, const std::string& sid) {
    std::optional<bool> bound;
    svc.start_delivery(c, sid, request(), [&](bool b) { bound = b; });
    auto gets = sp.open_calls(description_url);
    BOOST_REQUIRE_EQUAL(gets.size(), 1u);
    sp.answer(gets[0], 200, description);
    drain();
    BOOST_REQUIRE(bound.has_value());
    BOOST_REQUIRE(*bound);
    const auto sessions = tp.frames_of_type(c, "session");
    BOOST_REQUIRE_EQUAL(sessions.size(), 1u);
    return std::string(parse(sessions.back()).at("resumeToken").as_string());
}

std::string harness::open(connection_ref c, const std::string& sid) {
    std::string token = deliver(c, sid);
    auto posts = sp.open_calls(delivery_url);
    BOOST_REQUIRE_EQUAL(posts.size(), 1u);
    sp.answer(posts[0], 200);
    drain();
    return token;
}

accept_result& harness::accept(const std::string& sid, std::vector<bytes> cmds, std::string cb) {
    auto& r = accepts.emplace_back();
    if (cb.empty()) {
        cb = cb_prefix + std::to_string(accepts.size());
    }
    svc.accept_operation(std::string(app_id), sid, "transceive",
                         core::transceive_operation::encode_payload(cmds), std::move(cb),
                         [&r](std::optional<core::api_error> e, std::string id) {
                             r.called = true;
                             r.error = std::move(e);
                             r.operation_id = std::move(id);
                         });
    return r;
}

done_result& harness::complete(const std::string& sid, bool success, std::string msg, std::string app) {
    auto& r = completes.emplace_back();
    svc.complete(std::move(app), sid, success, std::move(msg), [&r](std::optional<core::api_error> e) {
        r.called = true;
        r.error = std::move(e);
    });
    return r;
}

std::vector<bj::object> harness::commands_frames(connection_ref c) const {
    std::vector<bj::object> out;
    for (const auto& f : tp.frames_of_type(c, "commands")) {
        out.push_back(parse(f));
    }
    return out;
}

std::vector<bj::object> harness::callbacks() const {
    std::vector<bj::object> out;
    for (auto i : sp.calls_to(cb_prefix)) {
        BOOST_TEST(sp.calls[i].method == "POST");
        out.push_back(parse(sp.calls[i].body));
    }
    return out;
}

std::string error_code_of(const bj::object& callback) {
    return std::string(callback.at("error").as_object().at("code").as_string());
}

} // namespace session_harness
