#include "tsm/transport/admin_api/admin_json.hpp"

#include "tsm/core/json_writer.hpp"

namespace tsm::transport::admin {

std::string app_json(const core::app_record& app) {
    core::json_writer w;
    w.begin_object().key("appId").value(app.app_id);
    w.key("descriptionUrl").value(app.description_url).key("deliveryUrl").value(app.delivery_url);
    w.key("deliveryMethod").value(app.delivery_method).key("callbackPrefixes").begin_array();
    for (const auto& p : app.callback_prefixes) {
        w.value(p);
    }
    w.end_array().end_object();
    return std::move(w).str();
}

std::string card_keys_json(const core::card_keys_record& r) {
    core::json_writer w;
    w.begin_object();
    if (r.master) {
        w.key("iin").value(r.id);
    } else {
        w.key("cin").value(r.id).key("iin").value(r.iin);
    }
    if (!r.sealed_keys.empty()) {
        w.key("isd").hex_value(r.isd_aid).key("scp").value(r.scp == 3 ? "03" : "02");
        w.key("kvn").value(static_cast<int>(r.kvn)).key("keyLength").value(static_cast<int>(r.key_length));
        w.key("securityLevel").hex_value(std::string(1, static_cast<char>(r.security_level)));
        if (r.master) {
            w.key("diversification").value(r.diversification);
        }
    }
    if (!r.desfire_key_type.empty()) {
        // Type, version and method only: the key itself never leaves the record.
        w.key("desfire").begin_object();
        w.key("keyType")
            .value(r.desfire_key_type)
            .key("version")
            .value(static_cast<int>(r.desfire_key_version));
        if (r.master) {
            w.key("diversification").value(r.desfire_diversification);
            w.key("systemIdentifier").hex_value(r.desfire_system_identifier);
        }
        w.key("hasKey").value(!r.desfire_sealed_key.empty());
        w.end_object();
    }
    // The device description, each field only when recorded (records from before it existed
    // render as they always did).
    if (r.platform_version != 0) {
        w.key("platformVersion").value(r.platform_version);
    }
    if (!r.os_type_version_name.empty()) {
        w.key("osTypeVersionName").value(r.os_type_version_name);
    }
    if (r.batch_id) {
        w.key("batchId").value(*r.batch_id);
    }
    if (!r.cplc.empty()) {
        w.key("cplc").hex_value(r.cplc);
    }
    if (!r.uid.empty()) {
        w.key("uid").hex_value(r.uid);
    }
    w.end_object();
    return std::move(w).str();
}

std::string deleted_json(std::string_view id) {
    core::json_writer w;
    w.begin_object().key("deleted").value(id).end_object();
    return std::move(w).str();
}

} // namespace tsm::transport::admin
