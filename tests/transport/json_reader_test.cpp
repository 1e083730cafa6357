#include "tsm/transport/json_reader.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

namespace json = tsm::transport::json;
using tsm::core::api_errc;
using tsm::core::api_status;
using namespace std::string_literals;

namespace {

/// The walk failed with bad_request and a message naming `field`.
void check_names(const api_status& st, std::string_view field) {
    BOOST_REQUIRE(!st);
    BOOST_TEST(static_cast<int>(st.error().code) == static_cast<int>(api_errc::bad_request));
    BOOST_TEST(st.error().message.find(field) != std::string::npos,
               "'" << st.error().message << "' should name " << field);
}

/// Reads member `name` of `body` with `read`; members other than `name` are skipped.
template <class Read>
api_status read_member(std::string_view body, std::string_view name, Read read,
                       json::body_secrecy secrecy = json::body_secrecy::plain) {
    return json::read_object(body, secrecy, [&](std::string_view key, json::value& v) -> api_status {
        return key == name ? read(v) : api_status{};
    });
}

} // namespace

BOOST_AUTO_TEST_SUITE(json_reader)

BOOST_AUTO_TEST_CASE(read_object_walks_members_in_order) {
    std::vector<std::string> keys;
    auto st = json::read_object(R"({"b":1,"a":"x","c":{"d":[1]}})", json::body_secrecy::plain,
                                [&](std::string_view key, json::value&) -> api_status {
                                    keys.emplace_back(key);
                                    return {};
                                });
    BOOST_TEST(static_cast<bool>(st));
    BOOST_TEST(keys == (std::vector<std::string>{"b", "a", "c"}));
}

BOOST_AUTO_TEST_CASE(read_object_refuses_non_objects_broken_text_and_trailing_content) {
    auto none = [](std::string_view, json::value&) -> api_status { return {}; };
    check_names(json::read_object("not json", json::body_secrecy::plain, none), "JSON");
    check_names(json::read_object("[1]", json::body_secrecy::plain, none), "object");
    check_names(json::read_object(R"({"a":1} [])", json::body_secrecy::plain, none), "JSON");
    BOOST_TEST(!json::read_object(R"({"a":1} x)", json::body_secrecy::plain, none));
    BOOST_TEST(!json::read_object(R"({"a":1} {})", json::body_secrecy::plain, none));
    BOOST_TEST(!json::read_object(R"({"a":1)", json::body_secrecy::plain, none));
    BOOST_TEST(!json::read_object("", json::body_secrecy::plain, none));
}

BOOST_AUTO_TEST_CASE(read_object_stops_at_the_first_member_error) {
    int seen = 0;
    auto st = json::read_object(R"({"a":1,"b":2,"c":3})", json::body_secrecy::plain,
                                [&](std::string_view key, json::value&) -> api_status {
                                    ++seen;
                                    if (key == "b") {
                                        return tsm::core::make_api_error(api_errc::bad_request, "b is wrong");
                                    }
                                    return {};
                                });
    check_names(st, "b is wrong");
    BOOST_TEST(seen == 2);
}

BOOST_AUTO_TEST_CASE(read_string_and_read_bool_name_the_field) {
    std::string s;
    BOOST_TEST(static_cast<bool>(read_member(R"({"name":"v\"q"})", "name", [&](json::value& v) {
        return json::read_string(v, "name", s);
    })));
    BOOST_TEST(s == "v\"q");
    check_names(read_member(R"({"name":1})", "name",
                            [&](json::value& v) { return json::read_string(v, "name", s); }),
                "name");
    bool b = false;
    BOOST_TEST(static_cast<bool>(
        read_member(R"({"ok":true})", "ok", [&](json::value& v) { return json::read_bool(v, "ok", b); })));
    BOOST_TEST(b);
    check_names(read_member(R"({"ok":"true"})", "ok",
                            [&](json::value& v) { return json::read_bool(v, "ok", b); }),
                "ok");
}

BOOST_AUTO_TEST_CASE(read_int_enforces_its_range) {
    std::int64_t n = 0;
    auto read = [&](std::string body) {
        return read_member(body, "count",
                           [&](json::value& v) { return json::read_int(v, "count", 1, 14, n); });
    };
    BOOST_TEST(static_cast<bool>(read(R"({"count":14})")));
    BOOST_TEST(n == 14);
    check_names(read(R"({"count":0})"), "count must be an integer from 1 to 14");
    check_names(read(R"({"count":15})"), "count");
    check_names(read(R"({"count":"2"})"), "count");
    check_names(read(R"({"count":1.5})"), "count");
    std::uint64_t u = 0;
    BOOST_TEST(static_cast<bool>(read_member(R"({"batch":7})", "batch", [&](json::value& v) {
        return json::read_uint(v, "batch", u);
    })));
    BOOST_TEST(u == 7u);
    check_names(read_member(R"({"batch":-1})", "batch",
                            [&](json::value& v) { return json::read_uint(v, "batch", u); }),
                "batch");
}

