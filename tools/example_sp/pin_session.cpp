#include "example_sp/pin_session.hpp"

#include "tsm/core/json_writer.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>

namespace tsm::tools::example_sp {

namespace {

void wipe(std::string& s) {
    if (!s.empty()) {
        OPENSSL_cleanse(s.data(), s.size());
    }
    s.clear();
}

void wipe(std::vector<std::pair<std::string, std::string>>& fields) {
    for (auto& [id, v] : fields) {
        wipe(v);
    }
    fields.clear();
}

} // namespace

std::string pin_description(const sp_key& key) {
    core::json_writer w;
    w.begin_object().key("title").value("Choose a PIN");
    w.key("description").value("Asks for a PIN (encrypted for the SP) and checks it");
    w.key("confirmationRequired").value(false);
    w.key("fieldsRequired").begin_array().end_array();
    w.key("certificate").value(key.certificate_hex());
    w.end_object();
    return std::move(w).str();
}

std::string pin_fields_json() {
    return R"([{"id":"pin","type":"edit","label":{"en":"Choose a PIN"}}])";
}

bool is_acceptable_pin(const std::string& pin) {
    return pin.size() >= 4 && pin.size() <= 8
           && std::all_of(pin.begin(), pin.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

bool run_pin_session(const demo_context& ctx, const sp_key& key, const std::string& session_id,
                     const std::function<void(const std::string&)>& observer) {
    const std::string callback_url = session_callback_url(ctx, session_id);
    ctx.log.line(session_id, "step 1 ask: /user-interaction field pin (edit), encrypted");
    auto answer = await_operation(ctx, session_id,
                                  ctx.api.user_interaction(session_id, callback_url, pin_fields_json(), true),
                                  "step 1 ask");
    std::string message;
    bool success = false;
    std::string pin;
    auto run = [&]() -> bool {
        if (!answer.ok) {
            message = answer.problem;
            return false;
        }
        const std::string* value = nullptr;
        for (const auto& [id, v] : answer.fields) {
            if (id == "pin") {
                value = &v;
            }
        }
        if (!value) {
            message = "step 1 ask: the answer has no pin";
            return false;
        }
        auto aes_key = key.unwrap(answer.ephemeral_key);
        if (!aes_key) {
            message = "step 2 decrypt: the ephemeralKey does not unwrap with the SP's key";
            return false;
        }
        auto clear = sp_key::decrypt_value(*aes_key, *value);
        wipe(*aes_key);
        if (!clear) {
            message = "step 2 decrypt: the pin does not decrypt";
            return false;
        }
        pin = std::move(*clear);
        ctx.log.line(session_id, "step 2 decrypt: PIN received (" + std::to_string(pin.size()) + " digits)");
        if (observer) {
            observer(pin);
        }
        if (!is_acceptable_pin(pin)) {
            message = "The PIN must be 4 to 8 digits";
            return false;
        }
        message = "PIN set";
        return true;
    };
    success = run();
    wipe(pin);
    wipe(answer.fields);
    return complete_session(ctx, session_id, success, message);
}

} // namespace tsm::tools::example_sp
