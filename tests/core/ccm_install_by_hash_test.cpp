// /ccm/install by LFDB hash when the operation is built (operations/ccm_kinds.cpp): the app's CAP
// file whose id is the hash gives the ELF AID and the LFDB, which reach the (scripted) card; no
// such file of this app fails the operation not-found before anything is sent to the card.
#include "scripted_gp_card.hpp"

#include "tsm/core/card_keys_context.hpp"
#include "tsm/core/operation_kinds.hpp"
#include "tsm/core/register_operation_kinds.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/test/unit_test.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

using namespace scripted_gp_card;
namespace kinds = tsm::core::kinds;

namespace {

/// One card's GP keys (the scripted card's test key) and CAP files per app.
class cap_store final : public record_store {
public:
    void commit(write_set, durability, boost::asio::any_io_executor ex, commit_handler done) override {
        boost::asio::post(ex, [done = std::move(done)] { done({}); });
    }
    void load_operation(std::string, boost::asio::any_io_executor ex, load_operation_handler done) override {
        boost::asio::post(ex, [done = std::move(done)] { done({}, std::nullopt); });
    }
    void load_card_keys(bool master, std::string, boost::asio::any_io_executor ex,
                        load_card_keys_handler done) override {
        std::optional<card_keys_record> rec;
        if (!master) {
            rec = card;
        }
        boost::asio::post(ex, [done = std::move(done), rec = std::move(rec)] { done({}, rec); });
    }
    void load_capfiles(std::string app_id, std::string, boost::asio::any_io_executor ex,
                       load_capfiles_handler done) override {
        std::vector<capfile_record> mine;
        for (const auto& f : files) {
            if (f.app_id == app_id) {
                mine.push_back(f);
            }
        }
        boost::asio::post(ex, [done = std::move(done), mine = std::move(mine)] { done({}, mine); });
    }
    std::error_code load_all(recovered_state&) override { return {}; }
    void close() override {}
    const store_stats& stats() const noexcept override { return stats_; }

    card_keys_record card;
    std::vector<capfile_record> files;

private:
    store_stats stats_;
};

std::string lower_hex(std::string_view b) {
    std::string s = to_hex(b);
    for (char& c : s) {
        c = static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
    }
    return s;
}

capfile_record capfile_of(const cap::cap_file& cap, std::string app_id) {
    capfile_record f;
    f.app_id = std::move(app_id);
    f.id = lower_hex(cap.load_file_data_block_hash());
    f.elf_aid = cap.package_aid();
    for (const auto& a : cap.applets()) {
        f.module_aids.push_back(a.aid);
    }
    f.load_file_data_block = cap.load_file_data_block();
    return f;
}

struct harness {
    harness() {
        card_keys_record& rec = store.card;
        rec.id = "0E48800471400A";
        rec.isd_aid = isd_aid;
        rec.scp = 3;
        rec.kvn = 0x30;
        rec.key_length = 16;
        rec.security_level = 0x03;
        const bytes k = h(std::string(test_key));
        rec.sealed_keys = vault.seal(k + k + k, card_keys_context(rec));
        register_operation_kinds(kinds_, {store, vault, ioc.get_executor()});
    }

    /// The built operation, or the failure outcome.
    std::pair<std::unique_ptr<operation>, std::optional<operation_outcome>>
    build(const install_request& req) {
        operation_record op;
        op.operation_id = "op-1";
        op.session_id = "s-1";
        op.app_id = "app-1";
        op.kind = std::string(kinds::ccm_install);
        op.payload = encode_install_request(req);
        session_record s;
        s.session_id = "s-1";
        s.app_id = "app-1";
        s.card_cin = "0E48800471400A";
        s.card_iin = "8A2C10";
        std::pair<std::unique_ptr<operation>, std::optional<operation_outcome>> out;
        bool called = false;
        kinds_.build(op, s, [&](std::unique_ptr<operation> live, std::optional<operation_outcome> o) {
            called = true;
            out = {std::move(live), std::move(o)};
        });
        ioc.restart();
        ioc.run();
        BOOST_REQUIRE(called);
        return out;
    }

    cap_store store;
    key_vault vault{bytes(key_vault::kek_size, '\x33')};
    boost::asio::io_context ioc;
    operation_registry kinds_;
};

install_request by_hash_of(const cap::cap_file& cap) {
    install_request r;
    r.lfdb_hash = cap.load_file_data_block_hash();
    r.module_aid = cap.applets().at(0).aid;
    r.instance_aid = r.module_aid;
    return r;
}

} // namespace

BOOST_AUTO_TEST_SUITE(ccm_install_by_hash)

BOOST_AUTO_TEST_CASE(the_cap_file_with_the_hash_is_loaded_and_installed) {
    const auto cap = load_cap("kaoh-helloworld.cap");
    const auto other = load_cap("gpp-Empty_0102030405_8d5ac9e2_2.2.1.cap");
    harness hx;
    hx.store.files = {capfile_of(other, "app-1"), capfile_of(cap, "app-1")};
    auto [op, failure] = hx.build(by_hash_of(cap));
    BOOST_REQUIRE_MESSAGE(op != nullptr, (failure ? failure->error_message : std::string("no outcome")));
    fake_card card;
    const auto r = run(*op, card);
    check_success(r);
    // the file of that hash, not the other one: its ELF AID and exactly its LFDB reached the card
    BOOST_TEST(card.load_files.size() == 1u);
    BOOST_TEST(card.load_files.at(cap.package_aid()) == cap.load_file_data_block());
    BOOST_TEST(card.instances.at(cap.applets().at(0).aid) == cap.package_aid());
}

BOOST_AUTO_TEST_CASE(no_cap_file_with_the_hash_for_this_app_is_not_found) {
    const auto cap = load_cap("kaoh-helloworld.cap");
    harness hx;
    hx.store.files = {capfile_of(cap, "another-app")}; // the right file, but another app's
    auto [op, failure] = hx.build(by_hash_of(cap));
    BOOST_TEST(op == nullptr);
    BOOST_REQUIRE(failure.has_value());
    BOOST_TEST(failure->status_code == 404);
    BOOST_TEST(failure->error_code == "not-found");
    BOOST_TEST(failure->error_message.find(lower_hex(cap.load_file_data_block_hash())) != std::string::npos,
               failure->error_message);
}

BOOST_AUTO_TEST_SUITE_END()
