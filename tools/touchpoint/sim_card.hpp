#pragma once
/// A deterministic simulated GlobalPlatform card for demos and tests. It answers SELECT (any AID,
/// with an FCI for the ISD), GET DATA for CPLC (9F7F), IIN (42) and CIN (45), and the usual ISO
/// errors otherwise. Stateless apart from its identity; not thread safe (like a real card).
#include "touchpoint/card.hpp"

#include <string>

namespace tsm::tools::touchpoint {

/// The Issuer Security Domain AID that an empty SELECT picks (GP Card Spec 2.3, H.1).
inline constexpr std::string_view isd_aid{"\xA0\x00\x00\x01\x51\x00\x00\x00", 8};

class sim_card final : public card {
public:
    /// `iin` and `cin` are binary; they are what GET DATA 42 / 45 return.
    sim_card(std::string iin, std::string cin);
    std::string transceive(std::string_view apdu) override;

    /// The 42-byte CPLC value this card reports (derived from the CIN so it is stable).
    const std::string& cplc() const { return cplc_; }

private:
    std::string select(std::string_view apdu) const;
    std::string get_data(std::string_view apdu) const;

    std::string iin_;
    std::string cin_;
    std::string cplc_;
};

} // namespace tsm::tools::touchpoint
