#include "touchpoint/batch_runner.hpp"

#include "tsm/core/hex.hpp"

#include <boost/test/unit_test.hpp>

#include <map>
#include <sstream>

using namespace tsm::tools::touchpoint;
using tsm::core::from_hex;
using tsm::core::to_hex;

namespace {

// Answers from a table (hex → hex) and records what it executed.
class scripted_card final : public card {
public:
    std::map<std::string, std::string> answers;
    std::vector<std::string> seen;
    std::string transceive(std::string_view apdu) override {
        seen.push_back(to_hex(apdu));
        auto it = answers.find(seen.back());
        return *from_hex(it == answers.end() ? "9000" : it->second);
    }
};

std::vector<std::string> bin(std::initializer_list<const char*> hex) {
    std::vector<std::string> out;
    for (auto h : hex) {
        out.push_back(*from_hex(h));
    }
    return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(batch_runner)

BOOST_AUTO_TEST_CASE(classifies_status_words) {
    BOOST_TEST(is_success_sw(*from_hex("9000")));
    BOOST_TEST(is_success_sw(*from_hex("01026110")));
    BOOST_TEST(!is_success_sw(*from_hex("6A82")));
    BOOST_TEST(!is_success_sw(*from_hex("90")));
    BOOST_TEST(!is_success_sw(""));
}

BOOST_AUTO_TEST_CASE(stop_on_error_stops_at_first_bad_sw) {
    scripted_card c;
    c.answers["02"] = "6A82";
    auto r = run_batch(c, bin({"01", "02", "03"}), true);
    BOOST_REQUIRE_EQUAL(r.size(), 2u);
    BOOST_TEST(to_hex(r[1]) == "6A82");
    BOOST_TEST(c.seen.size() == 2u);
}

BOOST_AUTO_TEST_CASE(sw_61xx_continues) {
    scripted_card c;
    c.answers["01"] = "AABB6110";
    auto r = run_batch(c, bin({"01", "02"}), true);
    BOOST_TEST(r.size() == 2u);
}

BOOST_AUTO_TEST_CASE(without_stop_on_error_runs_everything) {
    scripted_card c;
    c.answers["01"] = "6D00";
    auto r = run_batch(c, bin({"01", "02", "03"}), false);
    BOOST_TEST(r.size() == 3u);
    BOOST_TEST(to_hex(r[0]) == "6D00");
}

BOOST_AUTO_TEST_CASE(traces_only_when_asked) {
    scripted_card c;
    std::ostringstream trace;
    run_batch(c, bin({"00A4040000"}), true, &trace);
    BOOST_TEST(trace.str() == "> 00A4040000\n< 9000\n");
}

BOOST_AUTO_TEST_SUITE_END()
