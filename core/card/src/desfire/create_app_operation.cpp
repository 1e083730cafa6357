// /desfire/ev1/createApp. Round trips (every batch with stop_on_error off, see operations.hpp):
//   1  SELECT DESFire, SelectApplication(000000), Authenticate(PICC key)        -> E(RndB)
//   2  authentication answer                                                    -> E(RndA')
//   3  CreateApplication (CMAC chain; the answer's CMAC is verified)
//      + with keys: SelectApplication(aid), Authenticate(key 0, default key)     -> E(RndB)
//   4  (keys) authentication answer                                             -> E(RndA')
//   5  (keys) ChangeKey 1..n-1 (each answer's CMAC verified), then ChangeKey 0
// = 3 round trips without keys, 5 with keys.
//
// Why the selection and authentication ride with CreateApplication: both leave the card as it
// was if CreateApplication failed (a failed command drops authentication anyway), and they save
// a round trip. The ChangeKey cryptograms depend only on the session and the CMACs the card
// will return, which the host computes itself (status 00, no data), so all ChangeKeys go in one
// batch; the answers are then checked by replaying the chain on the real session. Should one
// ChangeKey fail, the card drops authentication and refuses the rest.
#include "native_exchange.hpp"

#include "tsm/core/gp/secret_key.hpp"

#include <memory>

namespace tsm::core::desfire {
namespace {

using namespace detail;

class create_app_operation final : public picc_operation {
public:
    create_app_operation(card_context ctx, create_app_request req)
        : picc_operation(std::move(ctx)), req_(std::move(req)) {}
    ~create_app_operation() override { wipe(); }

private:
    enum class step { create, app_proof, change_keys };

    std::optional<operation_outcome> check() const override { return refuse_invalid(req_); }

    void wipe() noexcept override {
        for (auto& k : req_.keys) {
            gp::wipe(k);
        }
        req_.keys.clear();
        app_auth_.reset();
        app_session_.reset();
    }

    /// CA aid(LSB first) KS1 KS2 [ISO FID (LSB first)] [DF name]; KS2 = crypto | ISO FID flag | n.
    bytes create_application_command() const {
        bytes c(1, static_cast<char>(ins_create_application));
        c += aid_bytes(req_.aid);
        c.push_back(static_cast<char>(req_.key_settings));
        const std::uint8_t ks2 = static_cast<std::uint8_t>(
            crypto_bits(req_.keys_type) | (req_.iso_file_id ? 0x20 : 0x00) | (req_.number_of_keys & 0x0F));
        c.push_back(static_cast<char>(ks2));
        if (req_.iso_file_id) {
            c.push_back(static_cast<char>(*req_.iso_file_id & 0xFF));
            c.push_back(static_cast<char>(*req_.iso_file_id >> 8));
            c += req_.iso_df_name;
        }
        return c;
    }

    /// A new application's keys: all zero bytes of its key type, version 0.
    desfire_key default_key() const {
        return desfire_key{req_.keys_type,
                           *gp::secret_key::from_bytes(bytes(key_length(req_.keys_type), '\0')), 0};
    }

    desfire_key new_key(std::size_t i) const {
        return desfire_key{req_.keys_type, *gp::secret_key::from_bytes(req_.keys[i]), req_.keys_version};
    }

    operation_step authenticated() override {
        const bytes create = create_application_command();
        if (auto mac = picc_session().mac_command(create); !mac) {
            return finish(internal_error("CreateApplication CMAC: " + mac.error().message()));
        }
        std::vector<bytes> batch{wrap(create)};
        if (!req_.keys.empty()) {
            auto rnd_a = random_bytes(context().random, challenge_length(req_.keys_type));
            if (!rnd_a) {
                return finish(internal_error("no random challenge for the authentication"));
            }
            app_auth_.emplace(default_key(), 0, std::move(*rnd_a), "application's default key 0");
            batch.push_back(wrap(select_application(req_.aid)));
            batch.push_back(app_auth_->command_apdu());
        }
        step_ = step::create;
        return send(std::move(batch));
    }

