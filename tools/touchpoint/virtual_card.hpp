#pragma once
/// `--card virtual`: the sandbox secure element (tools/sandbox_se) behind the touch point's card
/// interface, configured from the command line (ISD AID, one SCP03 or SCP02 key set, keys from
/// flags or a JSON file; the GP test keys by default). Not thread safe (like a real card).
#include "touchpoint/card.hpp"
#include "touchpoint/touchpoint_options.hpp"

#include "tsm/sandbox/secure_element.hpp"

#include <optional>
#include <string>

namespace tsm::tools::touchpoint {

class virtual_card final : public card {
public:
    explicit virtual_card(sandbox::secure_element_config config) : se_(std::move(config)) {}
    std::string transceive(std::string_view apdu) override { return se_.transceive(apdu); }

    sandbox::secure_element& element() noexcept { return se_; }

private:
    sandbox::secure_element se_;
};

/// The sandbox configuration the options describe: IIN/CIN from --iin/--cin, the ISD from --isd,
/// one key set (--scp, --kvn, --scp-i) whose keys come from --enc/--mac/--dek, else from
/// --keys-file ({"enc","mac","dek"} hex), else the GP test keys; the DESFire EV1 emulation
/// (off with --no-desfire) with the PICC master key from --desfire-key-file (else DES 00 x 8),
/// --desfire-uid and --desfire-key-settings. nullopt with `error` set when a key is malformed,
/// the key lengths do not suit the protocol, or a keys file is unreadable. Errors never
/// contain key material.
std::optional<sandbox::secure_element_config> virtual_card_config(const touchpoint_options& opts,
                                                                  std::string& error);

/// Reads a DESFire key file: one line `TYPE:HEX` or `TYPE:HEX:VERSION` (surrounding blanks and
/// a final newline allowed), TYPE DES | 2K3DES | 3K3DES | AES (any case), HEX of the type's
/// length (8, 16, 24, 16 bytes), VERSION 0..255 for AES keys only. nullopt with `error` set
/// (unreadable file, unknown type, bad hex, wrong length); the error never contains the key.
/// The buffer that held the file is wiped.
std::optional<core::desfire::desfire_key> read_desfire_key_file(const std::string& path, std::string& error);

} // namespace tsm::tools::touchpoint
