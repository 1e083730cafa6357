#include "sp_api_fixture.hpp"

#include "tsm/core/ids.hpp"
#include "tsm/core/operation_kinds.hpp"
#include "tsm/core/user_interaction.hpp"
#include "tsm/core/transceive_operation.hpp"

#include <boost/asio/post.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <future>
#include <thread>

namespace sp_api_test {
namespace {

using namespace std::chrono_literals;

constexpr auto wait_limit = 5s;

core::app_record make_app(std::string_view id, const std::string& key_hex,
                          const core::secret_hasher& hasher) {
    core::app_record a;
    a.app_id = id;
    a.key_hash = hasher.digest(core::app_directory::key_context, *core::from_hex(key_hex));
    a.description_url = description_url;
    a.delivery_url = delivery_url;
    a.delivery_method = "POST";
    a.callback_prefixes = {cb_prefix};
    return a;
}

/// Every SP API kind: transceive for real; the others accept any payload and are never built
/// here (their payloads are checked by the tests from the store).
core::operation_registry test_kinds() {
    core::operation_registry r;
    core::register_transceive(r);
    core::user_interaction::register_kinds(r); // for real: they need nothing but their record
    for (std::string_view kind :
         {core::kinds::ccm_install, core::kinds::ccm_delete, core::kinds::ccm_storedata,
          core::kinds::desfire_create_app, core::kinds::desfire_commands, core::kinds::desfire_delete_app}) {
        r.add(kind, {[](std::string_view) -> core::api_status { return {}; },
                     [](const core::operation_record&, const core::session_record&,
                        core::operation_registry::done_handler) {}});
    }
    return r;
}

} // namespace

void test_store::commit(core::write_set w, core::durability d, boost::asio::any_io_executor ex,
                        commit_handler done) {
    auto put = w.put_capfiles;
    auto erase = w.delete_capfiles;
    fake.commit(std::move(w), d, std::move(ex),
                [this, put = std::move(put), erase = std::move(erase),
                 done = std::move(done)](std::error_code ec) {
                    if (!ec) {
                        for (const auto& f : put) {
                            capfiles[{f.app_id, f.id}] = f;
                        }
                        for (const auto& key : erase) {
                            capfiles.erase(key);
                        }
                    }
                    done(ec);
                });
}

void test_store::load_capfiles(std::string app_id, std::string id, boost::asio::any_io_executor ex,
                               load_capfiles_handler done) {
    std::vector<core::capfile_record> found;
    for (const auto& [key, f] : capfiles) {
        if (key.first == app_id && (id.empty() || key.second == id)) {
            found.push_back(f);
        }
    }
    boost::asio::post(ex, [found = std::move(found), done = std::move(done)]() mutable {
        done({}, std::move(found));
    });
}

fixture::fixture(std::size_t max_queued_operations) {
    core::session_service_config cfg;
    cfg.max_queued_operations = max_queued_operations;
    cfg.is_json_object = [](std::string_view j) { return !j.empty() && j.front() == '{'; };
    core::outbox_relay_config rcfg;
    rcfg.retry.initial = std::chrono::milliseconds(1);
    rcfg.retry.max_delay = std::chrono::milliseconds(2);
    std::vector<core::shard_services*> views;
    for (unsigned i = 0; i < pool.size(); ++i) {
        sps.push_back(std::make_unique<tsm::test::fake_sp_port>());
        tps.push_back(std::make_unique<tsm::test::fake_touch_point>());
        auto s = std::make_unique<core::shard_services>();
        s->index = i;
        s->ioc = &pool.context(i);
        s->sp = sps.back().get();
        s->apps = std::make_unique<core::app_directory>(i);
        {
            const core::this_thread_as_shard as_owner(i); // the directory checks its owner shard
            s->apps->put(make_app(app_id, app_key_hex, hasher));
            s->apps->put(make_app(other_app_id, other_key_hex, hasher));
        }
        rcfg.owner_shard = i;
        cfg.owner_shard = i;
        s->relay = std::make_unique<core::outbox_relay>(*s->ioc, store, *s->sp, rcfg, probe, &vault);
        s->kinds = test_kinds();
        s->sessions = std::make_unique<core::session_service>(*s->ioc, store, *tps.back(), *s->sp, *s->relay,
                                                              *s->apps, hasher, s->kinds, vault, cfg, probe);
        views.push_back(s.get());
        services.push_back(std::move(s));
    }
    runtime = std::make_unique<core::shard_runtime>(pool, views);
    tr::sp_api::limits lim;
    lim.max_commands = 4;
    lim.max_apdu_bytes = 261;
    api = std::make_unique<tr::sp_api::handler>(
        *runtime, store, hasher, vault, lim,
        [this](const tr::http_request& req, tr::http_responder& respond) {
            if (req.path() != "/healthz") {
                return false;
            }
            ++health_calls;
            tr::http_response r;
            r.content_type = "text/plain";
            r.body = "ok";
            respond(std::move(r));
            return true;
        },
        blocking);
    pool.start();
}

fixture::~fixture() {
    blocking.join();
    // Shard-owned objects go on their own threads, then the threads stop.
    pool.invoke_on_all_and_wait([this](unsigned i) {
        services[i]->sessions->shutdown();
        services[i]->relay->shutdown();
        services[i]->sessions.reset();
        services[i]->relay.reset();
    });
    pool.stop();
}

void fixture::run_on(unsigned shard, const std::function<void(core::shard_services&)>& fn) {
    auto done = std::make_shared<std::promise<void>>();
    auto f = done->get_future();
    runtime->invoke_on(shard, [&fn, done](core::shard_services& s) {
        fn(s);
        done->set_value();
    });
    BOOST_REQUIRE_MESSAGE(f.wait_for(wait_limit) == std::future_status::ready,
                          "shard " << shard << " did not run");
}

std::string fixture::session_owned_by(unsigned shard) const {
    for (int i = 0; i < 1000; ++i) {
        std::string id = core::new_uuid();
        if (runtime->owner_of(id) == shard) {
            return id;
        }
    }
    BOOST_FAIL("no session id for shard " << shard);
    return {};
}

void fixture::open_session(const std::string& sid, std::string_view app) {
    const unsigned owner = runtime->owner_of(sid);
    auto& sp = *sps[owner];
    const core::connection_ref conn{owner, 1};
    run_on(owner, [&](core::shard_services& s) {
        core::delivery_request req;
        req.app_id = app;
        req.service_id = "svc-1";
        req.iin = "8A2C10";
        req.cin = "0E48800471400A";
        req.platform_version = 2;
        s.sessions->start_delivery(conn, sid, req, [](bool) {});
    });
    // Answer the description, then (once the session is stored) the delivery request. Bounded.
    bool described = false;
    bool delivered = false;
    for (int i = 0; i < 500 && !delivered; ++i) {
        run_on(owner, [&](core::shard_services&) {
            if (!described) {
                if (auto calls = sp.open_calls(description_url); !calls.empty()) {
                    sp.answer(calls[0], 200, R"({"title":"Read CPLC"})");
                    described = true;
                }
            } else if (auto calls = sp.open_calls(delivery_url); !calls.empty()) {
                sp.answer(calls[0], 200);
                delivered = true;
            }
        });
        if (!delivered) {
            std::this_thread::sleep_for(1ms);
        }
    }
    BOOST_REQUIRE_MESSAGE(described && delivered, "the session did not open");
    // Let the completions the answer posted run before the test goes on.
    run_on(owner, [](core::shard_services&) {});
    run_on(owner, [](core::shard_services&) {});
}

tr::http_response fixture::call(tr::http_request req, unsigned on_shard) {
    req.shard = on_shard;
    auto result = std::make_shared<std::promise<tr::http_response>>();
    auto f = result->get_future();
    pool.invoke_on(on_shard, [this, req = std::move(req), result]() mutable {
        // set_value twice throws: a handler answering twice fails the test.
        api->on_request(std::move(req), [result](tr::http_response r) { result->set_value(std::move(r)); });
    });
    BOOST_REQUIRE_MESSAGE(f.wait_for(wait_limit) == std::future_status::ready, "no response");
    return f.get();
}

tr::http_request fixture::sp_request(std::string method, std::string target, std::string body,
                                     const std::string& sid, std::string_view app,
                                     const std::string& key_hex) {
    tr::http_request r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.body = std::move(body);
    r.headers.emplace_back("app_id", std::string(app));
    r.headers.emplace_back("app_key", key_hex);
    if (!sid.empty()) {
        r.headers.emplace_back("sessionId", sid);
        r.headers.emplace_back("callbackUrl", cb_prefix + "1");
    }
    return r;
}

std::string header(const tr::http_response& r, std::string_view name) {
    for (const auto& [k, v] : r.headers) {
        if (k == name) {
            return v;
        }
    }
    return {};
}

boost::json::object body_of(const tr::http_response& r) {
    boost::system::error_code ec;
    auto v = boost::json::parse(r.body, ec);
    if (ec || !v.is_object()) {
        return {};
    }
    return v.as_object();
}

std::string error_code(const tr::http_response& r) {
    auto b = body_of(r);
    if (!b.contains("error")) {
        return {};
    }
    return std::string(b.at("error").at("code").as_string());
}

std::string error_message(const tr::http_response& r) {
    auto b = body_of(r);
    if (!b.contains("error")) {
        return {};
    }
    return std::string(b.at("error").at("message").as_string());
}

} // namespace sp_api_test
