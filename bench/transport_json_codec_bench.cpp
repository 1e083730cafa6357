// Decoding of the JSON wire messages (simdjson on-demand): the SP transceive body, the touch
// point's `responses` message and the SP's /service/completed body (the SP bodies over
// transport/json_reader, in tsm::sp_api).
#include "tsm/transport/sp_api/body_decoders.hpp"
#include "tsm/transport/touch_point/v1/codec.hpp"

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

namespace {

/// SELECT by AID with an 8-byte AID: 13 bytes, a typical short command APDU.
constexpr const char* select_hex = "00A4040008A000000151000000";
/// FCI + 9000: 20 bytes, a typical short response APDU.
constexpr const char* response_hex = "6F108408A000000151000000A5049F6501FF9000";

std::string hex_array(const char* item, int n) {
    std::string s = "[";
    for (int i = 0; i < n; ++i) {
        if (i != 0) {
            s += ',';
        }
        s += '"';
        s += item;
        s += '"';
    }
    s += ']';
    return s;
}

void bm_json_codec_commands_body(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0));
    const std::string body = R"({"commands":)" + hex_array(select_hex, n) + "}";
    const tsm::transport::sp_api::limits limits;
    for (auto _ : state) {
        auto commands = tsm::transport::sp_api::decode_commands_body(body, limits);
        if (!commands) {
            state.SkipWithError(commands.error().message.c_str());
            break;
        }
        benchmark::DoNotOptimize(commands->data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(body.size()));
    state.counters["apdus"] = n;
}
BENCHMARK(bm_json_codec_commands_body)->Arg(1)->Arg(8)->Arg(64);

void bm_json_codec_responses_message(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0));
    const std::string msg =
        R"({"type":"responses","batch":17,"responses":)" + hex_array(response_hex, n) + "}";
    const tsm::transport::touch_point::limits limits;
    for (auto _ : state) {
        // A fresh message each time, as the WebSocket reader does per frame.
        auto out = tsm::transport::touch_point::v1::decode(msg, limits);
        if (!out || out->type != tsm::transport::touch_point::message::kind::responses
            || out->responses.size() != static_cast<std::size_t>(n)) {
            state.SkipWithError(!out ? out.error().message.c_str() : "unexpected decode result");
            break;
        }
        benchmark::DoNotOptimize(out);
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(msg.size()));
    state.counters["responses"] = n;
}
BENCHMARK(bm_json_codec_responses_message)->Arg(1)->Arg(8)->Arg(64);

void bm_json_codec_completed_body(benchmark::State& state) {
    const std::string body =
        state.range(0) == 0
            ? std::string(R"({"success":true,"message":"Card personalised"})")
            : std::string(R"({"success":false,"message":{"en":"Card blocked","de":"Karte gesperrt"}})");
    for (auto _ : state) {
        auto completed = tsm::transport::sp_api::decode_completed_body(body);
        if (!completed) {
            state.SkipWithError(completed.error().message.c_str());
            break;
        }
        benchmark::DoNotOptimize(completed->success);
        benchmark::DoNotOptimize(completed->message_json.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(body.size()));
    state.SetLabel(state.range(0) == 0 ? "string message" : "object message");
}
BENCHMARK(bm_json_codec_completed_body)->Arg(0)->Arg(1);

} // namespace
