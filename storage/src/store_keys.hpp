#pragma once
/// RocksDB key layout. Records: a/<app_id>, s/<session_id>, o/<operation_id>, x/<outbox_id>,
/// c/<cin> (card keys, sealed), m/<iin> (IIN master key sets, sealed), f/<app_id>/<id> (CAP files),
/// r/<app_id>/<service_id> (recipes).
/// Live index (what load_all reads instead of scanning history), written in the record's batch:
///   L/s/<session_id>                 -> ""            while the session is not terminal
///   L/o/<session_id>/<seq:8 BE>      -> operation_id  while the operation is not done
/// Device index (find_device), written in the card record's batch (device_index_writer.hpp):
///   device-cplc/<CPLC upper hex>     -> CIN           while that card's record holds the CPLC
///   device-uid/<UID upper hex>       -> CIN           while that card's record holds the UID
/// Each builder overwrites `buf` and returns it, so the writer reuses one buffer per key.
#include "tsm/core/hex.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace tsm::storage::keys {

inline constexpr std::string_view app_prefix = "a/";
inline constexpr std::string_view session_prefix = "s/";
inline constexpr std::string_view operation_prefix = "o/";
inline constexpr std::string_view outbox_prefix = "x/";
inline constexpr std::string_view card_prefix = "c/";
inline constexpr std::string_view master_prefix = "m/";
inline constexpr std::string_view capfile_prefix = "f/";
inline constexpr std::string_view recipe_prefix = "r/";
inline constexpr std::string_view live_session_prefix = "L/s/";
inline constexpr std::string_view live_operation_prefix = "L/o/";
inline constexpr std::string_view device_cplc_prefix = "device-cplc/";
inline constexpr std::string_view device_uid_prefix = "device-uid/";

inline std::string& make(std::string& buf, std::string_view prefix, std::string_view id) {
    buf.assign(prefix);
    buf.append(id);
    return buf;
}

inline std::string& app(std::string& buf, std::string_view id) {
    return make(buf, app_prefix, id);
}
inline std::string& session(std::string& buf, std::string_view id) {
    return make(buf, session_prefix, id);
}
inline std::string& operation(std::string& buf, std::string_view id) {
    return make(buf, operation_prefix, id);
}
inline std::string& outbox(std::string& buf, std::string_view id) {
    return make(buf, outbox_prefix, id);
}
inline std::string& card_keys(std::string& buf, bool master, std::string_view id) {
    return make(buf, master ? master_prefix : card_prefix, id);
}
/// f/<app_id>/<sha256 hex>: an app's CAP files iterate together under f/<app_id>/.
inline std::string& capfile(std::string& buf, std::string_view app_id, std::string_view id) {
    make(buf, capfile_prefix, app_id);
    buf.push_back('/');
    buf.append(id);
    return buf;
}
/// r/<app_id>/<service_id>: an app's recipes iterate together (sorted by service id) under r/<app_id>/.
inline std::string& recipe(std::string& buf, std::string_view app_id, std::string_view service_id) {
    make(buf, recipe_prefix, app_id);
    buf.push_back('/');
    buf.append(service_id);
    return buf;
}
/// device-cplc/<hex> or device-uid/<hex>: `prefix` is one of the two device prefixes, `id` raw.
inline std::string& device(std::string& buf, std::string_view prefix, std::string_view id) {
    buf.assign(prefix);
    core::append_hex(buf, id);
    return buf;
}
inline std::string& live_session(std::string& buf, std::string_view id) {
    return make(buf, live_session_prefix, id);
}

inline std::string& live_operation(std::string& buf, std::string_view session_id, std::uint64_t seq) {
    make(buf, live_operation_prefix, session_id);
    buf.push_back('/');
    // big-endian: a session's live operations iterate in seq order
    for (int shift = 56; shift >= 0; shift -= 8) {
        buf.push_back(static_cast<char>((seq >> shift) & 0xff));
    }
    return buf;
}

} // namespace tsm::storage::keys
