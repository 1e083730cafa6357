#include "tsm/storage/rocksdb_store.hpp"

#include "device_index_writer.hpp"
#include "key_ordered_batch.hpp"
#include "pending_write.hpp"
#include "record_codec.hpp"
#include "store_keys.hpp"
#include "write_set_batch.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include "tsm/core/log.hpp"

#include <pthread.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>
#include <tuple>
#include <vector>

namespace tsm::storage {
namespace {

std::error_code map_status(const rocksdb::Status& s) {
    if (s.IsNoSpace()) { // a subcode of IOError: test first
        return make_error_code(errc::no_space);
    }
    if (s.IsIOError()) {
        return make_error_code(errc::io_error);
    }
    if (s.IsCorruption()) {
        return make_error_code(errc::corruption);
    }
    if (s.IsBusy() || s.IsTryAgain() || s.IsTimedOut()) {
        return make_error_code(errc::busy);
    }
    if (s.IsInvalidArgument() || s.IsNotSupported()) {
        return make_error_code(errc::invalid_argument);
    }
    if (s.IsShutdownInProgress()) {
        return make_error_code(errc::closed);
    }
    return make_error_code(errc::internal);
}

void log_status(const char* what, const rocksdb::Status& s) {
    core::log::error("storage failure", {{"what", what}, {"status", s.ToString()}});
}

} // namespace

struct rocksdb_store::impl {
    rocksdb_store_options opts_;
    std::unique_ptr<rocksdb::DB> db_;
    device_index_writer devices_{*db_}; // writer thread only
    core::store_stats stats_;
    std::shared_ptr<std::atomic<std::size_t>> pending_count_ = std::make_shared<std::atomic<std::size_t>>(0);

    std::mutex mu_; // guards queue_, closing_ and posting to readers_
    std::condition_variable cv_;
    std::vector<pending_write> queue_;
    bool closing_ = false;

    std::mutex close_mu_; // serialises close() so a second caller also waits for the drain
    bool closed_ = false;
    std::thread writer_;
    // writer-thread scratch, reused by every group (key_ordered_batch.hpp)
    rocksdb::WriteBatch sorted_;
    std::vector<batch_entry> sort_scratch_;
    boost::asio::thread_pool readers_;

    impl(rocksdb_store_options opts, std::unique_ptr<rocksdb::DB> db)
        : opts_(opts), db_(std::move(db)), readers_(std::max(1u, opts.reader_threads)) {
        writer_ = std::thread([this] { writer_loop(); });
        pthread_setname_np(writer_.native_handle(), "tsm-db-writer");
    }

    void writer_loop() {
        std::vector<pending_write> group;
        for (;;) {
            {
                std::unique_lock lk(mu_);
                cv_.wait(lk, [this] { return !queue_.empty() || closing_; });
                if (queue_.empty()) {
                    return; // closing and drained
                }
                group.swap(queue_); // take everything pending; reuse capacity both ways
            }
            write_group(group);
            group.clear();
        }
    }

