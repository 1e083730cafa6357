#include "write_set_batch.hpp"

#include "record_codec.hpp"
#include "store_keys.hpp"

namespace tsm::storage {

std::error_code apply(core::write_set& w, rocksdb::WriteBatch& batch, std::string& key, std::string& val,
                      device_index_writer& devices) {
    for (const auto& a : w.put_apps) {
        val.clear();
        codec::encode(a, val);
        batch.Put(keys::app(key, a.app_id), val);
    }
    for (const auto& id : w.delete_apps) {
        batch.Delete(keys::app(key, id));
    }
    for (const auto& s : w.put_sessions) {
        val.clear();
        codec::encode(s, val);
        batch.Put(keys::session(key, s.session_id), val);
        // the live index follows the record in the same batch
        if (core::is_terminal(s.state)) {
            batch.Delete(keys::live_session(key, s.session_id));
        } else {
            batch.Put(keys::live_session(key, s.session_id), rocksdb::Slice());
        }
    }
    for (const auto& o : w.put_operations) {
        val.clear();
        codec::encode(o, val);
        batch.Put(keys::operation(key, o.operation_id), val);
        if (o.state == core::operation_state::done) {
            batch.Delete(keys::live_operation(key, o.session_id, o.seq));
        } else {
            batch.Put(keys::live_operation(key, o.session_id, o.seq), o.operation_id);
        }
    }
    for (const auto& x : w.put_outbox) {
        val.clear();
        codec::encode(x, val);
        batch.Put(keys::outbox(key, x.id), val);
    }
    for (const auto& id : w.delete_outbox) {
        batch.Delete(keys::outbox(key, id));
    }
    // the device index follows the card records in the same batch, in the same order
    for (const auto& c : w.put_card_keys) {
        if (auto ec = devices.put_card(c, batch)) {
            return ec;
        }
        val.clear();
        codec::encode(c, val);
        batch.Put(keys::card_keys(key, c.master, c.id), val);
    }
    for (const auto& [master, id] : w.delete_card_keys) {
        if (!master) {
            if (auto ec = devices.delete_card(id, batch)) {
                return ec;
            }
        }
        batch.Delete(keys::card_keys(key, master, id));
    }
    for (const auto& f : w.put_capfiles) {
        val.clear();
        codec::encode(f, val);
        batch.Put(keys::capfile(key, f.app_id, f.id), val);
    }
    for (const auto& [app_id, id] : w.delete_capfiles) {
        batch.Delete(keys::capfile(key, app_id, id));
    }
    for (const auto& r : w.put_recipes) {
        val.clear();
        codec::encode(r, val);
        batch.Put(keys::recipe(key, r.app_id, r.service_id), val);
    }
    for (const auto& [app_id, service_id] : w.delete_recipes) {
        batch.Delete(keys::recipe(key, app_id, service_id));
    }
    return {};
}

} // namespace tsm::storage
