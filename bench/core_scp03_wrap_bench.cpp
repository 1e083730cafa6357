// SCP03 secure messaging per APDU: what every card content management command costs the TSM
// (C-MAC, and C-DEC with its counter-derived ICV, under AES-128), plus opening a session
// (KDF, both cryptograms). The session is the pysim vector AES128 in tests/data/vectors.
#include "tsm/core/gp/scp03.hpp"
#include "tsm/core/gp/scp03_session.hpp"
#include "tsm/core/gp/security_level.hpp"
#include "tsm/core/hex.hpp"

#include <benchmark/benchmark.h>

#include <optional>
#include <string>

namespace {

namespace gp = tsm::core::gp;
using tsm::core::bytes;

bytes unhex(std::string_view h) {
    return *tsm::core::from_hex(h);
}

/// pysim_AES128 (scp03-vectors.json): static keys, host challenge, INITIALIZE UPDATE answer.
struct vector_session {
    gp::static_keys keys{*gp::secret_key::from_hex("000102030405060708090A0B0C0D0E0F"),
                         *gp::secret_key::from_hex("101112131415161718191A1B1C1D1E1F"),
                         *gp::secret_key::from_hex("202122232425262728292A2B2C2D2E2F")};
    bytes host_challenge = unhex("B13E5F938FC108C4");
    gp::scp03_init_response card = *gp::parse_scp03_init_response(
        unhex("000000000000000000003003703EB51047495B249F66C484C1D2EF1948000002"));
};

std::optional<gp::scp03_session> open_authenticated(std::uint8_t level) {
    vector_session v;
    auto s = gp::scp03_session::open(v.keys, v.host_challenge, v.card, level);
    if (!s || !s->external_authenticate()) {
        return std::nullopt;
    }
    return std::move(*s);
}

/// A STORE DATA-shaped case 3 APDU with `n` bytes of data (GP class, as the TSM sends them).
bytes command_with_data(std::size_t n) {
    bytes apdu("\x80\xE2\x00\x00", 4);
    apdu.push_back(static_cast<char>(n));
    apdu.append(n, '\x5A');
    return apdu;
}

void bm_scp03_wrap(benchmark::State& state) {
    const auto level = static_cast<std::uint8_t>(state.range(1));
    auto session = open_authenticated(level);
    if (!session) {
        state.SkipWithError("the vector session did not open");
        return;
    }
    const bytes apdu = command_with_data(static_cast<std::size_t>(state.range(0)));
    for (auto _ : state) {
        auto wrapped = session->wrap(apdu);
        if (!wrapped) {
            state.SkipWithError("wrap failed");
            return;
        }
        benchmark::DoNotOptimize(wrapped->apdu.data());
    }
    state.SetItemsProcessed(state.iterations()); // APDUs wrapped
    state.SetBytesProcessed(state.iterations() * state.range(0));
}
// data sizes: small, a typical STORE DATA block, the largest that still fits after C-DEC + C-MAC
BENCHMARK(bm_scp03_wrap)
    ->ArgNames({"Lc", "level"})
    ->Args({16, gp::security_level::c_mac})
    ->Args({16, gp::security_level::c_mac | gp::security_level::c_dec})
    ->Args({128, gp::security_level::c_mac | gp::security_level::c_dec})
    ->Args({239, gp::security_level::c_mac | gp::security_level::c_dec});

void bm_scp03_open(benchmark::State& state) {
    vector_session v;
    for (auto _ : state) {
        auto s = gp::scp03_session::open(v.keys, v.host_challenge, v.card,
                                         gp::security_level::c_mac | gp::security_level::c_dec);
        if (!s) {
            state.SkipWithError("the vector session did not open");
            return;
        }
        auto ea = s->external_authenticate();
        benchmark::DoNotOptimize(ea);
    }
    state.SetItemsProcessed(state.iterations()); // sessions opened (KDF x3, two cryptograms, EA MAC)
}
BENCHMARK(bm_scp03_open);

} // namespace