    operation_step on_script(const std::vector<bytes>& responses) override {
        switch (step_) {
        case step::create: return on_create(responses);
        case step::app_proof: return on_app_proof(responses);
        case step::change_keys: return on_change_keys(responses);
        }
        return finish(internal_error("unknown step"));
    }

    operation_step on_create(const std::vector<bytes>& responses) {
        const answer created = read_answer(responses[0]);
        if (!created.ok()) {
            return finish(answer_error(ins_create_application, created));
        }
        if (auto v = picc_session().verify_response(created.data, status_ok); !v) {
            return finish(secure_messaging_error("the CreateApplication answer failed CMAC verification: "
                                                 + v.error().message()));
        }
        if (req_.keys.empty()) {
            return finish(operation_outcome{});
        }
        auto next = app_auth_->on_challenge_after_select(responses[1], responses[2]);
        if (auto* failed = std::get_if<operation_outcome>(&next)) {
            return finish(std::move(*failed));
        }
        step_ = step::app_proof;
        return send({std::move(std::get<bytes>(next))});
    }

    operation_step on_app_proof(const std::vector<bytes>& responses) {
        auto opened = app_auth_->on_proof(responses[0]);
        app_auth_.reset();
        if (auto* failed = std::get_if<operation_outcome>(&opened)) {
            return finish(std::move(*failed));
        }
        app_session_.emplace(std::move(std::get<session>(opened)));
        session ahead = *app_session_; // runs ahead over the CMACs the card will return
        std::vector<bytes> batch;
        const desfire_key old_key = default_key();
        for (std::size_t i = 1; i <= req_.keys.size(); ++i) {
            const std::size_t key_no = i % req_.keys.size(); // 1..n-1, then 0 last
            const desfire_key key = new_key(key_no);
            auto cryptogram = ahead.change_key_cryptogram(static_cast<std::uint8_t>(key_no), key,
                                                          key_no == 0 ? nullptr : &old_key);
            if (!cryptogram) {
                return finish(internal_error("ChangeKey cryptogram: " + cryptogram.error().message()));
            }
            if (key_no != 0) {
                if (auto mac = ahead.mac_response({}, status_ok); !mac) {
                    return finish(internal_error("ChangeKey CMAC: " + mac.error().message()));
                }
            }
            bytes native{static_cast<char>(ins_change_key), static_cast<char>(key_no)};
            native += *cryptogram;
            batch.push_back(wrap(native));
        }
        step_ = step::change_keys;
        return send(std::move(batch));
    }

    operation_step on_change_keys(const std::vector<bytes>& responses) {
        const desfire_key old_key = default_key();
        for (std::size_t i = 0; i < responses.size(); ++i) {
            const std::size_t key_no = (i + 1) % responses.size();
            const answer changed = read_answer(responses[i]);
            if (!changed.ok()) {
                return finish(answer_error(ins_change_key, changed));
            }
            if (key_no == 0) {
                break; // changing the authenticated key ends the session: no CMAC
            }
            // Replays the chain on the real session: the same cryptogram moves the IV to its
            // last block, then the card's CMAC over (no data || 00) is checked.
            auto replay = app_session_->change_key_cryptogram(static_cast<std::uint8_t>(key_no),
                                                              new_key(key_no), &old_key);
            if (!replay) {
                return finish(internal_error("ChangeKey cryptogram: " + replay.error().message()));
            }
            if (auto v = app_session_->verify_response(changed.data, status_ok); !v) {
                return finish(
                    secure_messaging_error("the ChangeKey (key " + std::to_string(key_no)
                                           + ") answer failed CMAC verification: " + v.error().message()));
            }
        }
        return finish(operation_outcome{});
    }

    create_app_request req_;
    step step_ = step::create;
    std::optional<authenticator> app_auth_;
    std::optional<session> app_session_;
};

} // namespace

std::unique_ptr<operation> make_create_app(card_context ctx, create_app_request req) {
    return std::make_unique<create_app_operation>(std::move(ctx), std::move(req));
}

} // namespace tsm::core::desfire
