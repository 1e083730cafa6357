#include "tsm/core/ccm_requests.hpp"

#include "tsm/core/ccm/operations.hpp"
#include "tsm/core/operation_kinds.hpp"
#include "tsm/core/sealed_payload.hpp"

namespace tsm::core::ccm {
namespace {

constexpr std::string_view payload_context = "opentsm/ccm-payload/v1";

api_error bad(std::string message) {
    return make_api_error(api_errc::bad_request, std::move(message));
}

/// A hex field: required ones must be present and non-empty; optional ones keep `out` when absent.
api_status hex_field(const std::string& text, std::string_view name, bool required, bytes& out) {
    if (text.empty() && !required) {
        return {};
    }
    auto b = from_hex(text);
    if (!b || (required && b->empty())) {
        return bad(std::string(name) + (required ? " is required, in hex" : " must be hex"));
    }
    out = std::move(*b);
    return {};
}

api_status checked(std::optional<std::string> validation_error) {
    if (validation_error) {
        return bad(std::move(*validation_error));
    }
    return {};
}

/// The load file and module of `{id, module, searchBy:"lfdbh"}`: the hash now, the ELF AID when
/// the operation is built (from the app's CAP file with that id).
api_status by_hash_fields(const request_fields& f, install_request& r) {
    if (!f.executable_load_file.empty() || !f.executable_module.empty()) {
        return bad("give either executableLoadFile and executableModule, or id, module and searchBy");
    }
    if (f.search_by != "lfdbh") {
        return bad(f.search_by.empty() ? "searchBy is required with id (only \"lfdbh\" is supported)"
                                       : "searchBy: only \"lfdbh\" (the LFDB SHA-256) is supported");
    }
    auto hash = from_hex(f.id);
    if (!hash || hash->size() != 32) {
        return bad("id must be the load file's LFDB SHA-256, 64 hex digits");
    }
    r.lfdb_hash = std::move(*hash);
    return hex_field(f.module, "module", true, r.module_aid);
}

api_status by_aid_fields(const request_fields& f, install_request& r) {
    if (!f.module.empty()) {
        return bad("module belongs to the id/searchBy form; this form names executableModule");
    }
    if (auto st = hex_field(f.executable_load_file, "executableLoadFile", true, r.elf_aid); !st) {
        return st;
    }
    return hex_field(f.executable_module, "executableModule", true, r.module_aid);
}

} // namespace

api_result<operation_request> to_install_operation(const request_fields& f) {
    install_request r; // privileges default to 00
    const bool by_hash = !f.id.empty() || !f.search_by.empty();
    if (auto st = by_hash ? by_hash_fields(f, r) : by_aid_fields(f, r); !st) {
        return st.error();
    }
    if (auto st = hex_field(f.application, "application", true, r.instance_aid); !st) {
        return st.error();
    }
    if (auto st = hex_field(f.parameters, "parameters", false, r.params); !st) {
        return st.error();
    }
    if (auto st = hex_field(f.privileges, "privileges", false, r.privileges); !st) {
        return st.error();
    }
    if (auto st = checked(validate(r)); !st) {
        return st.error();
    }
    // The load file itself is looked up when the operation runs.
    return operation_request{std::string(kinds::ccm_install), encode_install_request(r)};
}

api_result<operation_request> to_delete_operation(const request_fields& f) {
    delete_request r;
    if (auto st = hex_field(f.application, "application", true, r.aid); !st) {
        return st.error();
    }
    r.with_related = f.with_related.value_or(false);
    if (auto st = checked(validate(r)); !st) {
        return st.error();
    }
    return operation_request{std::string(kinds::ccm_delete), encode_delete_request(r)};
}

namespace {

api_result<operation_request> sealed_storedata_operation(const request_fields& f, const key_vault& vault,
                                                         const std::string& context) {
    storedata_request r;
    struct wipe_on_exit {
        bytes& data;
        ~wipe_on_exit() { wipe(data); }
    } wipe_data{r.data};
    if (auto st = hex_field(f.application, "application", true, r.instance_aid); !st) {
        return st.error();
    }
    if (f.tag_type != "DGI" && f.tag_type != "BER") {
        return bad("tagType must be DGI or BER");
    }
    r.type = f.tag_type == "BER" ? tag_type::ber : tag_type::dgi;
    if (f.data.empty()) {
        return bad("data is required, in hex");
    }
    r.data = f.data;
    if (auto st = checked(validate(r)); !st) {
        return st.error();
    }
    // Personalisation data is secret: stored sealed, like card keys, and opens only in this session.
    bytes plain = encode_storedata_request(r);
    operation_request out{std::string(kinds::ccm_storedata), vault.seal(plain, context)};
    wipe(plain);
    return out;
}

} // namespace

api_result<operation_request> to_storedata_operation(const request_fields& f, const key_vault& vault,
                                                     std::string_view session_id) {
    return sealed_storedata_operation(f, vault, storedata_payload_context(session_id));
}

api_result<operation_request> to_recipe_storedata_operation(const request_fields& f, const key_vault& vault,
                                                            std::string_view app_id,
                                                            std::string_view service_id) {
    return sealed_storedata_operation(f, vault, recipe_payload_context(app_id, service_id));
}

std::string storedata_payload_context(std::string_view session_id) {
    return std::string(payload_context) + "/" + std::string(session_id);
}

} // namespace tsm::core::ccm
