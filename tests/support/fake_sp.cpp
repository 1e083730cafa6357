#include "fake_sp.hpp"

#include "tsm/transport/http_server.hpp"

#include <boost/asio/executor_work_guard.hpp>

namespace tsm::test {

struct fake_sp::handler : transport::http_handler {
    fake_sp& sp;
    explicit handler(fake_sp& s) : sp(s) {}

    void on_request(transport::http_request req, transport::http_responder respond) override {
        const std::string path(req.path());
        transport::http_response r;
        if (path.rfind("/desc/", 0) == 0) {
            const std::string service = path.substr(6);
            if (service == "missing") {
                respond(transport::make_error_response(404, "not-found", "no such service"));
            } else if (service == "broken") {
                respond(transport::make_error_response(503, "unavailable", "down"));
            } else if (service == "notjson") {
                r.body = "this is not json";
                respond(std::move(r));
            } else if (service == "req-javacard" || service == "req-fixeduid") {
                // Descriptions with device requirements (Fidesmo's "requirements" object).
                const char* need = service == "req-javacard" ? "javaCard" : "fixedUid";
                r.body = R"({"title":{"en":"Test service )" + service + R"("},"requirements":{")" + need
                         + R"(":{}}})";
                respond(std::move(r));
            } else {
                r.body = R"({"title":{"en":"Test service )" + service + R"("},"confirmationRequired":false})";
                respond(std::move(r));
            }
            return;
        }
        if (path == "/deliver") {
            boost::system::error_code ec;
            auto v = boost::json::parse(req.body, ec);
            r.status = sp.delivery_status.load();
            r.body = "{}";
            std::function<void()> answer = [respond = std::move(respond), r = std::move(r)]() mutable {
                respond(std::move(r));
            };
            bool held = false;
            {
                std::lock_guard lk(sp.mu_);
                sp.deliveries_.push_back(ec || !v.is_object() ? boost::json::object{} : v.as_object());
                ++sp.delivery_total_;
                sp.last_method_ = req.method;
                held = sp.holding_deliveries_;
                if (held) {
                    sp.held_deliveries_.push_back(std::move(answer));
                }
            }
            sp.cv_.notify_all();
            if (!held) {
                answer();
            }
            return;
        }
        if (path.rfind("/cb/", 0) == 0) {
            boost::system::error_code ec;
            auto v = boost::json::parse(req.body, ec);
            boost::json::object body = ec || !v.is_object() ? boost::json::object{} : v.as_object();
            int expected = sp.fail_callbacks.load();
            while (expected > 0 && !sp.fail_callbacks.compare_exchange_weak(expected, expected - 1)) {
            }
            const bool fail = expected > 0;
            r.status = fail ? 500 : 200;
            r.body = "{}";
            // A callback counts as accepted (wait_callback) once it is answered 200.
            std::function<void()> answer = [owner = &sp, path, body, fail, respond = std::move(respond),
                                            r = std::move(r)]() mutable {
                if (!fail) {
                    std::lock_guard lk(owner->mu_);
                    owner->accepted_callbacks_.emplace_back(path, body);
                }
                owner->cv_.notify_all();
                respond(std::move(r));
            };
            bool held = false;
            {
                std::lock_guard lk(sp.mu_);
                sp.callbacks_.emplace_back(path, body);
                held = sp.holding_callbacks_;
                if (held) {
                    sp.held_callbacks_.push_back(std::move(answer));
                }
            }
            sp.cv_.notify_all();
            if (!held) {
                answer();
            }
            return;
        }
        respond(transport::make_error_response(404, "not-found", "fake sp: no such path"));
    }
};

fake_sp::fake_sp() : handler_(std::make_unique<handler>(*this)) {
    server_ = std::make_unique<transport::http_server>(std::vector<boost::asio::io_context*>{&ioc_},
                                                       transport::http_server_options{}, *handler_, nullptr,
                                                       std::vector<std::string>{});
    const std::string bound = server_->listen("127.0.0.1:0");
    port_ = static_cast<unsigned short>(std::stoi(bound.substr(bound.rfind(':') + 1)));
    server_->start();
    thread_ = std::thread([this] {
        auto guard = boost::asio::make_work_guard(ioc_);
        ioc_.run();
    });
}

fake_sp::~fake_sp() {
    // Held answers go out before the server stops (their connections may be gone already).
    release_deliveries();
    release_callbacks();
    server_->stop_accepting();
    ioc_.stop();
    thread_.join();
    server_.reset();
}

void fake_sp::release(bool& holding, std::vector<std::function<void()>>& held) {
    std::vector<std::function<void()>> out;
    {
        std::lock_guard lk(mu_);
        holding = false;
        out.swap(held);
    }
    for (auto& answer : out) {
        answer(); // without mu_: answering takes it
    }
}

void fake_sp::hold_deliveries() {
    std::lock_guard lk(mu_);
    holding_deliveries_ = true;
}

void fake_sp::release_deliveries() {
    release(holding_deliveries_, held_deliveries_);
}

void fake_sp::hold_callbacks() {
    std::lock_guard lk(mu_);
    holding_callbacks_ = true;
}

void fake_sp::release_callbacks() {
    release(holding_callbacks_, held_callbacks_);
}

std::size_t fake_sp::held_callbacks() {
    std::lock_guard lk(mu_);
    return held_callbacks_.size();
}

std::string fake_sp::base() const {
    return "http://127.0.0.1:" + std::to_string(port_);
}

std::optional<boost::json::object> fake_sp::wait_delivery(std::chrono::milliseconds timeout) {
    std::unique_lock lk(mu_);
    if (!cv_.wait_for(lk, timeout, [&] { return !deliveries_.empty(); })) {
        return std::nullopt;
    }
    auto d = std::move(deliveries_.front());
    deliveries_.pop_front();
    return d;
}

std::optional<boost::json::object> fake_sp::wait_callback(const std::string& operation_id,
                                                          std::chrono::milliseconds timeout) {
    std::unique_lock lk(mu_);
    std::optional<boost::json::object> found;
    cv_.wait_for(lk, timeout, [&] {
        for (const auto& [path, body] : accepted_callbacks_) {
            auto it = body.find("operationId");
            if (it != body.end() && it->value().is_string() && it->value().as_string() == operation_id) {
                found = body;
                return true;
            }
        }
        return false;
    });
    return found;
}

std::vector<std::pair<std::string, boost::json::object>> fake_sp::callbacks() {
    std::lock_guard lk(mu_);
    return callbacks_;
}

std::size_t fake_sp::callback_count(const std::string& operation_id) {
    std::lock_guard lk(mu_);
    std::size_t n = 0;
    for (const auto& [path, body] : callbacks_) {
        auto it = body.find("operationId");
        if (it != body.end() && it->value().is_string() && it->value().as_string() == operation_id) {
            ++n;
        }
    }
    return n;
}

std::size_t fake_sp::delivery_count() {
    std::lock_guard lk(mu_);
    return delivery_total_;
}

std::string fake_sp::delivery_method() {
    std::lock_guard lk(mu_);
    return last_method_;
}

} // namespace tsm::test
