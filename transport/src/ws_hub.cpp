#include "tsm/transport/ws_hub.hpp"

#include "ws_connection.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

namespace tsm::transport {

namespace net = boost::asio;

bool ws_path_matches(std::string_view pattern, std::string_view target) noexcept {
    std::string_view path = target.substr(0, target.find('?'));
    // Segment by segment; both strings start with '/' when they are paths at all.
    while (!pattern.empty() && !path.empty()) {
        if (pattern.front() != '/' || path.front() != '/') {
            return false;
        }
        pattern.remove_prefix(1);
        path.remove_prefix(1);
        const std::string_view p = pattern.substr(0, pattern.find('/'));
        const std::string_view t = path.substr(0, path.find('/'));
        const bool wildcard = p.size() >= 2 && p.front() == '{' && p.back() == '}';
        if (wildcard ? t.empty() : p != t) {
            return false;
        }
        pattern.remove_prefix(p.size());
        path.remove_prefix(t.size());
    }
    return pattern.empty() && path.empty();
}

ws_hub::ws_hub(std::vector<net::io_context*> contexts, ws_handler& handler)
    : handler_(handler), contexts_(std::move(contexts)) {
    shards_.reserve(contexts_.size());
    for (unsigned i = 0; i < contexts_.size(); ++i) {
        shards_.push_back(std::make_unique<shard_state>(i, *contexts_[i], handler_));
    }
}

ws_hub::~ws_hub() = default;

ws_hub::shard_state& ws_hub::shard(unsigned i) {
    return *shards_.at(i);
}

// dispatch rather than post: a handler answering from on_message (the common case) runs on the
// owning shard already and needs no hop; from any other thread this posts.
void ws_hub::send(ws_ref conn, std::string text) {
    if (!conn.valid() || conn.shard >= shards_.size()) {
        return;
    }
    shard_state* s = shards_[conn.shard].get();
    net::dispatch(s->ctx, [s, id = conn.id, t = std::move(text)]() mutable {
        if (auto* c = s->find(id)) {
            c->send(std::move(t));
        }
    });
}

void ws_hub::close(ws_ref conn, std::uint16_t code, std::string reason) {
    if (!conn.valid() || conn.shard >= shards_.size()) {
        return;
    }
    shard_state* s = shards_[conn.shard].get();
    net::dispatch(s->ctx, [s, id = conn.id, code, r = std::move(reason)]() mutable {
        if (auto* c = s->find(id)) {
            c->close(code, std::move(r));
        }
    });
}

void ws_hub::close_all(std::uint16_t code, std::string reason) {
    for (auto& sp : shards_) {
        shard_state* s = sp.get();
        net::post(s->ctx, [s, code, reason]() {
            // Pin every connection first: the map must not change under the loop.
            std::vector<std::shared_ptr<ws_connection>> all;
            all.reserve(s->conns.size());
            for (auto& [id, c] : s->conns) {
                all.push_back(c->shared_from_this());
            }
            for (auto& c : all) {
                c->close(code, reason);
            }
        });
    }
}

std::size_t ws_hub::connection_count() const noexcept {
    std::size_t n = 0;
    for (const auto& s : shards_) {
        n += s->open.load(std::memory_order_relaxed);
    }
    return n;
}

} // namespace tsm::transport