BOOST_AUTO_TEST_CASE(read_string_list_refuses_other_items) {
    std::vector<std::string> out;
    BOOST_TEST(static_cast<bool>(read_member(R"({"l":["a","b"]})", "l", [&](json::value& v) {
        return json::read_string_list(v, "l", out);
    })));
    BOOST_TEST(out == (std::vector<std::string>{"a", "b"}));
    std::vector<std::string> bad;
    check_names(read_member(R"({"l":["a",1]})", "l",
                            [&](json::value& v) { return json::read_string_list(v, "prefixes", bad); }),
                "prefixes");
    check_names(read_member(R"({"l":"a"})", "l",
                            [&](json::value& v) { return json::read_string_list(v, "prefixes", bad); }),
                "prefixes");
}

BOOST_AUTO_TEST_CASE(read_hex_list_decodes_and_bounds_its_entries) {
    json::hex_list_limits lim;
    lim.max_items = 2;
    lim.max_bytes = 3;
    auto read = [&](std::string body, std::vector<tsm::core::bytes>& out) {
        return read_member(body, "c",
                           [&](json::value& v) { return json::read_hex_list(v, "cmds", lim, out); });
    };
    std::vector<tsm::core::bytes> ok;
    BOOST_TEST(static_cast<bool>(read(R"({"c":["00a4","FFEE01"]})", ok)));
    BOOST_TEST(ok == (std::vector<tsm::core::bytes>{"\x00\xa4"s, "\xff\xee\x01"s}));
    for (auto body :
         {R"({"c":["00","00","00"]})", R"({"c":["00112233"]})", R"({"c":["0"]})", R"({"c":["ZZ"]})",
          R"({"c":[""]})", R"({"c":[1]})", R"({"c":"00"})", R"({"c":["\u0030\u0030"]})"}) {
        std::vector<tsm::core::bytes> out;
        check_names(read(body, out), "cmds");
    }
    lim.allow_empty_items = true;
    std::vector<tsm::core::bytes> empty;
    BOOST_TEST(static_cast<bool>(read(R"({"c":[""]})", empty)));
    BOOST_TEST(empty.size() == 1u);
}

BOOST_AUTO_TEST_CASE(read_hex_decodes_within_bounds) {
    tsm::core::bytes out;
    auto read = [&](std::string body, std::size_t max, bool allow_empty) {
        return read_member(body, "h", [&](json::value& v) {
            return json::read_hex(v, "hexfield", max, allow_empty, out);
        });
    };
    BOOST_TEST(static_cast<bool>(read(R"({"h":"0aFF"})", 2, false)));
    BOOST_TEST(out == "\x0a\xff"s);
    check_names(read(R"({"h":"0aFF00"})", 2, false), "hexfield");
    check_names(read(R"({"h":""})", 2, false), "hexfield");
    BOOST_TEST(static_cast<bool>(read(R"({"h":""})", 2, true)));
    BOOST_TEST(out.empty());
    check_names(read(R"({"h":"0g"})", 2, false), "hexfield");
    check_names(read(R"({"h":5})", 2, false), "hexfield");
    check_names(read(R"({"h":"\u0030\u0030"})", 2, false), "hexfield"); // escapes are never hex
}

BOOST_AUTO_TEST_CASE(read_members_walks_a_nested_object) {
    std::string inner;
    auto st = read_member(R"({"o":{"k":"v"}})", "o", [&](json::value& v) {
        return json::read_members(v, "o", [&](std::string_view key, json::value& iv) -> api_status {
            return key == "k" ? json::read_string(iv, "o.k", inner) : api_status{};
        });
    });
    BOOST_TEST(static_cast<bool>(st));
    BOOST_TEST(inner == "v");
    check_names(read_member(R"({"o":[1]})", "o",
                            [&](json::value& v) {
                                return json::read_members(v, "o",
                                                          [](std::string_view, json::value&) -> api_status {
                                                              return {};
                                                          });
                            }),
                "o");
}