    void write_group(std::vector<pending_write>& group) {
        std::error_code ec;
        bool sync = false;
        rocksdb::WriteBatch batch;
        try {
            std::string key;
            std::string val;
            devices_.begin_group();
            for (auto& p : group) {
                if (ec = apply(p.w, batch, key, val, devices_); ec) {
                    break;
                }
                sync = sync || p.d == core::durability::sync;
            }
        } catch (const std::exception& e) {
            core::log::error("storage: building a group batch failed", {{"error", e.what()}});
            ec = make_error_code(errc::internal);
        }
        if (!ec) {
            rocksdb::WriteOptions wo;
            wo.sync = sync; // one fsync covers every write_set of the group
            sorted_.Clear();
            const bool ordered = sort_batch_by_key(batch, sorted_, sort_scratch_);
            rocksdb::Status s = db_->Write(wo, ordered ? &sorted_ : &batch);
            stats_.group_writes.fetch_add(1, std::memory_order_relaxed);
            if (!s.ok()) {
                log_status("group write failed", s);
                ec = map_status(s);
            }
        }
        if (ec) {
            stats_.failures.fetch_add(group.size(), std::memory_order_relaxed);
        } else {
            stats_.commits.fetch_add(group.size(), std::memory_order_relaxed);
            if (sync) {
                stats_.fsyncs.fetch_add(1, std::memory_order_relaxed);
            }
            stats_.batch_size_le[histogram_bucket(group.size())].fetch_add(1, std::memory_order_relaxed);
        }
        for (auto& p : group) {
            try {
                boost::asio::post(p.ex,
                                  [done = std::move(p.done), ec, slot = std::move(p.slot)] { done(ec); });
            } catch (const std::exception& e) {
                // a caller's bad executor must not take the writer (and everyone's writes) down
                core::log::error("storage: posting a commit completion failed", {{"error", e.what()}});
            }
        }
    }

