// The device index of rocksdb_store over a real RocksDB in a temp dir: find_device by CPLC, then
// UID; entries follow replacements and deletions in the card's own batch (also several writes to
// one card in one write_set or one group); an entry another card took over stays; master sets are
// not indexed; an entry whose card no longer holds the value never answers.
#include "tsm/storage/rocksdb_store.hpp"

#include "tsm/core/hex.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <rocksdb/db.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

using namespace tsm;
using storage::rocksdb_store;

namespace {

struct temp_dir {
    std::string path;
    temp_dir() {
        std::string tmpl = "/tmp/tsm-device-index-test-XXXXXX";
        BOOST_REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        path = tmpl;
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    std::string db() const { return path + "/db"; }
};

std::unique_ptr<rocksdb_store> open_store(const std::string& dir) {
    std::error_code ec;
    auto s = rocksdb_store::open(dir, {}, ec);
    BOOST_REQUIRE_MESSAGE(!ec, ec.message());
    BOOST_REQUIRE(s);
    return s;
}

/// Completions run here; it outlives every store (see rocksdb_store_test.cpp).
boost::asio::io_context& ctx() {
    static boost::asio::io_context ioc;
    ioc.restart();
    return ioc;
}

template <class Pred>
void run_until(boost::asio::io_context& ioc, Pred done) {
    auto guard = boost::asio::make_work_guard(ioc);
    while (!done()) {
        BOOST_REQUIRE(ioc.run_one_for(std::chrono::seconds(30)) > 0);
    }
}

std::error_code commit(rocksdb_store& store, core::write_set w) {
    auto& ioc = ctx();
    std::optional<std::error_code> result;
    store.commit(std::move(w), core::durability::sync, ioc.get_executor(),
                 [&](std::error_code ec) { result = ec; });
    run_until(ioc, [&] { return result.has_value(); });
    return *result;
}

/// The CIN find_device answers with ("" = absent); fails the test on a store error.
std::string find(rocksdb_store& store, std::string_view cplc_hex, std::string_view uid_hex) {
    auto& ioc = ctx();
    bool called = false;
    std::string cin;
    store.find_device(*core::from_hex(cplc_hex), *core::from_hex(uid_hex), ioc.get_executor(),
                      [&](std::error_code ec, std::optional<core::card_keys_record> r) {
                          BOOST_TEST(!ec, ec.message());
                          if (r) {
                              BOOST_TEST(!r->master);
                              cin = r->id;
                          }
                          called = true;
                      });
    run_until(ioc, [&] { return called; });
    return cin;
}

core::card_keys_record device(std::string cin, std::string_view cplc_hex, std::string_view uid_hex) {
    core::card_keys_record c;
    c.id = std::move(cin);
    c.iin = "8A2C10";
    c.platform_version = 3;
    c.cplc = *core::from_hex(cplc_hex);
    c.uid = *core::from_hex(uid_hex);
    return c;
}

core::write_set put(std::vector<core::card_keys_record> cards) {
    core::write_set w;
    w.put_card_keys = std::move(cards);
    return w;
}

core::write_set erase(std::string cin) {
    core::write_set w;
    w.delete_card_keys.emplace_back(false, std::move(cin));
    return w;
}

/// Every device index entry, read straight from RocksDB (store closed): key -> CIN.
std::map<std::string, std::string> index_entries(const std::string& dir) {
    rocksdb::DB* raw = nullptr;
    rocksdb::Options o;
    BOOST_REQUIRE(rocksdb::DB::OpenForReadOnly(o, dir, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
    std::map<std::string, std::string> out;
    for (it->Seek("device-"); it->Valid() && it->key().starts_with("device-"); it->Next()) {
        out[it->key().ToString()] = it->value().ToString();
    }
    return out;
}

const std::string cplc_x =
    "9F7F2A4790504047918102000000000000000000000000000000000000000000000000000000000000";
const std::string cplc_y = "47905040479181020000AB";

} // namespace

BOOST_AUTO_TEST_SUITE(device_index)

BOOST_AUTO_TEST_CASE(finds_by_cplc_first_then_by_uid_across_reopen) {
    temp_dir tmp;
    {
        auto store = open_store(tmp.db());
        BOOST_TEST(
            !commit(*store, put({device("0A01", cplc_x, "04A1B2C3D4E5F6"), device("0B02", "", "11223344")})));
        for (int pass = 0; pass < 2; ++pass) {
            BOOST_TEST(find(*store, cplc_x, "") == "0A01");
            BOOST_TEST(find(*store, "", "04A1B2C3D4E5F6") == "0A01");
            BOOST_TEST(find(*store, "", "04a1b2c3d4e5f6") == "0A01");   // bytes, not text
            BOOST_TEST(find(*store, "00", "04A1B2C3D4E5F6") == "0A01"); // unknown CPLC: the UID
            BOOST_TEST(find(*store, cplc_x, "11223344") == "0A01");     // CPLC wins over UID
            BOOST_TEST(find(*store, "00", "11223344") == "0B02");
            BOOST_TEST(find(*store, "00", "FF") == "");
            BOOST_TEST(find(*store, "", "") == "");
            BOOST_TEST(find(*store, cplc_y, "") == "");
            if (pass == 0) {
                store->close();
                store = open_store(tmp.db());
            }
        }
    }
    const auto entries = index_entries(tmp.db());
    BOOST_TEST(entries.size() == 3u);
    BOOST_TEST(entries.at("device-cplc/" + cplc_x) == "0A01");
    BOOST_TEST(entries.at("device-uid/04A1B2C3D4E5F6") == "0A01");
    BOOST_TEST(entries.at("device-uid/11223344") == "0B02");
}

BOOST_AUTO_TEST_CASE(replacing_a_card_moves_its_entries_and_deleting_removes_them) {
    temp_dir tmp;
    {
        auto store = open_store(tmp.db());
        BOOST_TEST(!commit(*store, put({device("0A01", cplc_x, "04A1B2C3")})));
        // another CPLC, no UID any more
        BOOST_TEST(!commit(*store, put({device("0A01", cplc_y, "")})));
        BOOST_TEST(find(*store, cplc_x, "") == "");
        BOOST_TEST(find(*store, "", "04A1B2C3") == "");
        BOOST_TEST(find(*store, cplc_y, "") == "0A01");
        store->close();
    }
    {
        const auto entries = index_entries(tmp.db());
        BOOST_TEST(entries.size() == 1u);
        BOOST_TEST(entries.count("device-cplc/" + cplc_y) == 1u);
    }
    {
        auto store = open_store(tmp.db());
        // the same values again: the entries stay
        BOOST_TEST(!commit(*store, put({device("0A01", cplc_y, "")})));
        BOOST_TEST(find(*store, cplc_y, "") == "0A01");
        BOOST_TEST(!commit(*store, erase("0A01")));
        BOOST_TEST(find(*store, cplc_y, "") == "");
        // deleting what is not there writes nothing wrong
        BOOST_TEST(!commit(*store, erase("0A01")));
        store->close();
    }
    BOOST_TEST(index_entries(tmp.db()).empty());
}

BOOST_AUTO_TEST_CASE(several_writes_to_one_card_in_one_write_set_or_group_leave_the_last) {
    temp_dir tmp;
    {
        auto store = open_store(tmp.db());
        // one write_set: two versions of the same card, the later wins (record and index)
        BOOST_TEST(!commit(*store, put({device("0A01", cplc_x, "01020304"), device("0A01", cplc_y, "")})));
        BOOST_TEST(find(*store, cplc_x, "") == "");
        BOOST_TEST(find(*store, "", "01020304") == "");
        BOOST_TEST(find(*store, cplc_y, "") == "0A01");

        // many write_sets submitted at once (grouped by the writer): put, replace, delete, re-put
        auto& ioc = ctx();
        int done = 0;
        int failures = 0;
        std::vector<core::write_set> sets;
        sets.push_back(put({device("0C03", "AA", "BB")}));
        sets.push_back(put({device("0C03", "AC", "BB")}));
        sets.push_back(erase("0A01"));
        sets.push_back(put({device("0D04", cplc_y, "")}));
        sets.push_back(erase("0C03"));
        sets.push_back(put({device("0C03", "AD", "")}));
        const int n = static_cast<int>(sets.size());
        for (auto& w : sets) {
            store->commit(std::move(w), core::durability::relaxed, ioc.get_executor(),
                          [&](std::error_code ec) {
                              failures += ec ? 1 : 0;
                              ++done;
                          });
        }
        run_until(ioc, [&] { return done == n; });
        BOOST_TEST(failures == 0);
        BOOST_TEST(find(*store, "AA", "") == "");
        BOOST_TEST(find(*store, "AC", "") == "");
        BOOST_TEST(find(*store, "", "BB") == "");
        BOOST_TEST(find(*store, "AD", "") == "0C03");
        BOOST_TEST(find(*store, cplc_y, "") == "0D04");
        store->close();
    }
    const auto entries = index_entries(tmp.db());
    BOOST_TEST(entries.size() == 2u);
    BOOST_TEST(entries.at("device-cplc/AD") == "0C03");
    BOOST_TEST(entries.at("device-cplc/" + cplc_y) == "0D04");
}

BOOST_AUTO_TEST_CASE(an_entry_taken_over_by_another_card_is_not_removed_for_the_first) {
    temp_dir tmp;
    auto store = open_store(tmp.db());
    BOOST_TEST(!commit(*store, put({device("0A01", cplc_x, "")})));
    BOOST_TEST(!commit(*store, put({device("0B02", cplc_x, "")})));
    BOOST_TEST(find(*store, cplc_x, "") == "0B02");
    // the first card changes or goes: the entry names the second one and stays
    BOOST_TEST(!commit(*store, put({device("0A01", cplc_y, "")})));
    BOOST_TEST(find(*store, cplc_x, "") == "0B02");
    BOOST_TEST(!commit(*store, erase("0A01")));
    BOOST_TEST(find(*store, cplc_x, "") == "0B02");
    BOOST_TEST(find(*store, cplc_y, "") == "");
}

BOOST_AUTO_TEST_CASE(master_sets_are_not_indexed_and_stale_entries_never_answer) {
    temp_dir tmp;
    {
        auto store = open_store(tmp.db());
        core::card_keys_record m = device("8A2C10", cplc_x, "01020304");
        m.master = true;
        BOOST_TEST(!commit(*store, put({m})));
        BOOST_TEST(find(*store, cplc_x, "01020304") == "");
        BOOST_TEST(!commit(*store, put({device("0A01", "", "")})));
        store->close();
    }
    BOOST_TEST(index_entries(tmp.db()).empty());
    {
        // entries naming a card that does not hold the value, or no card at all
        rocksdb::DB* raw = nullptr;
        rocksdb::Options o;
        BOOST_REQUIRE(rocksdb::DB::Open(o, tmp.db(), &raw).ok());
        std::unique_ptr<rocksdb::DB> db(raw);
        BOOST_REQUIRE(db->Put(rocksdb::WriteOptions(), "device-cplc/" + cplc_x, "0A01").ok());
        BOOST_REQUIRE(db->Put(rocksdb::WriteOptions(), "device-uid/01020304", "0F0F").ok());
    }
    auto store = open_store(tmp.db());
    BOOST_TEST(find(*store, cplc_x, "01020304") == "");
    BOOST_TEST(find(*store, cplc_x, "") == "");
    BOOST_TEST(find(*store, "", "01020304") == "");
}

BOOST_AUTO_TEST_CASE(find_after_close_fails_with_closed) {
    temp_dir tmp;
    auto store = open_store(tmp.db());
    store->close();
    auto& ioc = ctx();
    std::optional<std::error_code> result;
    store->find_device("\x01", "", ioc.get_executor(),
                       [&](std::error_code ec, std::optional<core::card_keys_record> r) {
                           BOOST_TEST(!r.has_value());
                           result = ec;
                       });
    run_until(ioc, [&] { return result.has_value(); });
    BOOST_TEST((*result == storage::make_error_code(storage::errc::closed)));
}

BOOST_AUTO_TEST_SUITE_END()