BOOST_AUTO_TEST_CASE(read_raw_object_keeps_valid_objects_verbatim) {
    std::string raw;
    BOOST_TEST(static_cast<bool>(read_member(R"({"f":{"a":[1,{"b":null}]}})", "f", [&](json::value& v) {
        return json::read_raw_object(v, "f", raw);
    })));
    BOOST_TEST(raw == R"({"a":[1,{"b":null}]})");
    check_names(read_member(R"({"f":"x"})", "f",
                            [&](json::value& v) { return json::read_raw_object(v, "fields", raw); }),
                "fields");
    // Nested values on-demand would skip unchecked are validated too.
    check_names(read_member(R"({"f":{"a":tru}})", "f",
                            [&](json::value& v) { return json::read_raw_object(v, "fields", raw); }),
                "fields");
}

BOOST_AUTO_TEST_CASE(read_raw_value_keeps_the_json_text) {
    std::string raw;
    auto read = [&](std::string body) {
        return read_member(body, "m", [&](json::value& v) { return json::read_raw_value(v, "m", raw); });
    };
    BOOST_TEST(static_cast<bool>(read(R"({"m":"a \"b\""  })")));
    BOOST_TEST(raw == R"("a \"b\"")");
    BOOST_TEST(static_cast<bool>(read(R"({"m":[1, 2] })")));
    BOOST_TEST(raw == "[1, 2]");
    BOOST_TEST(static_cast<bool>(read(R"({"m":12 })")));
    BOOST_TEST(raw == "12");
}

BOOST_AUTO_TEST_CASE(is_json_object_accepts_only_valid_objects) {
    BOOST_TEST(json::is_json_object(R"({"a":[1]})"));
    for (auto j : {"[]", "1", "", R"({"a":1} x)", R"({"a":tru})"}) {
        BOOST_TEST(!json::is_json_object(j), "'" << j << "'");
    }
}

BOOST_AUTO_TEST_CASE(a_short_body_after_a_long_one_sees_none_of_it) {
    // The thread's buffer is reused; stale bytes of the longer body must not be read.
    const std::string long_body = R"({"a":")" + std::string(5000, 'x') + R"(","b":"y"})";
    BOOST_TEST(static_cast<bool>(
        json::read_object(long_body, json::body_secrecy::plain,
                          [](std::string_view, json::value&) -> api_status { return {}; })));
    std::vector<std::string> keys;
    BOOST_TEST(static_cast<bool>(json::read_object(R"({"c":1})", json::body_secrecy::plain,
                                                   [&](std::string_view key, json::value&) -> api_status {
                                                       keys.emplace_back(key);
                                                       return {};
                                                   })));
    BOOST_TEST(keys == (std::vector<std::string>{"c"}));
    BOOST_TEST(!json::read_object(R"({"c":1)", json::body_secrecy::plain,
                                  [](std::string_view, json::value&) -> api_status { return {}; }));
}

namespace {

/// Reads a secret-looking body with `secrecy`, then a short body, and returns what the thread's
/// buffer holds past the short body, up to the first body's length (seen from inside the second
/// walk: the buffer is the same and only grows).
std::string left_in_buffer_after(json::body_secrecy secrecy, bool first_fails) {
    const std::string secret(64, 'K');
    const std::string first =
        first_fails ? R"({"keys":[")" + secret + R"("], "bad":)" : R"({"keys":[")" + secret + R"("]})";
    auto first_st =
        json::read_object(first, secrecy, [](std::string_view, json::value&) -> api_status { return {}; });
    BOOST_TEST(static_cast<bool>(first_st) == !first_fails);
    const std::string second = R"({"s":"x"})"; // the value's quote is at offset 5
    std::string seen;
    auto st =
        json::read_object(second, json::body_secrecy::plain,
                          [&](std::string_view, json::value& v) -> api_status {
                              simdjson::ondemand::raw_json_string raw;
                              if (v.get_raw_json_string().get(raw)) {
                                  return tsm::core::make_api_error(api_errc::bad_request, "no raw string");
                              }
                              const char* buffer = raw.raw() - 6; // the start of the thread's buffer
                              seen.assign(buffer + second.size(), first.size() - second.size());
                              return {};
                          });
    BOOST_TEST(static_cast<bool>(st));
    return seen;
}

} // namespace

BOOST_AUTO_TEST_CASE(a_secret_body_is_wiped_from_the_thread_buffer) {
    // Control: a plain body stays in the buffer (so the check below can fail).
    const std::string plain = left_in_buffer_after(json::body_secrecy::plain, false);
    BOOST_TEST(plain.find("KKKK") != std::string::npos);
    for (bool fails : {false, true}) {
        const std::string left = left_in_buffer_after(json::body_secrecy::secret, fails);
        BOOST_TEST(left == std::string(left.size(), '\0'),
                   "secret left in the buffer (walk fails: " << fails << ")");
    }
}

BOOST_AUTO_TEST_SUITE_END()
