#include "tsm/transport/touch_point/fidesmo/long_poll.hpp"

#include "channel.hpp"
#include "channel_table.hpp"
#include "requirements.hpp"

#include "tsm/core/ids.hpp"
#include "tsm/core/json_writer.hpp"
#include "tsm/core/log.hpp"
#include "tsm/transport/touch_point/touch_point_mux.hpp"

#include <utility>

namespace tsm::transport::touch_point::fidesmo {
namespace {

core::connection_ref make_ref(unsigned shard, std::uint64_t id) {
    // The client runs every command, and answers user-interaction and action steps.
    return {shard, id, static_cast<std::uint8_t>(via::long_poll), true, true};
}

http_response description_reply(std::string_view description_json) {
    core::json_writer w;
    w.begin_object().key("description").raw(description_json).end_object();
    http_response r;
    r.body = std::move(w).str();
    return r;
}

http_response no_content() {
    http_response r;
    r.status = 204;
    r.content_type.clear();
    return r;
}

http_response shutting_down() {
    return make_error_response(
        core::make_api_error(core::api_errc::unavailable, "shutting down; retry later"));
}

std::string upper_hex(std::string s) {
    for (char& c : s) {
        if (c >= 'a' && c <= 'f') {
            c = static_cast<char>(c - 'a' + 'A');
        }
    }
    return s;
}

} // namespace

long_poll::long_poll(core::shard_runtime& runtime, core::record_store& store,
                     std::vector<boost::asio::io_context*> contexts, long_poll_options opts)
    : runtime_(runtime), store_(store), contexts_(std::move(contexts)), opts_(opts) {
    for (unsigned i = 0; i < contexts_.size(); ++i) {
        tables_.push_back(std::make_unique<channel_table>(i));
        sweeps_.push_back(std::make_unique<boost::asio::steady_timer>(*contexts_[i]));
    }
}

long_poll::~long_poll() = default;

void long_poll::start() {
    runtime_.invoke_on_all_and_wait([this](core::shard_services& s) { schedule_sweep(s.index); });
}

void long_poll::shutdown() {
    stopping_ = true;
    // Every request's shard task that runs after this one on a shard sees stopping_ and answers
    // at once: nothing is held past this point.
    runtime_.invoke_on_all_and_wait([this](core::shard_services& s) {
        sweeps_[s.index]->cancel();
        table(s.index).for_each([](channel& c) { c.release_held(); });
        for (auto& d : table(s.index).take_describes()) {
            d.respond(shutting_down());
        }
    });
}

// ---------------------------------------------------------------- channels

channel& long_poll::open_channel(core::shard_services& s, const std::string& session_id) {
    channel_table& t = table(s.index);
    const core::connection_ref conn = make_ref(s.index, t.next_id());
    channel_hooks hooks;
    // Routes live on the operation id's owner shard; the post is queued there before the fetch
    // reply naming the operation leaves, so the client's connector/json finds it.
    hooks.add_route = [this, session_id](const std::string& op) {
        runtime_.invoke_on(runtime_.owner_of(op), [this, op, session_id](core::shard_services& o) {
            table(o.index).add_route(op, session_id);
        });
    };
    hooks.remove_route = [this](const std::string& op) {
        runtime_.invoke_on(runtime_.owner_of(op),
                           [this, op](core::shard_services& o) { table(o.index).remove_route(op); });
    };
    hooks.hand_responses = [this, conn, session_id](std::uint64_t batch, std::vector<core::bytes> responses) {
        runtime_.local().sessions->on_responses(conn, session_id, batch, std::move(responses));
    };
    hooks.hand_input = [this, conn, session_id](const std::string& op, core::user_input input) {
        runtime_.local().sessions->on_user_input(conn, session_id, op, std::move(input));
    };
    hooks.held_fetches = &held_;
    return t.add(std::make_unique<channel>(session_id, conn, s.ioc->get_executor(), opts_.fetch_hold,
                                           std::move(hooks)));
}

void long_poll::settle(unsigned shard, std::uint64_t id) {
    channel* c = table(shard).find(id);
    if (c != nullptr && c->done() && !c->holding()) {
        table(shard).drop(id);
    }
}

std::function<void(bool)> long_poll::on_bound(unsigned shard, std::uint64_t id) {
    return [this, shard, id](bool ok) {
        if (ok) {
            return;
        }
        if (channel* c = table(shard).find(id)) {
            c->on_closed();
            settle(shard, id);
        }
    };
}

void long_poll::schedule_sweep(unsigned shard) {
    if (stopping_) {
        return;
    }
    auto& timer = *sweeps_[shard];
    timer.expires_after(opts_.sweep_interval);
    timer.async_wait([this, shard](const boost::system::error_code& ec) {
        if (ec || stopping_) {
            return;
        }
        sweep(shard);
        schedule_sweep(shard);
    });
}

void long_poll::sweep(unsigned shard) {
    const auto now = std::chrono::steady_clock::now();
    std::vector<std::pair<std::uint64_t, std::string>> idle;
    std::vector<std::uint64_t> ended;
    table(shard).for_each([&](channel& c) {
        if (c.holding()) {
            return;
        }
        const auto quiet = now - c.last_activity();
        if (c.closed() && quiet >= opts_.ended_retention) {
            ended.push_back(c.conn().id);
        } else if (!c.closed() && quiet >= opts_.idle_channel) {
            idle.emplace_back(c.conn().id, c.session_id());
        }
    });
    for (auto id : ended) {
        table(shard).drop(id);
    }
    auto& sessions = *runtime_.local().sessions;
    for (auto& [id, session_id] : idle) {
        // The client went quiet: the session forgets the channel; a later fetch binds a new one.
        sessions.on_disconnect(make_ref(shard, id), session_id);
        table(shard).drop(id);
    }
}

// ---------------------------------------------------------------- client API

void long_poll::describe(std::string app_id, std::string service_id, std::string cin,
                         http_responder respond) {
    core::shard_services& s = runtime_.local();
    channel_table& t = table(s.index);
    const std::uint64_t id = t.next_id();
    t.add_describe(id, pending_describe{std::move(respond), upper_hex(std::move(cin))});
    s.sessions->describe(make_ref(s.index, id), std::move(app_id), std::move(service_id));
}

void long_poll::deliver(core::delivery_request req, http_responder respond) {
    if (stopping_) {
        respond(shutting_down());
        return;
    }
    std::string session_id = core::new_time_ordered_uuid();
    // The session id is the client's only credential in this dialect (it resumes by it alone).
    req.resume_token = session_id;
    runtime_.invoke_on_owner(session_id, [this, session_id, req = std::move(req),
                                          respond = std::move(respond)](core::shard_services& s) mutable {
        if (stopping_) {
            respond(shutting_down()); // nothing started
            return;
        }
        channel& c = open_channel(s, session_id);
        c.expect_session(std::move(respond));
        const core::connection_ref conn = c.conn();
        s.sessions->start_delivery(conn, session_id, std::move(req), on_bound(s.index, conn.id));
    });
}

void long_poll::fetch(std::string session_id, http_responder respond,
                      std::optional<operation_result> result) {
    if (stopping_) {
        respond(shutting_down()); // 503: the client retries, against the next process
        return;
    }
    runtime_.invoke_on_owner(session_id, [this, session_id, respond = std::move(respond),
                                          result = std::move(result)](core::shard_services& s) mutable {
        if (stopping_) {
            respond(shutting_down()); // shutdown already released this shard's held requests
            return;
        }
        if (channel* c = table(s.index).find(session_id)) {
            c->fetch(std::move(respond), std::move(result));
            settle(s.index, c->conn().id);
            return;
        }
        // No channel: a new process, or the client came back after a while. It keeps polling;
        // the session is bound to a new channel and says again what is outstanding.
        channel& c = open_channel(s, session_id);
        const core::connection_ref conn = c.conn();
        c.fetch(std::move(respond), std::move(result)); // a result waits for its prompt again
        // Polls may reach any node while the owner lives: another node takes over only once
        // the owner's lease expired (cluster mode).
        s.sessions->resume(conn, session_id, session_id, on_bound(s.index, conn.id),
                           core::claim_mode::after_lease);
    });
}

void long_poll::connector(std::string operation_id, std::vector<core::bytes> responses,
                          http_responder respond) {
    // Every "not here, not now" is {"commands":[]}: a non-2xx connector/json ends the client's
    // delivery, while [] sends it back to fetch, which is held or retried and names the operation
    // again (after a restart, from the session's record) while its batch is outstanding.
    if (stopping_) {
        respond(go_back_to_fetch());
        return;
    }
    const unsigned route_shard = runtime_.owner_of(operation_id);
    runtime_.invoke_on(route_shard, [this, operation_id = std::move(operation_id),
                                     responses = std::move(responses),
                                     respond = std::move(respond)](core::shard_services& r) mutable {
        auto session_id = table(r.index).route(operation_id);
        if (!session_id || stopping_) {
            respond(go_back_to_fetch()); // e.g. a new process: routes live in memory only
            return;
        }
        runtime_.invoke_on_owner(*session_id,
                                 [this, session_id = *session_id, operation_id = std::move(operation_id),
                                  responses = std::move(responses),
                                  respond = std::move(respond)](core::shard_services& s) mutable {
                                     channel* c = table(s.index).find(session_id);
                                     if (c == nullptr || stopping_) {
                                         respond(go_back_to_fetch());
                                         return;
                                     }
                                     const std::uint64_t id = c->conn().id;
                                     c->connector(operation_id, std::move(responses), std::move(respond));
                                     settle(s.index, id);
                                 });
    });
}

void long_poll::client_error(std::string session_id, std::string message, http_responder respond) {
    if (stopping_) {
        respond(shutting_down());
        return;
    }
    runtime_.invoke_on_owner(session_id, [this, session_id, message = std::move(message),
                                          respond = std::move(respond)](core::shard_services& s) mutable {
        if (stopping_) {
            respond(shutting_down());
            return;
        }
        if (channel* c = table(s.index).find(session_id)) {
            if (!c->closed()) {
                s.sessions->on_client_error(c->conn(), session_id, std::move(message));
            }
            respond(no_content());
            return;
        }
        // Unbound (e.g. after a restart): bind it first, then fail it.
        channel& c = open_channel(s, session_id);
        const core::connection_ref conn = c.conn();
        const unsigned shard = s.index;
        s.sessions->resume(
            conn, session_id, session_id,
            [this, shard, conn, session_id, message = std::move(message)](bool ok) mutable {
                if (ok) {
                    runtime_.local().sessions->on_client_error(conn, session_id, std::move(message));
                    return;
                }
                on_bound(shard, conn.id)(false);
            },
            core::claim_mode::after_lease);
        respond(no_content());
    });
}

// ---------------------------------------------------------------- touch_point_port

void long_poll::send_commands(core::connection_ref conn, std::uint64_t batch_number,
                              std::string_view operation_id, const core::apdu_batch& batch) {
    if (channel* c = table(conn.shard).find(conn.id)) {
        c->on_commands(batch_number, operation_id, batch);
    }
}

void long_poll::send_description(core::connection_ref conn, std::string_view, std::string_view,
                                 std::string_view description_json) {
    auto d = table(conn.shard).take_describe(conn.id);
    if (!d) {
        return;
    }
    if (d->cin.empty()) {
        d->respond(description_reply(description_json));
        return;
    }
    // A registered device is checked against what the service requires; an unknown one is not
    // ruled out here (the delivery needs no registry record).
    std::string cin = std::move(d->cin);
    store_.load_card_keys(
        false, std::move(cin), contexts_[conn.shard]->get_executor(),
        [respond = std::move(d->respond),
         description = std::string(description_json)](std::error_code ec,
                                                      std::optional<core::card_keys_record> device) {
            if (ec) {
                respond(make_error_response(core::make_api_error(core::api_errc::unavailable,
                                                                 "could not read the device; retry later")));
                return;
            }
            if (device) {
                if (auto admitted = core::admit_device(decode_requirements(description), *device);
                    !admitted) {
                    respond(make_error_response(admitted.error()));
                    return;
                }
            }
            respond(description_reply(description));
        });
}

void long_poll::send_session(core::connection_ref conn, std::string_view, std::string_view) {
    if (channel* c = table(conn.shard).find(conn.id)) {
        c->on_session();
    }
}

void long_poll::send_resumed(core::connection_ref, std::string_view) {
    // Nothing to tell the client: the outstanding batch, if any, follows as send_commands.
}

void long_poll::send_error(core::connection_ref conn, const core::api_error& error) {
    channel_table& t = table(conn.shard);
    if (auto d = t.take_describe(conn.id)) {
        d->respond(make_error_response(error));
        return;
    }
    if (channel* c = t.find(conn.id)) {
        c->on_error(error);
    }
}

void long_poll::send_final_status(core::connection_ref conn, std::string_view final_status_json) {
    if (channel* c = table(conn.shard).find(conn.id)) {
        c->on_final_status(final_status_json);
    }
}

void long_poll::close(core::connection_ref conn, std::uint16_t, std::string) {
    if (channel* c = table(conn.shard).find(conn.id)) {
        c->on_closed();
        settle(conn.shard, conn.id);
    }
}

void long_poll::send_user_interaction(core::connection_ref conn, std::string_view operation_id,
                                      const core::prompt& p) {
    if (channel* c = table(conn.shard).find(conn.id)) {
        c->on_user_interaction(operation_id, p);
    }
}

void long_poll::send_operation_done(core::connection_ref conn, std::string_view operation_id) {
    if (channel* c = table(conn.shard).find(conn.id)) {
        c->on_operation_done(operation_id);
    }
}

} // namespace tsm::transport::touch_point::fidesmo
