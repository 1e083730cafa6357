#pragma once
/// DESFire operations driven against a scripted EV1 card (core tests must not link
/// tools/sandbox_se). The card runs the card side of the core primitives: it authenticates with
/// card_authentication, keeps its own CMAC chain with session (every plain command moves its IV,
/// its answers carry mac_response), opens ChangeKey cryptograms with open_change_key, drops the
/// authentication on every error, and checks frame sizes. A host chain that is off by one
/// command fails the host's CMAC check; a wrong cryptogram fails with 1E.
/// The runner and helpers drive an operation against it as a touch point would. The cases are in
/// desfire_create_app_test.cpp, desfire_commands_test.cpp, desfire_delete_app_test.cpp and
/// desfire_failures_test.cpp, which say `using namespace scripted_desfire_card;` (it also brings
/// the namespaces below).
#include "tsm/core/desfire/authentication.hpp"
#include "tsm/core/desfire/operations.hpp"
#include "tsm/core/desfire/secure_messaging.hpp"
#include "tsm/core/hex.hpp"

#include "desfire_vectors.hpp"
#include "hex_literal.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

namespace scripted_desfire_card {

using namespace tsm::core;
using namespace tsm::core::desfire;
namespace gp = tsm::core::gp;
using desfire_vectors::wrap_native;
using tsm::test::h;

desfire_key make_key(key_type t, std::string_view hex, std::uint8_t version = 0);

inline const std::string_view aes_picc = "00112233445566778899AABBCCDDEEFF";

inline std::uint8_t u8(char c) {
    return static_cast<std::uint8_t>(c);
}

// ------------------------------------------------------------------------------ scripted card

struct card_app {
    std::uint8_t ks1 = 0;
    std::uint8_t ks2 = 0;
    bytes iso_fid;
    bytes df_name;
    std::vector<desfire_key> keys;
    std::map<std::uint8_t, bytes> files;
};

class fake_card {
public:
    desfire_key picc_key = make_key(key_type::aes, aes_picc);
    std::map<application_id, card_app> apps;
    /// How a ChangeKey in a crypto-00 application is read (the wire carries 16 bytes either way).
    key_type des_family_new_type = key_type::tdes2;
    /// 1-based index of the response CMAC to corrupt (0 = none).
    int corrupt_mac = 0;
    bool no_desfire = false;

    std::vector<bytes> natives;       ///< every native frame received (INS || data)
    std::vector<std::size_t> batches; ///< size of each batch received

    std::vector<bytes> run(const apdu_batch& b);

    bool sent(std::uint8_t ins) const;

private:
    bytes process(const bytes& apdu);

    bytes more(const bytes& data);

    bytes command(std::uint8_t ins, const bytes& data);

    bytes create_application(const bytes& native, const bytes& data);

    bytes change_key(const bytes& data);

    bytes write_data(const bytes& data);

    bytes next_frame();

    bytes ok_mac(const bytes& data);

    bytes fail(std::uint8_t status);

    void reset_level(application_id aid);

    struct receiving {
        bytes data;
        std::size_t total;
    };

    application_id level_ = 0;
    std::optional<card_authentication> pending_auth_;
    std::uint8_t pending_key_no_ = 0;
    std::optional<session> session_;
    int auth_key_no_ = -1;
    std::optional<receiving> receiving_;
    std::deque<bytes> sending_;
    int challenges_ = 0;
    int macs_ = 0;
};

// -------------------------------------------------------------------------------------- runner

struct run_result {
    operation_outcome outcome;
    int rounds = 0;
};

using tamper_fn = std::function<void(int round, std::vector<bytes>& responses)>;

run_result run(operation& op, fake_card& card, const tamper_fn& tamper = {});

card_context context_for(const desfire_key& picc);

create_app_request app_request(application_id aid, key_type t, std::uint8_t n);

bytes distinct_key(key_type t, std::size_t i);

/// Runs an ISO/AES authentication against the card's APDU interface with the host primitives.
bool authenticates(fake_card& card, application_id aid, std::uint8_t key_no, const desfire_key& key);

void require_success(const run_result& r);

} // namespace scripted_desfire_card
