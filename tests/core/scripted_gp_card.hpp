#pragma once
/// CCM operations driven against a scripted GlobalPlatform card (core tests must not
/// link tools/sandbox_se): the card runs the host crypto in reverse — it computes the card
/// cryptogram, checks the host cryptogram and EVERY C-MAC, decrypts C-DEC, and keeps a tiny
/// registry — so a wrong MAC chain, counter or padding fails the test with 6982.
/// The cases are in ccm_install_test.cpp, ccm_channel_test.cpp and ccm_delete_storedata_test.cpp.
/// The helpers drive an operation against it as a touch point would. The test files say
/// `using namespace scripted_gp_card;`, which also brings the namespaces below.
#include "tsm/core/cap/cap_file.hpp"
#include "tsm/core/ccm/operations.hpp"
#include "tsm/core/gp/command_apdu.hpp"
#include "tsm/core/gp/secret_key.hpp"
#include "tsm/core/gp/static_keys.hpp"
#include "tsm/core/hex.hpp"

#include "hex_literal.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

namespace scripted_gp_card {

using namespace tsm::core;
using namespace tsm::core::ccm;
namespace gp = tsm::core::gp;
using tsm::test::h;

gp::static_keys keys_from(std::string_view hex);

inline const std::string_view test_key = "404142434445464748494A4B4C4D4E4F";
inline const std::string_view other_key = "00112233445566778899AABBCCDDEEFF";
inline const bytes isd_aid = from_hex("A000000151000000").value();
inline const bytes host_challenge = from_hex("0102030405060708").value();

cap::cap_file load_cap(std::string_view name);

// ----------------------------------------------------------------------------- scripted card

class fake_card {
public:
    scp_protocol protocol = scp_protocol::scp03;
    gp::static_keys keys = keys_from(test_key);
    std::uint8_t scp03_i = 0x70; // pseudo-random challenge, R-MAC, R-ENC
    std::uint8_t scp02_i = 0x55;
    bytes fci = h("6F108408A000000151000000A5049F6501FF");
    std::uint16_t already_loaded_sw = 0x6985;
    bool corrupt_rmac = false;
    /// Answers a command (plain, after unwrapping) instead of the card logic when it returns a value.
    std::function<std::optional<bytes>(const gp::command_apdu&)> hook;

    std::map<bytes, bytes> load_files;     // ELF AID -> LFDB
    std::map<bytes, bytes> instances;      // instance AID -> ELF AID
    std::map<bytes, bytes> install_params; // instance AID -> install params field
    std::map<bytes, bytes> personalized;   // instance AID -> STORE DATA payload
    std::vector<std::uint8_t> store_data_p1;
    std::vector<bytes> wire;  // every command as received
    std::vector<bytes> plain; // commands after secure messaging removed

    bytes transmit(const bytes& raw);

private:
    bool authenticated_ = false;
    bytes hc_, cc_, seq_;
    std::uint8_t level_ = 0;
    bytes mcv_;
    std::uint32_t counter_ = 0;
    gp::secret_key s_enc_, s_mac_, s_rmac_;
    bytes last_mac_;
    // LOAD reassembly
    bytes loading_elf_;
    bytes load_buffer_;
    int next_block_ = 0;
    bytes perso_target_;

    bytes select(const gp::command_apdu& a);

    bytes initialize_update(const gp::command_apdu& a);

    bytes external_authenticate(const gp::command_apdu& a);

    static bytes counter_block(std::uint32_t c, bool response);

    std::optional<gp::command_apdu> unwrap(gp::command_apdu a);

    bytes wrap_response(const bytes& r);

    static bool read_lv(std::string_view& in, bytes& out);

    bytes process(const gp::command_apdu& a);
};

// ----------------------------------------------------------------------------- driver

struct run_result {
    operation_outcome outcome;
    std::vector<apdu_batch> batches;
    std::size_t round_trips = 0; ///< touch-point round trips (parts of batches)
};

/// How the simulated touch point treats stopOnError.
enum class stop_rule {
    honoured, ///< protocol v1: stops at the first SW other than 9000/61xx
    ignored,  ///< the Fidesmo dialects: runs every command whatever its SW
};

/// Plays the touch point. `max_answers` > 0 simulates a touch point that answers only part of
/// each batch.
run_result run(operation& op, fake_card& card, std::size_t max_answers = 0,
               stop_rule rule = stop_rule::honoured);

card_context context(scp_protocol p = scp_protocol::scp03, std::string_view key = test_key);

install_request install_of(const cap::cap_file& cap, std::string_view instance_hex = "");

std::size_t lc_of(const bytes& apdu);

void check_success(const run_result& r);

} // namespace scripted_gp_card
