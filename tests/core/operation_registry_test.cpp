// The operation registry as tsmd fills it (register_operation_kinds): every kind is registered
// once; accept refuses unknown kinds and malformed payloads; the shared key step answers
// no-card-keys (412) when the card has no usable record, key-error when the keys do not open,
// unavailable when the store cannot be read; with usable keys each kind builds a live operation.
#include "tsm/core/card_keys_context.hpp"
#include "tsm/core/ccm/operations.hpp"
#include "tsm/core/desfire/operations.hpp"
#include "tsm/core/operation_kinds.hpp"
#include "tsm/core/register_operation_kinds.hpp"
#include "tsm/core/sealed_payload.hpp"
#include "tsm/core/transceive_operation.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace core = tsm::core;
namespace kinds = tsm::core::kinds;
using namespace std::string_literals;

namespace {

/// A record store holding card keys and CAP files; reads complete on the caller's executor,
/// or fail with an I/O error when told to.
class keys_store final : public core::record_store {
public:
    void commit(core::write_set, core::durability, boost::asio::any_io_executor ex,
                commit_handler done) override {
        boost::asio::post(ex, [done = std::move(done)] { done({}); });
    }
    void load_operation(std::string, boost::asio::any_io_executor ex, load_operation_handler done) override {
        boost::asio::post(ex, [done = std::move(done)] { done({}, std::nullopt); });
    }
    void load_card_keys(bool master, std::string id, boost::asio::any_io_executor ex,
                        load_card_keys_handler done) override {
        asked.push_back((master ? "m/" : "c/") + id);
        std::optional<core::card_keys_record> rec;
        if (auto it = keys.find({master, id}); it != keys.end()) {
            rec = it->second;
        }
        const std::error_code ec =
            fail_key_reads ? std::make_error_code(std::errc::io_error) : std::error_code{};
        boost::asio::post(ex, [done = std::move(done), ec, rec = std::move(rec)] {
            done(ec, ec ? std::nullopt : rec);
        });
    }
    void load_capfiles(std::string, std::string, boost::asio::any_io_executor ex,
                       load_capfiles_handler done) override {
        const std::error_code ec =
            fail_capfile_reads ? std::make_error_code(std::errc::io_error) : std::error_code{};
        boost::asio::post(ex, [done = std::move(done), ec, files = capfiles] {
            done(ec, ec ? decltype(files){} : files);
        });
    }
    std::error_code load_all(core::recovered_state&) override { return {}; }
    void close() override {}
    const core::store_stats& stats() const noexcept override { return stats_; }

    void put(core::card_keys_record rec) { keys[{rec.master, rec.id}] = std::move(rec); }

