#pragma once
/// Helpers shared by the GlobalPlatform tests: loading the JSON vector files of TSM_VECTORS_DIR
/// (tests/data/vectors), hex decoding that fails the test on bad input, field accessors, and a
/// printer so that Boost.Test shows gp::errc values by message.
#include "tsm/core/gp/errc.hpp"
#include "tsm/core/gp/secret_key.hpp"
#include "tsm/core/gp/static_keys.hpp"
#include "tsm/core/hex.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <fstream>
#include <ios>
#include <ostream>
#include <sstream>
#include <string>

namespace tsm::core::gp {
inline std::ostream& boost_test_print_type(std::ostream& os, errc e) {
    return os << make_error_code(e).message();
}
} // namespace tsm::core::gp

namespace gp_vectors {

/// Parses TSM_VECTORS_DIR/<name>; a missing file or bad JSON fails the test.
inline boost::json::value load_vectors(const std::string& name) {
    const std::string path = std::string(TSM_VECTORS_DIR) + "/" + name;
    std::ifstream in(path, std::ios::binary);
    BOOST_REQUIRE_MESSAGE(in.good(), "vector file missing: " << path);
    std::stringstream ss;
    ss << in.rdbuf();
    boost::system::error_code ec;
    auto v = boost::json::parse(ss.str(), ec);
    BOOST_REQUIRE_MESSAGE(!ec, "bad JSON in " << path << ": " << ec.message());
    return v;
}

/// The string field `key` of the JSON object `v`.
inline std::string str(const boost::json::value& v, const char* key) {
    return std::string(v.as_object().at(key).as_string());
}

/// Decodes hex from a vector; bad hex fails the test.
inline std::string unhex(const std::string& h) {
    auto b = tsm::core::from_hex(h);
    BOOST_REQUIRE_MESSAGE(b.has_value(), "bad hex in vector: " << h);
    return *b;
}

/// One byte given as hex ("33" -> 0x33).
inline std::uint8_t byte_of(const std::string& h) {
    return static_cast<std::uint8_t>(std::stoul(h, nullptr, 16));
}

/// The static keys {"enc", "mac", "dek"} under a session's "keys".
inline tsm::core::gp::static_keys keys_of(const boost::json::value& session) {
    const auto& k = session.at("keys");
    return {*tsm::core::gp::secret_key::from_hex(str(k, "enc")),
            *tsm::core::gp::secret_key::from_hex(str(k, "mac")),
            *tsm::core::gp::secret_key::from_hex(str(k, "dek"))};
}

} // namespace gp_vectors
