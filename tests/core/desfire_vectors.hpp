#pragma once
/// Helpers shared by the DESFire tests, on top of gp_vectors.hpp: desfire-vectors.json,
/// optional fields, the ISO wrapping of a native command as the traces show it, DES keys without
/// their LSBs, and a printer so that Boost.Test shows key types by their API spelling.
#include "gp_vectors.hpp"

#include "tsm/core/desfire/key_type.hpp"
#include "tsm/core/hex.hpp"

#include <boost/json.hpp>

#include <ostream>
#include <string>
#include <string_view>

namespace tsm::core::desfire {
inline std::ostream& boost_test_print_type(std::ostream& os, key_type t) {
    return os << key_type_name(t);
}
} // namespace tsm::core::desfire

namespace desfire_vectors {

using namespace gp_vectors;

/// tests/data/vectors/desfire-vectors.json, parsed once.
inline const boost::json::value& vectors() {
    static const boost::json::value v = load_vectors("desfire-vectors.json");
    return v;
}

/// True when the object `v` has a non-null field `key`.
inline bool has(const boost::json::value& v, const char* key) {
    return v.as_object().contains(key) && !v.at(key).is_null();
}

/// ISO 7816-4 wrapping of a native command: 90 cmd 00 00 [Lc data] 00.
inline std::string wrap_native(std::string_view native) {
    std::string apdu{'\x90', native[0], '\0', '\0'};
    if (native.size() > 1) {
        apdu.push_back(static_cast<char>(native.size() - 1));
        apdu.append(native.substr(1));
    }
    apdu.push_back('\0');
    return apdu;
}

/// wrap_native() as hex, as the traces show it.
inline std::string wrap(std::string_view native) {
    return tsm::core::to_hex(wrap_native(native));
}

/// DES key bytes with the LSBs (parity / key-version bits) cleared: DES-family session keys in
/// the traces have them cleared, and DES ignores those bits.
inline std::string without_lsbs(std::string_view key) {
    std::string out(key);
    for (auto& c : out) {
        c = static_cast<char>(c & '\xFE');
    }
    return out;
}

} // namespace desfire_vectors
