// The session engine and a touch point that runs every command (the Fidesmo dialects): a
// stop-on-error batch goes out in parts ending at its continue points, each part under its own
// batch number, and the operation reads the answers up to the first failure only.
#include "session_harness.hpp"

#include "tsm/core/api_error.hpp"

#include <boost/test/unit_test.hpp>

using namespace session_harness;

namespace {

const connection_ref every_command{0, 7, 1, true};

/// One stop-on-error batch of three commands, the first a continue point; records what it got.
class parted_operation final : public core::operation {
public:
    explicit parted_operation(std::vector<std::vector<bytes>>& seen) : seen_(seen) {}
    core::operation_step start() override {
        core::apdu_batch b;
        b.commands = {"\x01\x01"s, "\x02\x02"s, "\x03\x03"s};
        b.stop_on_error = true;
        b.continue_points = {0};
        return core::operation_step::send(std::move(b));
    }
    core::operation_step on_responses(std::vector<bytes> responses) override {
        seen_.push_back(responses);
        core::operation_outcome o;
        o.responses = std::move(responses);
        return core::operation_step::finish(std::move(o));
    }

private:
    std::vector<std::vector<bytes>>& seen_;
};

struct parted_harness : harness {
    parted_harness() {
        kinds.add("test/parted", {[](std::string_view) -> core::api_status { return {}; },
                                  [this](const core::operation_record&, const core::session_record&,
                                         core::operation_registry::done_handler done) {
                                      done(std::make_unique<parted_operation>(seen), std::nullopt);
                                  }});
    }
    void accept_parted() {
        svc.accept_operation(std::string(app_id), sid, "test/parted", {}, cb_prefix + "p",
                             [](std::optional<core::api_error>, std::string) {});
        drain();
    }
    std::vector<std::vector<bytes>> seen;
};

std::vector<std::string> hex_commands(const bj::object& frame) {
    std::vector<std::string> out;
    for (const auto& c : frame.at("commands").as_array()) {
        out.emplace_back(c.as_string());
    }
    return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(session_service_parts)

BOOST_AUTO_TEST_CASE(a_failure_at_a_continue_point_ends_the_batch_there) {
    parted_harness h;
    h.open(every_command, sid);
    h.accept_parted();
    auto frames = h.commands_frames(every_command);
    BOOST_REQUIRE_EQUAL(frames.size(), 1u);
    BOOST_TEST(hex_commands(frames[0]) == std::vector<std::string>{"0101"});
    h.svc.on_responses(every_command, sid, 0, {"\x69\x85"s});
    h.drain();
    BOOST_REQUIRE_EQUAL(h.seen.size(), 1u);
    BOOST_TEST(h.seen[0] == std::vector<bytes>{"\x69\x85"s});
    BOOST_TEST(h.commands_frames(every_command).size() == 1u); // the card never got the rest
}

BOOST_AUTO_TEST_CASE(the_next_part_follows_and_answers_after_a_failure_are_not_read) {
    parted_harness h;
    h.open(every_command, sid);
    h.accept_parted();
    h.svc.on_responses(every_command, sid, 0, {"\x90\x00"s});
    h.drain();
    BOOST_TEST(h.seen.empty());
    auto frames = h.commands_frames(every_command);
    BOOST_REQUIRE_EQUAL(frames.size(), 2u);
    BOOST_TEST(hex_commands(frames[1]) == (std::vector<std::string>{"0202", "0303"}));
    BOOST_TEST(frames[1].at("batch").as_int64() == frames[0].at("batch").as_int64() + 1);
    // The touch point ran both commands; the second answer comes after a failure.
    h.svc.on_responses(every_command, sid, 0, {"\x6A\x80"s, "\x90\x00"s});
    h.drain();
    BOOST_REQUIRE_EQUAL(h.seen.size(), 1u);
    BOOST_TEST(h.seen[0] == (std::vector<bytes>{"\x90\x00"s, "\x6A\x80"s}));
}

BOOST_AUTO_TEST_CASE(a_touch_point_that_stops_gets_the_batch_whole) {
    parted_harness h;
    h.open(conn1, sid);
    h.accept_parted();
    auto frames = h.commands_frames(conn1);
    BOOST_REQUIRE_EQUAL(frames.size(), 1u);
    BOOST_TEST(hex_commands(frames[0]).size() == 3u);
}

BOOST_AUTO_TEST_SUITE_END()
