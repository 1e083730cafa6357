// Rendering of outgoing JSON: the `commands` frame pushed to the touch point and the SP callback
// body that carries a finished operation's responses.
#include "tsm/core/operation.hpp"
#include "tsm/core/outcome.hpp"
#include "tsm/transport/touch_point/v1/codec.hpp"

#include <benchmark/benchmark.h>

#include <string>

namespace {

constexpr std::string_view operation_id = "op-3f6c1a2e9b8d4c07a1e5f2b3c4d5e6f7";

/// 13 bytes: SELECT by an 8-byte AID.
tsm::core::bytes select_apdu() {
    return tsm::core::bytes("\x00\xA4\x04\x00\x08\xA0\x00\x00\x01\x51\x00\x00\x00", 13);
}

/// 20 bytes: FCI + 9000.
tsm::core::bytes fci_response() {
    return *tsm::core::from_hex("6F108408A000000151000000A5049F6501FF9000");
}

void bm_frames_commands(benchmark::State& state) {
    tsm::core::apdu_batch b;
    b.commands.assign(static_cast<std::size_t>(state.range(0)), select_apdu());
    std::int64_t bytes_out = 0;
    std::uint64_t batch = 1;
    for (auto _ : state) {
        std::string frame = tsm::transport::touch_point::v1::frames::commands(batch++, operation_id, b);
        bytes_out += static_cast<std::int64_t>(frame.size());
        benchmark::DoNotOptimize(frame.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(bytes_out); // JSON bytes produced
    state.counters["apdus"] = static_cast<double>(state.range(0));
}
BENCHMARK(bm_frames_commands)->Arg(1)->Arg(8)->Arg(64);

void bm_frames_callback_body(benchmark::State& state) {
    tsm::core::operation_outcome o;
    o.responses.assign(static_cast<std::size_t>(state.range(0)), fci_response());
    std::int64_t bytes_out = 0;
    for (auto _ : state) {
        std::string body = tsm::core::callback_body(operation_id, o);
        bytes_out += static_cast<std::int64_t>(body.size());
        benchmark::DoNotOptimize(body.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(bytes_out);
    state.counters["responses"] = static_cast<double>(state.range(0));
}
BENCHMARK(bm_frames_callback_body)->Arg(1)->Arg(8)->Arg(64);

} // namespace
