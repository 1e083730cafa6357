// The outbox write batch: the write_set a finished transceive commits (operation done + its
// outbox entry + the session record), durable (`durability::sync`) through rocksdb_store in a
// fresh temporary directory on the real disk.
//   bm_outbox_write_one_at_a_time  one commit in flight: the latency of one fsync round
//   bm_outbox_write_burst/64       64 commits in flight, then drain: group commit
// Completions are run on an io_context in the benchmark thread, as a shard would run them.
#include "tsm/core/record_store.hpp"
#include "tsm/core/records.hpp"
#include "tsm/storage/rocksdb_store.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

namespace {

namespace core = tsm::core;

/// A temporary directory (mkdtemp under $TMPDIR or /tmp), removed with everything in it.
class temp_dir {
public:
    temp_dir() {
        const char* base = std::getenv("TMPDIR");
        std::string tmpl =
            std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/tsm-bench-outbox-XXXXXX";
        if (::mkdtemp(tmpl.data()) != nullptr) {
            path_ = tmpl;
        }
    }
    ~temp_dir() {
        if (!path_.empty()) {
            std::error_code ec;
            std::filesystem::remove_all(path_, ec);
        }
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    bool ok() const noexcept { return !path_.empty(); }
    const std::string& path() const noexcept { return path_; }

private:
    std::string path_;
};

/// The shapes of a finished one-APDU transceive, as session_service::finish_head writes them.
struct result_template {
    core::operation_record op;
    core::session_record session;
    core::outbox_entry entry;

    result_template() {
        session.session_id = "5f0c7e1a-2b3d-4c5e-8f90-a1b2c3d4e5f6";
        session.app_id = "A0000001";
        session.service_id = "wallet-provisioning";
        session.resume_token_hash = std::string(32, '\x5A');
        session.state = core::session_state::active;
        session.last_batch = 1;
        session.next_operation_seq = 1;
        session.created_ms = 1'700'000'000'000;
        session.last_progress_ms = 1'700'000'000'500;
        session.card_iin = "4750000000";
        session.card_cin = "0123456789ABCDEF";
        session.platform_version = 3;
        session.description_json = R"({"name":"Wallet","version":"1.0"})";

        op.session_id = session.session_id;
        op.app_id = session.app_id;
        op.kind = "transceive";
        op.callback_url = "https://sp.example/tsm/callback";
        op.state = core::operation_state::done;
        op.payload = std::string("\x00\x00\x00\x0D\x00\xA4\x04\x00\x08\xA0\x00\x00\x01\x51\x00\x00\x00", 17);
        op.accepted_ms = 1'700'000'000'200;

        entry.url = op.callback_url;
        entry.created_ms = 1'700'000'000'600;
    }

    core::write_set make(std::uint64_t n) const {
        core::write_set w;
        core::operation_record o = op;
        o.operation_id = "op-" + std::to_string(n);
        o.seq = n;
        o.result_json = R"({"operationId":")" + o.operation_id
                        + R"(","statusCode":200,"responses":["6F108408A000000151000000A5049F6501FF9000"]})";
        core::outbox_entry e = entry;
        e.id = o.operation_id;
        e.body = o.result_json;
        core::session_record s = session;
        s.session_id += std::to_string(n % 1024); // a shard's worth of live sessions
        w.put_operations.push_back(std::move(o));
        w.put_outbox.push_back(std::move(e));
        w.put_sessions.push_back(std::move(s));
        return w;
    }
};

/// Opens a store in a fresh temp dir; on failure marks the benchmark skipped.
struct store_fixture {
    temp_dir dir;
    std::unique_ptr<tsm::storage::rocksdb_store> store;

    explicit store_fixture(benchmark::State& state) {
        if (!dir.ok()) {
            state.SkipWithError("mkdtemp failed");
            return;
        }
        std::error_code ec;
        store = tsm::storage::rocksdb_store::open(dir.path() + "/db", {}, ec);
        if (!store) {
            const std::string msg = "rocksdb_store::open failed: " + ec.message();
            state.SkipWithError(msg.c_str());
        }
    }
    ~store_fixture() {
        if (store) {
            store->close(); // before the directory goes
        }
    }
};

/// Submits `in_flight` sync commits, then runs the io_context until every completion has run.
/// A store error skips the benchmark. Counters: the store's fsyncs per commit and commits per
/// group.
void run_commits(benchmark::State& state, int in_flight) {
    store_fixture fx(state);
    if (!fx.store) {
        return;
    }
    boost::asio::io_context ioc;
    auto guard = boost::asio::make_work_guard(ioc); // run_one blocks until a completion arrives
    const result_template tmpl;
    const auto& stats = fx.store->stats();
    const std::uint64_t commits0 = stats.commits.load();
    const std::uint64_t fsyncs0 = stats.fsyncs.load();
    std::uint64_t n = 0;
    std::error_code first_error;

    for (auto _ : state) {
        int outstanding = in_flight;
        for (int i = 0; i < in_flight; ++i) {
            fx.store->commit(tmpl.make(n++), core::durability::sync, ioc.get_executor(),
                             [&outstanding, &first_error](std::error_code ec) {
                                 if (ec && !first_error) {
                                     first_error = ec;
                                 }
                                 --outstanding;
                             });
        }
        while (outstanding > 0) {
            ioc.run_one();
        }
        if (first_error) {
            const std::string msg = "commit failed: " + first_error.message();
            state.SkipWithError(msg.c_str());
            break;
        }
    }

    const auto commits = static_cast<double>(stats.commits.load() - commits0);
    const auto fsyncs = static_cast<double>(stats.fsyncs.load() - fsyncs0);
    state.SetItemsProcessed(state.iterations() * in_flight); // commits
    state.counters["fsyncs_per_commit"] = commits > 0 ? fsyncs / commits : 0.0;
    state.counters["commits_per_group"] = fsyncs > 0 ? commits / fsyncs : 0.0;
}

void bm_outbox_write_one_at_a_time(benchmark::State& state) {
    run_commits(state, 1);
}
BENCHMARK(bm_outbox_write_one_at_a_time)->UseRealTime()->Unit(benchmark::kMicrosecond);

void bm_outbox_write_burst(benchmark::State& state) {
    run_commits(state, static_cast<int>(state.range(0)));
}
BENCHMARK(bm_outbox_write_burst)->Arg(64)->UseRealTime()->Unit(benchmark::kMicrosecond);

} // namespace
