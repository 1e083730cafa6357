// LOAD block building: BER length forms, block sizes, P1/P2 numbering, reassembly.
#include "tsm/core/cap/load_blocks.hpp"
#include "tsm/core/hex.hpp"

#include <boost/test/unit_test.hpp>

#include <stdexcept>

using namespace tsm::core;
using namespace tsm::core::cap;

namespace {

bytes pattern(std::size_t n) {
    bytes out(n, '\0');
    for (std::size_t i = 0; i < n; ++i) {
        out[i] = static_cast<char>(i * 7 + 3);
    }
    return out;
}

bytes reassemble(const std::vector<load_block>& blocks) {
    bytes out;
    for (const auto& b : blocks) {
        out += b.data;
    }
    return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(cap_load_blocks)

BOOST_AUTO_TEST_CASE(ber_length_forms) {
    BOOST_TEST(to_hex(ber_length(0)) == "00");
    BOOST_TEST(to_hex(ber_length(0x7F)) == "7F");
    BOOST_TEST(to_hex(ber_length(0x80)) == "8180");
    BOOST_TEST(to_hex(ber_length(0xFF)) == "81FF");
    BOOST_TEST(to_hex(ber_length(0x100)) == "820100");
    BOOST_TEST(to_hex(ber_length(0xFFFF)) == "82FFFF");
    BOOST_TEST(to_hex(ber_length(0x10000)) == "83010000");
    BOOST_TEST(to_hex(ber_length(0x1000000)) == "8401000000");
    BOOST_TEST(to_hex(load_file_prefix(0x57)) == "C457");
    BOOST_TEST(to_hex(load_file_prefix(0xD3)) == "C481D3");
    BOOST_TEST(to_hex(load_file_prefix(0x157)) == "C4820157");
}

BOOST_AUTO_TEST_CASE(blocks_for_each_length_form) {
    struct tc {
        std::size_t lfdb_len;
        std::string prefix_hex;
    };
    for (const tc& c : {tc{1, "C401"}, tc{0x7F, "C47F"}, tc{0x80, "C48180"}, tc{0xFF, "C481FF"},
                        tc{0x100, "C4820100"}, tc{343, "C4820157"}, tc{5000, "C4821388"}}) {
        const bytes lfdb = pattern(c.lfdb_len);
        for (std::size_t max : {1u, 16u, 200u, 239u, 255u, 4096u}) {
            BOOST_TEST_CONTEXT("lfdb " << c.lfdb_len << " max " << max) {
                const std::size_t total = c.prefix_hex.size() / 2 + c.lfdb_len;
                const std::size_t expected_blocks = (total + max - 1) / max;
                if (expected_blocks > 256) {
                    BOOST_CHECK_THROW(build_load_blocks(lfdb, max), std::length_error);
                    continue;
                }
                const auto blocks = build_load_blocks(lfdb, max);
                BOOST_REQUIRE_EQUAL(blocks.size(), expected_blocks);
                for (std::size_t i = 0; i < blocks.size(); ++i) {
                    BOOST_TEST(blocks[i].p2 == i);
                    BOOST_TEST(blocks[i].p1 == (i + 1 == blocks.size() ? 0x80 : 0x00));
                    if (i + 1 < blocks.size()) {
                        BOOST_TEST(blocks[i].data.size() == max);
                    } else {
                        BOOST_TEST(blocks[i].data.size() == total - max * i);
                        BOOST_TEST(!blocks[i].data.empty());
                    }
                }
                const bytes joined = reassemble(blocks);
                BOOST_TEST(to_hex(joined.substr(0, c.prefix_hex.size() / 2)) == c.prefix_hex);
                BOOST_TEST(joined.substr(c.prefix_hex.size() / 2) == lfdb);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(prefix_split_across_blocks) {
    const bytes lfdb = pattern(300);
    const auto blocks = build_load_blocks(lfdb, 2); // C4 82 | 01 2C | data...
    BOOST_TEST(to_hex(blocks[0].data) == "C482");
    BOOST_TEST(to_hex(blocks[1].data) == "012C");
    BOOST_TEST(blocks[2].data == lfdb.substr(0, 2));
    BOOST_TEST(blocks.size() == 152u);
}

BOOST_AUTO_TEST_CASE(empty_lfdb_is_one_block) {
    const auto blocks = build_load_blocks({}, 239);
    BOOST_REQUIRE_EQUAL(blocks.size(), 1u);
    BOOST_TEST(to_hex(blocks[0].data) == "C400");
    BOOST_TEST(blocks[0].p1 == 0x80);
    BOOST_TEST(blocks[0].p2 == 0);
}

BOOST_AUTO_TEST_CASE(limits) {
    BOOST_CHECK_THROW(build_load_blocks("x", 0), std::invalid_argument);
    BOOST_CHECK_THROW(build_load_blocks("x", 0x10000), std::invalid_argument);
    // 256 blocks exactly is the most P2 can number.
    const bytes lfdb = pattern(256 * 100 - 4);
    const auto blocks = build_load_blocks(lfdb, 100);
    BOOST_TEST(blocks.size() == 256u);
    BOOST_TEST(blocks.back().p2 == 255);
    BOOST_CHECK_THROW(build_load_blocks(pattern(256 * 100 - 3), 100), std::length_error);
}

BOOST_AUTO_TEST_SUITE_END()