    std::error_code get_decoded(const std::string& key, auto& out, bool& found) {
        std::string val;
        rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), key, &val);
        found = false;
        if (s.IsNotFound()) {
            return {};
        }
        if (!s.ok()) {
            log_status("get failed", s);
            return map_status(s);
        }
        found = true;
        return codec::decode(val, out);
    }

    /// Calls fn(key_suffix, value) for every key starting with `prefix`; stops at fn's first error.
    template <class Fn>
    std::error_code scan(std::string_view prefix, Fn&& fn) {
        std::string upper(prefix);
        upper.back() = static_cast<char>(upper.back() + 1); // prefixes end in '/', never 0xff
        rocksdb::Slice upper_slice(upper);
        rocksdb::ReadOptions ro;
        ro.iterate_upper_bound = &upper_slice;
        std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro));
        for (it->Seek(rocksdb::Slice(prefix.data(), prefix.size())); it->Valid(); it->Next()) {
            std::string_view k(it->key().data(), it->key().size());
            std::string_view v(it->value().data(), it->value().size());
            if (auto ec = fn(k.substr(prefix.size()), v)) {
                return ec;
            }
        }
        if (!it->status().ok()) {
            log_status("scan failed", it->status());
            return map_status(it->status());
        }
        return {};
    }

    std::error_code load_all(core::recovered_state& out) {
        out = {};
        std::error_code ec = scan(keys::app_prefix, [&](std::string_view, std::string_view v) {
            return codec::decode(v, out.apps.emplace_back());
        });
        if (ec) {
            return ec;
        }
        std::string key;
        ec = scan(keys::live_session_prefix, [&](std::string_view id, std::string_view) {
            core::session_record s;
            bool found = false;
            if (auto e = get_decoded(keys::session(key, id), s, found)) {
                return e;
            }
            if (!found) {
                core::log::error("storage: live index names a missing session", {{"sessionId", id}});
                return make_error_code(errc::corruption);
            }
            if (!core::is_terminal(s.state)) {
                out.sessions.push_back(std::move(s));
            }
            return std::error_code{};
        });
        if (ec) {
            return ec;
        }
        ec = scan(keys::live_operation_prefix, [&](std::string_view, std::string_view op_id) {
            core::operation_record o;
            bool found = false;
            if (auto e = get_decoded(keys::operation(key, op_id), o, found)) {
                return e;
            }
            if (!found) {
                core::log::error("storage: live index names a missing operation", {{"operationId", op_id}});
                return make_error_code(errc::corruption);
            }
            if (o.state != core::operation_state::done) {
                out.operations.push_back(std::move(o));
            }
            return std::error_code{};
        });
        if (ec) {
            return ec;
        }
        // the index key order is bytewise over "<session_id>/<seq>", not (session_id, seq) for
        // ids containing bytes below '/'; sorting the (small) live set makes it exact
        std::sort(out.operations.begin(), out.operations.end(), [](const auto& a, const auto& b) {
            return std::tie(a.session_id, a.seq) < std::tie(b.session_id, b.seq);
        });
        return scan(keys::outbox_prefix, [&](std::string_view, std::string_view v) {
            return codec::decode(v, out.outbox.emplace_back());
        });
    }

    void load_operation(std::string id, boost::asio::any_io_executor ex, load_operation_handler done) {
        std::error_code ec;
        std::optional<core::operation_record> result;
        core::operation_record o;
        bool found = false;
        std::string key;
        ec = get_decoded(keys::operation(key, id), o, found);
        if (!ec && found) {
            result = std::move(o);
        }
        boost::asio::post(ex, [done = std::move(done), ec, result = std::move(result)]() mutable {
            done(ec, std::move(result));
        });
    }

    void load_card_keys(bool master, std::string id, boost::asio::any_io_executor ex,
                        load_card_keys_handler done) {
        std::optional<core::card_keys_record> result;
        core::card_keys_record c;
        bool found = false;
        std::string key;
        std::error_code ec = get_decoded(keys::card_keys(key, master, id), c, found);
        if (!ec && found) {
            result = std::move(c);
        }
        boost::asio::post(ex, [done = std::move(done), ec, result = std::move(result)]() mutable {
            done(ec, std::move(result));
        });
    }

    /// The card an index entry names, if that card's record still holds `value` (entries a
    /// damaged record left behind never answer).
    std::error_code find_indexed(std::string_view prefix, const core::bytes& value,
                                 std::optional<core::card_keys_record>& out) {
        std::string key;
        std::string cin;
        rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), keys::device(key, prefix, value), &cin);
        if (s.IsNotFound()) {
            return {};
        }
        if (!s.ok()) {
            log_status("device index get failed", s);
            return map_status(s);
        }
        core::card_keys_record c;
        bool found = false;
        if (auto ec = get_decoded(keys::card_keys(key, false, cin), c, found)) {
            return ec;
        }
        const core::bytes& held = prefix == keys::device_cplc_prefix ? c.cplc : c.uid;
        if (found && held == value) {
            out = std::move(c);
        }
        return {};
    }

    void find_device(core::bytes cplc, core::bytes uid, boost::asio::any_io_executor ex,
                     load_card_keys_handler done) {
        std::optional<core::card_keys_record> result;
        std::error_code ec;
        if (!cplc.empty()) {
            ec = find_indexed(keys::device_cplc_prefix, cplc, result);
        }
        if (!ec && !result && !uid.empty()) {
            ec = find_indexed(keys::device_uid_prefix, uid, result);
        }
        if (ec) {
            result.reset();
        }
        boost::asio::post(ex, [done = std::move(done), ec, result = std::move(result)]() mutable {
            done(ec, std::move(result));
        });
    }

    void load_capfiles(std::string app_id, std::string id, boost::asio::any_io_executor ex,
                       load_capfiles_handler done) {
        std::vector<core::capfile_record> result;
        std::error_code ec;
        std::string key;
        if (!id.empty()) {
            core::capfile_record f;
            bool found = false;
            ec = get_decoded(keys::capfile(key, app_id, id), f, found);
            if (!ec && found) {
                result.push_back(std::move(f));
            }
        } else {
            std::string prefix = keys::capfile(key, app_id, "");
            ec = scan(prefix, [&](std::string_view, std::string_view v) {
                return codec::decode(v, result.emplace_back());
            });
        }
        if (ec) {
            result.clear();
        }
        boost::asio::post(ex, [done = std::move(done), ec, result = std::move(result)]() mutable {
            done(ec, std::move(result));
        });
    }

    void load_recipe(std::string app_id, std::string service_id, boost::asio::any_io_executor ex,
                     load_recipe_handler done) {
        std::optional<core::recipe_record> result;
        core::recipe_record r;
        bool found = false;
        std::string key;
        std::error_code ec = get_decoded(keys::recipe(key, app_id, service_id), r, found);
        if (!ec && found) {
            result = std::move(r);
        }
        boost::asio::post(ex, [done = std::move(done), ec, result = std::move(result)]() mutable {
            done(ec, std::move(result));
        });
    }

    void list_recipes(std::string app_id, boost::asio::any_io_executor ex, list_recipes_handler done) {
        std::vector<std::string> result;
        std::string key;
        // the keys alone name the services, in RocksDB's bytewise order (sorted)
        std::error_code ec =
            scan(keys::recipe(key, app_id, ""), [&](std::string_view service_id, std::string_view) {
                result.emplace_back(service_id);
                return std::error_code{};
            });
        if (ec) {
            result.clear();
        }
        boost::asio::post(ex, [done = std::move(done), ec, result = std::move(result)]() mutable {
            done(ec, std::move(result));
        });
    }

    void close() {
        std::lock_guard close_lk(close_mu_);
        if (closed_) {
            return;
        }
        {
            std::lock_guard lk(mu_);
            closing_ = true;
        }
        cv_.notify_all();
        if (writer_.joinable()) {
            writer_.join();
        }
        readers_.join(); // runs out the reads already posted
        rocksdb::Status s = db_->Close();
        if (!s.ok()) {
            log_status("close failed", s);
        }
        db_.reset();
        closed_ = true;
    }
};