    std::map<std::pair<bool, std::string>, core::card_keys_record> keys;
    std::vector<core::capfile_record> capfiles;
    bool fail_key_reads = false;
    bool fail_capfile_reads = false;
    std::vector<std::string> asked; ///< "c/<CIN>" / "m/<IIN>" in read order

private:
    core::store_stats stats_;
};

core::bytes kek(char fill) {
    return core::bytes(core::key_vault::kek_size, fill);
}

/// GP keys (ENC||MAC||DEK, 16 bytes each) sealed as the admin API seals them.
core::card_keys_record gp_record(bool master, std::string id, const core::key_vault& vault,
                                 std::string diversification = "") {
    core::card_keys_record rec;
    rec.master = master;
    rec.id = std::move(id);
    rec.isd_aid = "\xA0\x00\x00\x01\x51\x00\x00\x00"s;
    rec.scp = 3;
    rec.key_length = 16;
    rec.diversification = std::move(diversification);
    core::bytes keys(48, '\x40');
    rec.sealed_keys = vault.seal(keys, core::card_keys_context(rec));
    return rec;
}

/// Adds an AES PICC master key, sealed under the record's DESFire associated data.
core::card_keys_record with_desfire(core::card_keys_record rec, const core::key_vault& vault) {
    rec.desfire_key_type = "AES";
    rec.desfire_diversification = rec.master ? "none" : "";
    core::bytes key(16, '\x11');
    rec.desfire_sealed_key = vault.seal(key, core::desfire_key_context(rec));
    return rec;
}

core::card_keys_record desfire_record(bool master, std::string id, const core::key_vault& vault) {
    core::card_keys_record rec;
    rec.master = master;
    rec.id = std::move(id);
    return with_desfire(std::move(rec), vault);
}

core::session_record session() {
    core::session_record s;
    s.session_id = "s-1";
    s.app_id = "app-1";
    s.card_cin = "0e48800471400a"; // lower case: the store is asked for upper case
    s.card_iin = "8a2c10";
    return s;
}

core::operation_record operation(std::string_view kind, core::bytes payload) {
    core::operation_record op;
    op.operation_id = "op-1";
    op.session_id = "s-1";
    op.app_id = "app-1";
    op.kind = std::string(kind);
    op.payload = std::move(payload);
    return op;
}

core::bytes delete_payload() {
    core::ccm::delete_request r;
    r.aid = "\xA0\x00\x00\x00\x62\x03\x01"s;
    return core::ccm::encode_delete_request(r);
}

core::bytes install_payload() {
    core::ccm::install_request r;
    r.elf_aid = "\xA0\x00\x00\x00\x62\x03"s;
    r.module_aid = "\xA0\x00\x00\x00\x62\x03\x01"s;
    r.instance_aid = "\xA0\x00\x00\x00\x62\x03\x01\x01"s;
    return core::ccm::encode_install_request(r);
}

core::bytes storedata_request_bytes() {
    core::ccm::storedata_request r;
    r.instance_aid = "\xA0\x00\x00\x00\x62\x03\x01\x01"s;
    r.data = "\x01\x01\x03\xAA\xBB\xCC"s;
    return core::ccm::encode_storedata_request(r);
}

core::bytes delete_app_payload() {
    core::desfire::delete_app_request r;
    r.aid = 0xF1A2B3;
    return core::desfire::encode_delete_app_request(r);
}

core::bytes commands_payload() {
    core::desfire::commands_request r;
    r.aid = 0xF1A2B3;
    r.commands = {"\x6F"s}; // GetFileIDs
    return core::desfire::encode_commands_request(r);
}

struct build_result {
    bool called = false;
    int calls = 0;
    std::unique_ptr<core::operation> op;
    std::optional<core::operation_outcome> failure;
};

/// A registry as one tsmd shard has it, over `store` and `vault`.
struct shard {
    explicit shard(keys_store& store, const core::key_vault& vault) {
        core::register_operation_kinds(kinds_, {store, vault, ioc.get_executor()});
    }

    build_result build(const core::operation_record& op, const core::session_record& s = session()) {
        build_result r;
        kinds_.build(op, s,
                     [&r](std::unique_ptr<core::operation> live, std::optional<core::operation_outcome> o) {
                         r.called = true;
                         ++r.calls;
                         r.op = std::move(live);
                         r.failure = std::move(o);
                     });
        // Every completion is posted to the shard: run until nothing is left (no timers here).
        ioc.restart();
        ioc.run();
        BOOST_REQUIRE(r.called);
        BOOST_TEST(r.calls == 1);
        BOOST_TEST((r.op == nullptr) == r.failure.has_value()); // exactly one of the two
        return r;
    }

    boost::asio::io_context ioc;
    core::operation_registry kinds_;
};

void check_failure(const build_result& r, int status, std::string_view code) {
    BOOST_REQUIRE(r.failure.has_value());
    BOOST_TEST(r.op == nullptr);
    BOOST_TEST(r.failure->status_code == status);
    BOOST_TEST(r.failure->error_code == code);
}

/// The operation starts by sending APDUs to the card.
void check_built(const build_result& r) {
    BOOST_REQUIRE(r.op != nullptr);
    BOOST_TEST(!r.failure.has_value());
    const auto step = r.op->start();
    BOOST_REQUIRE(step.batch.has_value());
    BOOST_TEST(!step.batch->commands.empty());
}

} // namespace

BOOST_AUTO_TEST_SUITE(operation_registry)

BOOST_AUTO_TEST_CASE(register_operation_kinds_registers_every_kind_once) {
    keys_store store;
    core::key_vault vault(kek('k'));
    shard sh(store, vault);
    std::vector<std::string> expected{std::string(kinds::transceive),
                                      std::string(kinds::ccm_install),
                                      std::string(kinds::ccm_delete),
                                      std::string(kinds::ccm_storedata),
                                      std::string(kinds::desfire_create_app),
                                      std::string(kinds::desfire_commands),
                                      std::string(kinds::desfire_delete_app),
                                      std::string(kinds::secure_transceive),
                                      std::string(kinds::user_interaction),
                                      std::string(kinds::user_action)};
    std::sort(expected.begin(), expected.end());
    BOOST_TEST(sh.kinds_.names() == expected, boost::test_tools::per_element());
    for (const auto& k : expected) {
        BOOST_TEST(sh.kinds_.knows(k));
    }
    // The stored names are part of the storage format.
    BOOST_TEST(kinds::ccm_install == "ccm-install");
    BOOST_TEST(kinds::desfire_create_app == "desfire-create-app");
    // A second registration is a wiring mistake, found at start-up.
    BOOST_CHECK_THROW(core::register_operation_kinds(sh.kinds_, {store, vault, sh.ioc.get_executor()}),
                      std::logic_error);
}

