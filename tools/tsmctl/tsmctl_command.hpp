#pragma once
/// tsmctl's parsed command line: which admin API call to make and with what. A plain value type;
/// parse_tsmctl_args() builds it from argv and the TSM_ADMIN_URL / TSM_ADMIN_TOKEN environment.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tsm::tools::tsmctl {

enum class action { apps_put, apps_get, apps_list, apps_delete, keys_put, keys_get, keys_delete };

struct tsmctl_command {
    std::string admin_url = "http://127.0.0.1:8081";
    std::string token; ///< empty: no Authorization header
    action what = action::apps_list;
    std::string app_id;
    std::string key; ///< hex, apps put only
    std::string description_url;
    std::string delivery_url;
    std::string delivery_method = "PUT";
    std::vector<std::string> callback_prefixes;
    // cards / iins (card keys): `resource` is "cards" or "iins", `card_id` the CIN or IIN
    std::string resource;
    std::string card_id;
    std::string iin;
    std::string isd;
    std::string scp = "03";
    int kvn = -1;
    std::string enc; ///< hex; from --enc or --keys-file
    std::string mac;
    std::string dek;
    std::string diversification;
    bool gp_part = true; ///< false: a DESFire-only put, no GlobalPlatform fields sent
    // DESFire PICC master key (cards) or AN10922 master key (iins); empty type = no DESFire part
    std::string desfire_key_type;        ///< "AES" | "3K3DES" | "2K3DES" | "DES"
    std::string desfire_key;             ///< hex; from --desfire-key-file only
    int desfire_version = -1;            ///< 0..255; -1 = not given (the server's default, 0)
    std::string desfire_diversification; ///< iins only: "none" | "an10922"
    std::string desfire_system_id;       ///< iins only: hex, AN10922 system identifier
    // Device description (cards only); a card put may carry only this (a device without keys)
    std::optional<std::int64_t> platform_version; ///< --platform-version, 1..2147483647
    std::string os_type_version_name;             ///< --os-type-version-name
    std::optional<std::int64_t> batch_id;         ///< --batch-id, >= 0
    std::string cplc;                             ///< --cplc, hex
    std::string uid;                              ///< --uid, hex (4, 7 or 10 bytes)
};

struct parse_result {
    std::optional<tsmctl_command> command; ///< set when the arguments are valid
    bool help = false;                     ///< --help was asked for
    std::string error;                     ///< usage error when neither command nor help
};

/// Parses argv[1..]. `env_admin_url` / `env_token` are the environment values (empty when
/// unset); flags take precedence over them.
parse_result parse_tsmctl_args(const std::vector<std::string>& args, const std::string& env_admin_url,
                               const std::string& env_token);

/// The --help text, exit codes included.
const char* tsmctl_usage();

} // namespace tsm::tools::tsmctl