std::unique_ptr<rocksdb_store> rocksdb_store::open(const std::string& dir, rocksdb_store_options opts,
                                                   std::error_code& ec) {
    ec.clear();
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        return nullptr;
    }
    rocksdb::Options o;
    o.create_if_missing = true;
    o.max_background_jobs = opts.background_jobs;
    o.write_buffer_size = opts.write_buffer_bytes;
    rocksdb::BlockBasedTableOptions t;
    t.block_cache = rocksdb::NewLRUCache(opts.block_cache_bytes);
    // point lookups (load_operation, live-index joins) skip SST files that lack the key
    t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));

    rocksdb::DB* raw = nullptr;
    rocksdb::Status s = rocksdb::DB::Open(o, dir, &raw);
    if (!s.ok()) {
        log_status("open failed", s);
        ec = map_status(s);
        return nullptr;
    }
    std::unique_ptr<rocksdb::DB> db(raw);
    return std::unique_ptr<rocksdb_store>(new rocksdb_store(std::make_unique<impl>(opts, std::move(db))));
}

rocksdb_store::rocksdb_store(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

rocksdb_store::~rocksdb_store() {
    close();
}

void rocksdb_store::commit(core::write_set w, core::durability d, boost::asio::any_io_executor ex,
                           commit_handler done) {
    std::error_code reject;
    {
        std::lock_guard lk(impl_->mu_);
        if (impl_->closing_) {
            reject = make_error_code(errc::closed);
        } else if (!w.append_operations.empty()) { // a cluster store's; one node needs none
            reject = core::store_errc::not_supported;
        } else if (impl_->pending_count_->load(std::memory_order_relaxed)
                   >= impl_->opts_.max_pending_writes) {
            reject = make_error_code(errc::busy);
        } else {
            impl_->pending_count_->fetch_add(1, std::memory_order_relaxed);
            impl_->queue_.push_back(
                pending_write{std::move(w), d, ex, std::move(done), pending_slot(impl_->pending_count_)});
        }
    }
    if (reject) {
        // completes "at once" but still through the executor: never re-enters the caller
        boost::asio::post(ex, [done = std::move(done), reject] { done(reject); });
        return;
    }
    impl_->cv_.notify_one();
}

void rocksdb_store::load_operation(std::string operation_id, boost::asio::any_io_executor ex,
                                   load_operation_handler done) {
    std::lock_guard lk(impl_->mu_);
    if (impl_->closing_) {
        boost::asio::post(ex,
                          [done = std::move(done)] { done(make_error_code(errc::closed), std::nullopt); });
        return;
    }
    // posted under mu_: close() sets closing_ under mu_ before joining the readers
    boost::asio::post(impl_->readers_,
                      [p = impl_.get(), id = std::move(operation_id), ex, done = std::move(done)]() mutable {
                          p->load_operation(std::move(id), std::move(ex), std::move(done));
                      });
}

void rocksdb_store::load_card_keys(bool master, std::string id, boost::asio::any_io_executor ex,
                                   load_card_keys_handler done) {
    std::lock_guard lk(impl_->mu_);
    if (impl_->closing_) {
        boost::asio::post(ex,
                          [done = std::move(done)] { done(make_error_code(errc::closed), std::nullopt); });
        return;
    }
    boost::asio::post(impl_->readers_,
                      [p = impl_.get(), master, id = std::move(id), ex, done = std::move(done)]() mutable {
                          p->load_card_keys(master, std::move(id), std::move(ex), std::move(done));
                      });
}

void rocksdb_store::find_device(core::bytes cplc, core::bytes uid, boost::asio::any_io_executor ex,
                                find_device_handler done) {
    std::lock_guard lk(impl_->mu_);
    if (impl_->closing_) {
        boost::asio::post(ex,
                          [done = std::move(done)] { done(make_error_code(errc::closed), std::nullopt); });
        return;
    }
    boost::asio::post(impl_->readers_, [p = impl_.get(), cplc = std::move(cplc), uid = std::move(uid), ex,
                                        done = std::move(done)]() mutable {
        p->find_device(std::move(cplc), std::move(uid), std::move(ex), std::move(done));
    });
}

void rocksdb_store::load_capfiles(std::string app_id, std::string id, boost::asio::any_io_executor ex,
                                  load_capfiles_handler done) {
    std::lock_guard lk(impl_->mu_);
    if (impl_->closing_) {
        boost::asio::post(ex, [done = std::move(done)] { done(make_error_code(errc::closed), {}); });
        return;
    }
    boost::asio::post(impl_->readers_, [p = impl_.get(), app_id = std::move(app_id), id = std::move(id), ex,
                                        done = std::move(done)]() mutable {
        p->load_capfiles(std::move(app_id), std::move(id), std::move(ex), std::move(done));
    });
}

void rocksdb_store::load_recipe(std::string app_id, std::string service_id, boost::asio::any_io_executor ex,
                                load_recipe_handler done) {
    std::lock_guard lk(impl_->mu_);
    if (impl_->closing_) {
        boost::asio::post(ex,
                          [done = std::move(done)] { done(make_error_code(errc::closed), std::nullopt); });
        return;
    }
    boost::asio::post(impl_->readers_, [p = impl_.get(), app_id = std::move(app_id),
                                        service_id = std::move(service_id), ex,
                                        done = std::move(done)]() mutable {
        p->load_recipe(std::move(app_id), std::move(service_id), std::move(ex), std::move(done));
    });
}

void rocksdb_store::list_recipes(std::string app_id, boost::asio::any_io_executor ex,
                                 list_recipes_handler done) {
    std::lock_guard lk(impl_->mu_);
    if (impl_->closing_) {
        boost::asio::post(ex, [done = std::move(done)] { done(make_error_code(errc::closed), {}); });
        return;
    }
    boost::asio::post(impl_->readers_,
                      [p = impl_.get(), app_id = std::move(app_id), ex, done = std::move(done)]() mutable {
                          p->list_recipes(std::move(app_id), std::move(ex), std::move(done));
                      });
}

std::error_code rocksdb_store::load_all(core::recovered_state& out) {
    {
        std::lock_guard lk(impl_->mu_);
        if (impl_->closing_) {
            return make_error_code(errc::closed);
        }
    }
    return impl_->load_all(out);
}

void rocksdb_store::close() {
    impl_->close();
}

const core::store_stats& rocksdb_store::stats() const noexcept {
    return impl_->stats_;
}

} // namespace tsm::storage