BOOST_AUTO_TEST_CASE(accept_refuses_unknown_kinds_and_malformed_payloads) {
    keys_store store;
    core::key_vault vault(kek('k'));
    shard sh(store, vault);
    const auto transceive = core::transceive_operation::encode_payload({"\x00\xa4\x04\x00"s});

    auto unknown = sh.kinds_.validate("ccm/install", transceive);
    BOOST_REQUIRE(!unknown);
    BOOST_TEST(unknown.error().name() == "bad-request");
    BOOST_TEST(unknown.error().status() == 400);
    BOOST_TEST(!sh.kinds_.knows("ccm/install"));

    // Each kind takes its own payload and refuses garbage, another kind's payload and nothing.
    const std::pair<std::string_view, core::bytes> good[] = {
        {kinds::transceive, transceive},
        {kinds::ccm_install, install_payload()},
        {kinds::ccm_delete, delete_payload()},
        {kinds::ccm_storedata, "sealed"s},
        {kinds::desfire_create_app, "sealed"s},
        {kinds::desfire_commands, commands_payload()},
        {kinds::desfire_delete_app, delete_app_payload()},
    };
    for (const auto& [kind, payload] : good) {
        BOOST_TEST_CONTEXT(kind) {
            BOOST_TEST(sh.kinds_.validate(kind, payload).has_value());
            auto empty = sh.kinds_.validate(kind, "");
            BOOST_REQUIRE(!empty);
            BOOST_TEST(empty.error().name() == "bad-request");
        }
    }
    for (auto kind : {kinds::transceive, kinds::ccm_install, kinds::ccm_delete, kinds::desfire_commands,
                      kinds::desfire_delete_app}) {
        BOOST_TEST_CONTEXT(kind) {
            BOOST_TEST(!sh.kinds_.validate(kind, "\x00\x00\x00\x09\x01"s));
        }
    }
    BOOST_TEST(!sh.kinds_.validate(kinds::ccm_install, delete_payload()));
    BOOST_TEST(!sh.kinds_.validate(kinds::desfire_delete_app, commands_payload()));
}

BOOST_AUTO_TEST_CASE(transceive_builds_from_its_record_and_a_damaged_one_fails) {
    keys_store store;
    core::key_vault vault(kek('k'));
    shard sh(store, vault);
    auto r = sh.build(
        operation(kinds::transceive, core::transceive_operation::encode_payload({"\x00\xa4\x04\x00"s})));
    BOOST_REQUIRE(r.op != nullptr);
    const auto step = r.op->start();
    BOOST_REQUIRE(step.batch.has_value());
    BOOST_TEST(step.batch->commands.at(0) == "\x00\xa4\x04\x00"s);
    BOOST_TEST(store.asked.empty()); // needs no keys

    check_failure(sh.build(operation(kinds::transceive, "\x00\x00\x00\x09\x01"s)), 500, "internal-error");
    check_failure(sh.build(operation("ccm/install", delete_payload())), 500, "internal-error");
}

BOOST_AUTO_TEST_CASE(no_usable_record_fails_with_412_no_card_keys) {
    keys_store store;
    core::key_vault vault(kek('k'));
    shard sh(store, vault);
    auto ccm = sh.build(operation(kinds::ccm_delete, delete_payload()));
    check_failure(ccm, 412, "no-card-keys");
    BOOST_TEST(ccm.failure->error_message.find("/admin/v1/cards/{cin}") != std::string::npos);
    // The card's own record first (upper-case CIN), then its IIN's master set.
    const std::vector<std::string> order{"c/0E48800471400A", "m/8A2C10"};
    BOOST_TEST(store.asked == order, boost::test_tools::per_element());

    auto df = sh.build(operation(kinds::desfire_delete_app, delete_app_payload()));
    check_failure(df, 412, "no-card-keys");
    BOOST_TEST(df.failure->error_message.find("\"desfire\" part") != std::string::npos);

    // No IIN: only the card's record is looked for.
    store.asked.clear();
    auto no_iin = session();
    no_iin.card_iin.clear();
    check_failure(sh.build(operation(kinds::ccm_delete, delete_payload()), no_iin), 412, "no-card-keys");
    BOOST_TEST(store.asked.size() == 1U);

    // A card record without GP keys answers for the card: the IIN set is not used for CCM.
    store.put(desfire_record(false, "0E48800471400A", vault));
    store.put(gp_record(true, "8A2C10", vault, "kdf3"));
    check_failure(sh.build(operation(kinds::ccm_delete, delete_payload())), 412, "no-card-keys");
    // An IIN master set without a DESFire part has no PICC key either.
    store.keys.clear();
    store.put(gp_record(true, "8A2C10", vault, "kdf3"));
    check_failure(sh.build(operation(kinds::desfire_delete_app, delete_app_payload())), 412, "no-card-keys");
}

