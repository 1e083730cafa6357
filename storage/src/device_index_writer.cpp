#include "device_index_writer.hpp"

#include "record_codec.hpp"
#include "store_keys.hpp"

#include "tsm/core/log.hpp"
#include "tsm/storage/errc.hpp"

namespace tsm::storage {
namespace {

std::error_code read_failed(const rocksdb::Status& s) {
    core::log::error("storage: device index read failed", {{"status", s.ToString()}});
    return make_error_code(s.IsShutdownInProgress() ? errc::closed : errc::io_error);
}

} // namespace

void device_index_writer::begin_group() {
    cards_.clear();
    entries_.clear();
}

std::error_code device_index_writer::current_ids(const std::string& cin, std::optional<device_ids>& out) {
    if (auto it = cards_.find(cin); it != cards_.end()) {
        out = it->second;
        return {};
    }
    out.reset();
    std::string val;
    const rocksdb::Status s = db_.Get(rocksdb::ReadOptions(), keys::card_keys(key_, false, cin), &val);
    if (s.IsNotFound()) {
        return {};
    }
    if (!s.ok()) {
        return read_failed(s);
    }
    core::card_keys_record old;
    if (codec::decode(val, old)) {
        // A damaged record must still be replaceable; its stale entries are harmless (find_device
        // only answers with a record that holds the CPLC/UID it was asked for).
        core::log::error("storage: replacing a card record that does not decode", {{"cin", cin}});
        return {};
    }
    out = device_ids{std::move(old.cplc), std::move(old.uid)};
    return {};
}

std::error_code device_index_writer::entry_owner(const std::string& key, std::optional<std::string>& out) {
    if (auto it = entries_.find(key); it != entries_.end()) {
        out = it->second;
        return {};
    }
    out.reset();
    std::string cin;
    const rocksdb::Status s = db_.Get(rocksdb::ReadOptions(), key, &cin);
    if (s.IsNotFound()) {
        return {};
    }
    if (!s.ok()) {
        return read_failed(s);
    }
    out = std::move(cin);
    return {};
}

std::error_code device_index_writer::drop_entries_of(const std::string& cin, const device_ids& old,
                                                     const device_ids* keep, rocksdb::WriteBatch& batch) {
    const std::pair<std::string_view, const core::bytes*> parts[] = {{keys::device_cplc_prefix, &old.cplc},
                                                                     {keys::device_uid_prefix, &old.uid}};
    for (std::size_t i = 0; i < 2; ++i) {
        const core::bytes& value = *parts[i].second;
        if (value.empty()) {
            continue;
        }
        if (keep != nullptr && value == (i == 0 ? keep->cplc : keep->uid)) {
            continue; // unchanged: put_card rewrites it
        }
        std::string key = keys::device(key_, parts[i].first, value);
        std::optional<std::string> owner;
        if (auto ec = entry_owner(key, owner)) {
            return ec;
        }
        if (owner && *owner == cin) {
            batch.Delete(key);
            entries_[key] = std::nullopt;
        }
    }
    return {};
}

std::error_code device_index_writer::put_card(const core::card_keys_record& c, rocksdb::WriteBatch& batch) {
    if (c.master) {
        return {};
    }
    std::optional<device_ids> old;
    if (auto ec = current_ids(c.id, old)) {
        return ec;
    }
    device_ids now{c.cplc, c.uid};
    if (old) {
        if (auto ec = drop_entries_of(c.id, *old, &now, batch)) {
            return ec;
        }
    }
    for (const auto& [prefix, value] :
         {std::pair{keys::device_cplc_prefix, &now.cplc}, std::pair{keys::device_uid_prefix, &now.uid}}) {
        if (value->empty()) {
            continue;
        }
        std::string key = keys::device(key_, prefix, *value);
        batch.Put(key, c.id);
        entries_[key] = c.id;
    }
    cards_[c.id] = std::move(now);
    return {};
}

std::error_code device_index_writer::delete_card(std::string_view cin, rocksdb::WriteBatch& batch) {
    const std::string id(cin);
    std::optional<device_ids> old;
    if (auto ec = current_ids(id, old)) {
        return ec;
    }
    if (old) {
        if (auto ec = drop_entries_of(id, *old, nullptr, batch)) {
            return ec;
        }
    }
    cards_[id] = std::nullopt;
    return {};
}

} // namespace tsm::storage
