// From a CAP file to the LOAD script a card content management install sends: parse the CAP
// (ZIP, components, Load File Data Block), cut the LFDB into LOAD blocks, and wrap INSTALL [for
// load] + every LOAD under SCP03 (C-MAC + C-DEC). Uses tests/data/cap/kaoh-helloworld.cap.
#include "tsm/core/cap/cap_file.hpp"
#include "tsm/core/cap/load_blocks.hpp"
#include "tsm/core/ccm/apdus.hpp"
#include "tsm/core/gp/scp03.hpp"
#include "tsm/core/gp/scp03_session.hpp"
#include "tsm/core/gp/security_level.hpp"
#include "tsm/core/hex.hpp"

#include <benchmark/benchmark.h>

#include <fstream>
#include <iterator>
#include <optional>
#include <string>

namespace {

namespace cap = tsm::core::cap;
namespace ccm = tsm::core::ccm;
namespace gp = tsm::core::gp;
using tsm::core::bytes;

std::string read_cap() {
    std::ifstream in(TSM_TEST_DATA_DIR "/cap/kaoh-helloworld.cap", std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bytes unhex(std::string_view h) {
    return *tsm::core::from_hex(h);
}

/// The pysim_AES128 vector session (see core_scp03_wrap_bench.cpp), C-MAC + C-DEC.
std::optional<gp::scp03_session> open_session() {
    gp::static_keys keys{*gp::secret_key::from_hex("000102030405060708090A0B0C0D0E0F"),
                         *gp::secret_key::from_hex("101112131415161718191A1B1C1D1E1F"),
                         *gp::secret_key::from_hex("202122232425262728292A2B2C2D2E2F")};
    auto card = gp::parse_scp03_init_response(
        unhex("000000000000000000003003703EB51047495B249F66C484C1D2EF1948000002"));
    if (!card) {
        return std::nullopt;
    }
    auto s = gp::scp03_session::open(keys, unhex("B13E5F938FC108C4"), *card,
                                     gp::security_level::c_mac | gp::security_level::c_dec);
    if (!s || !s->external_authenticate()) {
        return std::nullopt;
    }
    return std::move(*s);
}

void bm_cap_parse(benchmark::State& state) {
    const std::string zip = read_cap();
    for (auto _ : state) {
        auto r = cap::parse_cap(zip);
        if (!r) {
            state.SkipWithError("the CAP file did not parse");
            return;
        }
        benchmark::DoNotOptimize(r.value().load_file_data_block().data());
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(zip.size()));
}
BENCHMARK(bm_cap_parse);

void bm_cap_to_wrapped_load_script(benchmark::State& state) {
    const std::string zip = read_cap();
    const bytes isd = unhex("A000000151000000");
    // C-DEC pads and C-MAC adds 8 bytes: the plain LOAD data that fits a 255-byte Lc
    const std::size_t block =
        ccm::apdu::max_plain_data(ccm::scp_protocol::scp03,
                                  gp::security_level::c_mac | gp::security_level::c_dec, 255);
    std::size_t commands = 0;
    for (auto _ : state) {
        auto session = open_session();
        auto parsed = cap::parse_cap(zip);
        if (!session || !parsed) {
            state.SkipWithError("setup failed");
            return;
        }
        const cap::cap_file& f = parsed.value();
        auto first = session->wrap(ccm::apdu::install_for_load(f.package_aid(), isd));
        if (!first) {
            state.SkipWithError("wrap failed");
            return;
        }
        commands = 1;
        for (const auto& b : cap::build_load_blocks(f.load_file_data_block(), block)) {
            auto w = session->wrap(ccm::apdu::load(b));
            if (!w) {
                state.SkipWithError("wrap failed");
                return;
            }
            benchmark::DoNotOptimize(w->apdu.data());
            ++commands;
        }
    }
    state.SetItemsProcessed(state.iterations()); // whole scripts
    state.counters["commands"] = static_cast<double>(commands);
}
BENCHMARK(bm_cap_to_wrapped_load_script);

} // namespace