BOOST_AUTO_TEST_CASE(keys_that_do_not_open_fail_with_key_error) {
    keys_store store;
    core::key_vault vault(kek('k'));
    core::key_vault other(kek('o')); // the records were sealed under another KEK
    store.put(with_desfire(gp_record(false, "0E48800471400A", other), other));
    shard sh(store, vault);
    check_failure(sh.build(operation(kinds::ccm_delete, delete_payload())), 500, "key-error");
    check_failure(sh.build(operation(kinds::desfire_delete_app, delete_app_payload())), 500, "key-error");

    // Opens, but the method is unknown: damaged.
    store.keys.clear();
    auto damaged = gp_record(true, "8A2C10", vault, "rot13");
    store.put(damaged);
    check_failure(sh.build(operation(kinds::ccm_delete, delete_payload())), 500, "key-error");
}

BOOST_AUTO_TEST_CASE(a_store_that_cannot_be_read_fails_with_503_unavailable) {
    keys_store store;
    core::key_vault vault(kek('k'));
    store.put(with_desfire(gp_record(false, "0E48800471400A", vault), vault));
    store.fail_key_reads = true;
    shard sh(store, vault);
    check_failure(sh.build(operation(kinds::ccm_delete, delete_payload())), 503, "unavailable");
    check_failure(sh.build(operation(kinds::desfire_delete_app, delete_app_payload())), 503, "unavailable");

    // The keys open but the install's load files cannot be read.
    store.fail_key_reads = false;
    store.fail_capfile_reads = true;
    auto install = sh.build(operation(kinds::ccm_install, install_payload()));
    check_failure(install, 503, "unavailable");
    BOOST_TEST(install.failure->error_message == "could not read the load files");
}

BOOST_AUTO_TEST_CASE(usable_keys_build_every_keyed_kind) {
    keys_store store;
    core::key_vault vault(kek('k'));
    store.put(with_desfire(gp_record(false, "0E48800471400A", vault), vault));
    shard sh(store, vault);
    check_built(sh.build(operation(kinds::ccm_delete, delete_payload())));
    check_built(sh.build(operation(kinds::ccm_install, install_payload())));
    check_built(sh.build(operation(kinds::desfire_delete_app, delete_app_payload())));
    check_built(sh.build(operation(kinds::desfire_commands, commands_payload())));

    // Storedata opens only in the session it was sealed for.
    core::bytes plain = storedata_request_bytes();
    const auto sealed = vault.seal(plain, core::ccm_payload_context("s-1"));
    check_built(sh.build(operation(kinds::ccm_storedata, sealed)));
    auto elsewhere = operation(kinds::ccm_storedata, vault.seal(plain, core::ccm_payload_context("s-2")));
    check_failure(sh.build(elsewhere), 500, "internal-error");

    core::desfire::create_app_request app;
    app.aid = 0xF1A2B3;
    core::bytes app_plain = core::desfire::encode_create_app_request(app);
    check_built(sh.build(
        operation(kinds::desfire_create_app, vault.seal(app_plain, core::desfire_payload_context("s-1")))));
    check_failure(sh.build(operation(kinds::desfire_create_app, app_plain)), 500,
                  "internal-error"); // not sealed

    // Without a card record, the IIN master set's keys (diversified per card) serve.
    store.keys.clear();
    store.put(with_desfire(gp_record(true, "8A2C10", vault, "kdf3"), vault));
    check_built(sh.build(operation(kinds::ccm_delete, delete_payload())));
    check_built(sh.build(operation(kinds::desfire_delete_app, delete_app_payload())));
}

BOOST_AUTO_TEST_SUITE_END()
