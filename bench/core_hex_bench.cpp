// Hex codec for APDUs, AIDs and keys: 16 B (a key), 261 B (a short APDU at its maximum),
// 4 KiB (an extended APDU / a load block).
#include "tsm/core/hex.hpp"

#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

namespace {

std::string make_bytes(std::size_t n) {
    std::string b(n, '\0');
    std::uint32_t x = 0x9E3779B9u;
    for (auto& c : b) {
        x = x * 1664525u + 1013904223u;
        c = static_cast<char>(x >> 24);
    }
    return b;
}

void bm_hex_to_hex(benchmark::State& state) {
    const auto data = make_bytes(static_cast<std::size_t>(state.range(0)));
    for (auto _ : state) {
        std::string h = tsm::core::to_hex(data);
        benchmark::DoNotOptimize(h.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * state.range(0)); // binary bytes encoded
}
BENCHMARK(bm_hex_to_hex)->Arg(16)->Arg(261)->Arg(4096);

void bm_hex_append_hex(benchmark::State& state) {
    const auto data = make_bytes(static_cast<std::size_t>(state.range(0)));
    std::string out;
    out.reserve(2 * data.size());
    for (auto _ : state) {
        out.clear(); // capacity kept: measures encoding without allocation
        tsm::core::append_hex(out, data);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(bm_hex_append_hex)->Arg(16)->Arg(261)->Arg(4096);

void bm_hex_from_hex(benchmark::State& state) {
    // Mixed case, as the wire allows either.
    std::string hex = tsm::core::to_hex(make_bytes(static_cast<std::size_t>(state.range(0))));
    for (std::size_t i = 0; i < hex.size(); i += 3) {
        if (hex[i] >= 'A' && hex[i] <= 'F') {
            hex[i] = static_cast<char>(hex[i] - 'A' + 'a');
        }
    }
    for (auto _ : state) {
        auto b = tsm::core::from_hex(hex);
        if (!b) {
            state.SkipWithError("from_hex rejected valid input");
            break;
        }
        benchmark::DoNotOptimize(b->data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * state.range(0)); // binary bytes decoded
}
BENCHMARK(bm_hex_from_hex)->Arg(16)->Arg(261)->Arg(4096);

} // namespace
