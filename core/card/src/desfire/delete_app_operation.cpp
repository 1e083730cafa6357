// /desfire/ev1/deleteApp. Round trips (stop_on_error off, see operations.hpp):
//   1  SELECT DESFire, SelectApplication(000000), Authenticate(PICC key)  -> E(RndB)
//   2  authentication answer                                              -> E(RndA')
//   3  DeleteApplication(aid) (CMAC chain; the answer's CMAC is verified)
// = 3 round trips. An application that is not there answers A0 ("application not found").
#include "native_exchange.hpp"

#include <memory>

namespace tsm::core::desfire {
namespace {

using namespace detail;

class delete_app_operation final : public picc_operation {
public:
    delete_app_operation(card_context ctx, delete_app_request req)
        : picc_operation(std::move(ctx)), req_(req) {}

private:
    std::optional<operation_outcome> check() const override { return refuse_invalid(req_); }

    operation_step authenticated() override {
        const bytes del = static_cast<char>(ins_delete_application) + aid_bytes(req_.aid);
        if (auto mac = picc_session().mac_command(del); !mac) {
            return finish(internal_error("DeleteApplication CMAC: " + mac.error().message()));
        }
        return send({wrap(del)});
    }

    operation_step on_script(const std::vector<bytes>& responses) override {
        const answer deleted = read_answer(responses[0]);
        if (!deleted.ok()) {
            return finish(answer_error(ins_delete_application, deleted));
        }
        if (auto v = picc_session().verify_response(deleted.data, status_ok); !v) {
            return finish(secure_messaging_error("the DeleteApplication answer failed CMAC verification: "
                                                 + v.error().message()));
        }
        return finish(operation_outcome{});
    }

    delete_app_request req_;
};

} // namespace

std::unique_ptr<operation> make_delete_app(card_context ctx, delete_app_request req) {
    return std::make_unique<delete_app_operation>(std::move(ctx), req);
}

} // namespace tsm::core::desfire
