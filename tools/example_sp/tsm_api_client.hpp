#pragma once
/// The SP's side of the SP API (fidesmo-api.md §5-6): operation requests and service completion
/// sent to tsmd with the app_id/app_key headers. Stateless apart from configuration; thread safe.
#include <chrono>
#include <string>
#include <vector>

namespace tsm::tools::example_sp {

struct tsm_api_config {
    std::string tsm_url; ///< base URL of tsmd's SP API, e.g. http://127.0.0.1:8080
    std::string app_id;
    std::string app_key; ///< hex
    std::chrono::milliseconds timeout{10000};
};

struct api_result {
    bool ok = false;
    std::string operation_id; ///< operation requests only (transceive, ccm_*)
    std::string error;        ///< why !ok (transport error or the server's error message)
};

/// tsmd's answer to a CAP upload (POST /v3/apps/{appId}/capfiles).
struct cap_upload_result {
    bool ok = false;
    std::string id;                   ///< the stored CAP file's id
    std::string elf_aid;              ///< Executable Load File (package) AID, hex
    std::vector<std::string> modules; ///< Executable Module (applet) AIDs, hex
    std::string error;
};

class tsm_api_client {
public:
    explicit tsm_api_client(tsm_api_config cfg);

    /// POST /transceive with hex `commands`; tsmd will POST the result to `callback_url`.
    api_result transceive(const std::string& session_id, const std::string& callback_url,
                          const std::vector<std::string>& commands) const;

    /// POST /ccm/install: instantiate `module_aid` of the load file `elf_aid` as `instance_aid`
    /// (all hex; tsmd loads the uploaded CAP file first when the card lacks it).
    api_result ccm_install(const std::string& session_id, const std::string& callback_url,
                           const std::string& elf_aid, const std::string& module_aid,
                           const std::string& instance_aid) const;

    /// POST /ccm/storedata: personalize `instance_aid` with `data_hex` (tag_type "DGI" or "BER").
    /// The data is secret: it is only ever sent to tsmd, never logged.
    api_result ccm_storedata(const std::string& session_id, const std::string& callback_url,
                             const std::string& instance_aid, const std::string& tag_type,
                             const std::string& data_hex) const;

    /// POST /ccm/delete: delete `aid` (with its related objects when `with_related`).
    api_result ccm_delete(const std::string& session_id, const std::string& callback_url,
                          const std::string& aid, bool with_related) const;

    /// POST /desfire/ev1/createApp: create the DESFire application `aid` (6 hex digits) with
    /// `number_of_keys` keys of `key_type` (AES, 3K3DES, 2K3DES, DES) and the key settings
    /// `key_settings_hex` (1 byte). `keys_hex` empty: the application keeps its default keys;
    /// else number_of_keys keys that tsmd sets with ChangeKey. Keys are secret: only ever sent
    /// to tsmd, never logged.
    api_result desfire_create_app(const std::string& session_id, const std::string& callback_url,
                                  const std::string& aid, const std::string& key_type, int number_of_keys,
                                  const std::string& key_settings_hex,
                                  const std::vector<std::string>& keys_hex) const;

    /// POST /desfire/ev1/commands: native DESFire commands (hex, INS first) run plain in `aid`.
    api_result desfire_commands(const std::string& session_id, const std::string& callback_url,
                                const std::string& aid, const std::vector<std::string>& commands) const;

    /// POST /desfire/ev1/deleteApp: delete the DESFire application `aid`.
    api_result desfire_delete_app(const std::string& session_id, const std::string& callback_url,
                                  const std::string& aid) const;

    /// POST /user-interaction: ask the user for `fields_json` (a JSON array of {id, type, label
    /// | labels, format?}); with `encrypted` the touch point encrypts the answers under the
    /// description's certificate. The callback carries "fields" and, encrypted, "ephemeralKey".
    api_result user_interaction(const std::string& session_id, const std::string& callback_url,
                                const std::string& fields_json, bool encrypted) const;

    /// POST /v3/apps/{appId}/capfiles with the raw CAP file: stores it in tsmd for /ccm/install.
    cap_upload_result upload_cap(const std::string& cap_bytes) const;

    /// POST /service/completed: ends the delivery session.
    api_result complete(const std::string& session_id, bool success, const std::string& message) const;

private:
    /// POSTs an operation request to `path` and returns its operationId.
    api_result post_operation(const std::string& path, const std::string& session_id,
                              const std::string& callback_url, std::string body) const;

    tsm_api_config cfg_;
};

} // namespace tsm::tools::example_sp
