#include "tsm/core/operation_registry.hpp"

#include <boost/test/unit_test.hpp>

#include <stdexcept>
#include <string>

namespace core = tsm::core;

namespace {

core::operation_registry::kind accepting_kind(int* built = nullptr) {
    return {[](std::string_view payload) -> core::api_status {
                if (payload == "bad") {
                    return core::make_api_error(core::api_errc::bad_request, "payload says bad");
                }
                return {};
            },
            [built](const core::operation_record&, const core::session_record&,
                    core::operation_registry::done_handler done) {
                if (built != nullptr) {
                    ++*built;
                }
                done(nullptr, core::failed_outcome(500, "internal-error", "test kind builds nothing"));
            }};
}

} // namespace

BOOST_AUTO_TEST_SUITE(operation_registry_basics)

BOOST_AUTO_TEST_CASE(an_unknown_kind_is_refused_at_validation) {
    core::operation_registry r;
    r.add("known", accepting_kind());
    BOOST_TEST(r.knows("known"));
    BOOST_TEST(!r.knows("unknown"));
    const auto v = r.validate("unknown", "anything");
    BOOST_REQUIRE(!v);
    BOOST_TEST((v.error().code == core::api_errc::bad_request));
    BOOST_TEST(v.error().status() == 400);
}

BOOST_AUTO_TEST_CASE(validation_is_the_kind_own) {
    core::operation_registry r;
    r.add("known", accepting_kind());
    BOOST_TEST(static_cast<bool>(r.validate("known", "fine")));
    const auto v = r.validate("known", "bad");
    BOOST_REQUIRE(!v);
    BOOST_TEST(v.error().message == "payload says bad");
}

BOOST_AUTO_TEST_CASE(an_unknown_stored_kind_fails_its_build_with_internal_error) {
    core::operation_registry r;
    core::operation_record op;
    op.kind = "from-a-newer-server";
    bool called = false;
    r.build(op, core::session_record{},
            [&](std::unique_ptr<core::operation> built, std::optional<core::operation_outcome> failure) {
                called = true;
                BOOST_TEST(built == nullptr);
                BOOST_REQUIRE(failure.has_value());
                BOOST_TEST(failure->status_code == 500);
                BOOST_TEST(failure->error_code == "internal-error");
            });
    BOOST_TEST(called);
}

BOOST_AUTO_TEST_CASE(build_goes_to_the_registered_kind) {
    core::operation_registry r;
    int built = 0;
    r.add("known", accepting_kind(&built));
    core::operation_record op;
    op.kind = "known";
    r.build(op, core::session_record{}, [](auto, auto) {});
    BOOST_TEST(built == 1);
}

BOOST_AUTO_TEST_CASE(adding_a_kind_twice_or_incomplete_throws) {
    core::operation_registry r;
    r.add("known", accepting_kind());
    BOOST_CHECK_THROW(r.add("known", accepting_kind()), std::logic_error);
    BOOST_CHECK_THROW(r.add("", accepting_kind()), std::logic_error);
    BOOST_CHECK_THROW(r.add("no-build", core::operation_registry::kind{accepting_kind().validate, {}}),
                      std::logic_error);
    BOOST_TEST(!r.knows("no-build"));
}

BOOST_AUTO_TEST_SUITE_END()
