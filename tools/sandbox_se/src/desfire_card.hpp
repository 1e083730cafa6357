#pragma once
// The MIFARE DESFire EV1 emulation as the secure element sees it: one ISO 7816-4 wrapped native
// command in (`90 INS 00 00 [Lc data] [00]`), `<data> 91 <status>` out. This class owns the
// framing: AF continuation of long answers and of multi-frame WriteData, the authentication's
// second frame, the command CMAC that moves the session IV and the protection of answers
// (globalplatform.md 5.1, 5.4). The commands themselves are in desfire_{picc,keys,files}.cpp.
#include "desfire_machine.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

namespace tsm::sandbox::detail {

class desfire_card {
public:
    desfire_card(desfire_config cfg, std::function<bytes(std::size_t)> random);

    /// The ISO DF name that selects the emulation.
    const bytes& aid() const noexcept { return m_.cfg.aid; }
    /// ISO SELECT of the DESFire AID: PICC level, no session, nothing pending.
    void select();
    /// Another SELECT or a card reset: the session and anything pending are dropped.
    void deselect();
    /// One wrapped native command (CLA 90). Malformed wrapping answers an ISO status word
    /// (6700 lengths, 6A86 P1/P2 not 00); everything else `<data> 91 <status>`.
    bytes transceive(std::string_view apdu);

    desfire_state state() const { return m_.snapshot(); }
    std::optional<desfire_application_info> application(std::uint32_t aid) const;

private:
    bool pending() const noexcept;
    void clear_pending() noexcept;
    bytes fail(std::uint8_t status);
    bytes continuation(std::string_view data);
    bytes execute(const bytes& native);
    bytes finish(df_reply r);
    bytes next_frame();

    desfire_machine m_;
    // Answer frames not yet fetched with AF.
    std::vector<bytes> out_frames_;
    std::size_t out_next_ = 0;
    // A WriteData whose frames are still arriving.
    bool in_pending_ = false;
    bytes in_buffer_;
    std::size_t in_expected_ = 0;
};

} // namespace tsm::sandbox::detail
