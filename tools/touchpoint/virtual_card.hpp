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
/// --keys-file ({"enc","mac","dek"} hex), else the GP test keys. nullopt with `error` set when a
/// key is malformed, the key lengths do not suit the protocol, or the keys file is unreadable.
std::optional<sandbox::secure_element_config> virtual_card_config(
    const touchpoint_options& opts, std::string& error);

} // namespace tsm::tools::touchpoint
