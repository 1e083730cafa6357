#include "sp_sink.hpp"

#include "bench.hpp"
#include "worker.hpp"

#include "tsm/transport/http_server.hpp"

#include <boost/json.hpp>

#include <charconv>
#include <cstdio>

namespace tsm::tools::loadgen {

namespace {

void on_callback(bench& b, worker& here, std::string_view seq_text, const std::string& body) {
    const std::int64_t now = now_ns();
    std::uint64_t seq = 0;
    auto [p, ec] = std::from_chars(seq_text.data(), seq_text.data() + seq_text.size(), seq);
    op_slot* slot = (ec == std::errc() && p == seq_text.data() + seq_text.size()) ? b.ops.find(seq) : nullptr;
    if (slot == nullptr) {
        // A retry of a callback we already counted finds its slot free.
        b.st.error(error_kind::unknown_event);
        return;
    }
    const auto step = slot->step.load(std::memory_order_relaxed);
    const auto kind = slot->kind.load(std::memory_order_relaxed) % op_kinds;
    const bool failed = body.find(R"("statusCode":200)") == std::string::npos;
    const auto session = slot->session.load(std::memory_order_relaxed);
    const auto t_start = slot->t_start.load(std::memory_order_relaxed);
    bool completed = false;
    const auto old = b.ops.mark(*slot, op_flag::called, completed);
    if (old & op_flag::called) {
        b.st.error(error_kind::callback_duplicate);
        return;
    }
    here.record(step, static_cast<std::uint8_t>(kind), latency_kind::callback, now - t_start);
    auto& sc = b.st.steps[step];
    if (failed) {
        b.st.error(error_kind::callback_failed);
        sc.kind[kind].callback_failed.fetch_add(1, std::memory_order_relaxed);
        if (b.st.error_count(error_kind::callback_failed) <= 3) {
            std::fprintf(stderr, "tsm-bench: %s callback with an error: %.400s\n",
                         op_kind_name(static_cast<op_kind>(kind)), body.c_str());
        }
    }
    sc.called.fetch_add(1, std::memory_order_relaxed);
    sc.kind[kind].called.fetch_add(1, std::memory_order_relaxed);
    b.st.called_total.fetch_add(1, std::memory_order_relaxed);
    std::int64_t last = sc.last_callback_ns.load(std::memory_order_relaxed);
    while (last < now && !sc.last_callback_ns.compare_exchange_weak(last, now, std::memory_order_relaxed)) {
    }
    if (completed) {
        sc.completed.fetch_add(1, std::memory_order_relaxed);
        sc.kind[kind].completed.fetch_add(1, std::memory_order_relaxed);
        b.st.completed_total.fetch_add(1, std::memory_order_relaxed);
    }
    b.workers[b.sessions[session]->owner]->session_done(session);
}

} // namespace

struct sp_sink::handler : transport::http_handler {
    bench& b;
    explicit handler(bench& x) : b(x) {}

    void on_request(transport::http_request req, transport::http_responder respond) override {
        const std::string_view path = req.path();
        transport::http_response r;
        r.body = "{}";
        if (path.rfind("/cb/", 0) == 0) {
            on_callback(b, *b.workers[req.shard], path.substr(4), req.body);
        } else if (path.rfind("/desc/", 0) == 0) {
            r.body = R"({"title":"tsm-bench","description":"load harness","confirmationRequired":false})";
        } else if (path == "/deliver") {
            boost::system::error_code ec;
            auto v = boost::json::parse(req.body, ec);
            if (!ec && v.is_object() && v.as_object().contains("sessionId")) {
                b.deliveries.fetch_add(1, std::memory_order_release);
            }
        } else {
            r = transport::make_error_response(404, "not-found", "tsm-bench sink: no such path");
        }
        respond(std::move(r));
    }
};

struct sp_sink::impl {
    handler h;
    std::unique_ptr<transport::http_server> server;
    explicit impl(bench& b) : h(b) {}
};

sp_sink::sp_sink(bench& b) : impl_(std::make_unique<impl>(b)) {
    std::vector<boost::asio::io_context*> ctx;
    for (auto& w : b.workers) {
        ctx.push_back(&w->ioc());
    }
    transport::http_server_options o;
    o.max_connections_per_shard = 100000;
    o.read_timeout = std::chrono::milliseconds(120000);
    impl_->server =
        std::make_unique<transport::http_server>(ctx, o, impl_->h, nullptr, std::vector<std::string>{});
}

sp_sink::~sp_sink() = default;

std::string sp_sink::start() {
    const std::string bound = impl_->server->listen("127.0.0.1:0");
    impl_->server->start();
    return "http://" + bound;
}

void sp_sink::stop() {
    impl_->server->stop_accepting();
}

} // namespace tsm::tools::loadgen
