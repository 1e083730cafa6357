// DESFire EV1 secure messaging per native command, as the TSM runs it inside createApp and
// deleteApp: the command CMAC that moves the running IV, the check of the card's response CMAC,
// and an enciphered ChangeKey cryptogram. AES session and 2K3DES (ISO) session.
#include "tsm/core/desfire/key_type.hpp"
#include "tsm/core/desfire/secure_messaging.hpp"

#include <benchmark/benchmark.h>

#include <string>

namespace {

namespace df = tsm::core::desfire;
namespace gp = tsm::core::gp;
using tsm::core::bytes;

df::session make_session(df::key_type t) {
    // AES and 2K3DES session keys are both 16 bytes
    return df::session(t, *gp::secret_key::from_bytes(bytes(16, '\x42')));
}

/// One command/response pair: the host MACs the command, the card MACs its answer (computed on
/// a twin session, outside the timing) and the host verifies it.
void bm_desfire_command_and_response(benchmark::State& state) {
    const auto t = static_cast<df::key_type>(state.range(0));
    df::session host = make_session(t);
    df::session card = make_session(t);
    const bytes command("\xCA\xA3\xB2\xF1\x0F\x82", 6); // CreateApplication F1B2A3, KS 0F, 2 AES keys
    for (auto _ : state) {
        auto mac = host.mac_command(command);
        state.PauseTiming();
        (void)card.mac_command(command);
        auto card_mac = card.mac_response({}, 0x00);
        state.ResumeTiming();
        auto ok = host.verify_response(*card_mac, 0x00);
        if (!mac || !ok) {
            state.SkipWithError("the CMAC chain broke");
            return;
        }
        benchmark::DoNotOptimize(ok->data());
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(bm_desfire_command_and_response)
    ->ArgName("key_type")
    ->Arg(static_cast<int>(df::key_type::aes))
    ->Arg(static_cast<int>(df::key_type::tdes2));

void bm_desfire_change_key_cryptogram(benchmark::State& state) {
    df::session host = make_session(df::key_type::aes);
    df::desfire_key old_key{df::key_type::aes, *gp::secret_key::from_bytes(bytes(16, '\0')), 0};
    df::desfire_key new_key{df::key_type::aes, *gp::secret_key::from_bytes(bytes(16, '\x11')), 1};
    for (auto _ : state) {
        auto c = host.change_key_cryptogram(0x01, new_key, &old_key);
        if (!c) {
            state.SkipWithError("change_key_cryptogram failed");
            return;
        }
        benchmark::DoNotOptimize(c->data());
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(bm_desfire_change_key_cryptogram);

} // namespace
