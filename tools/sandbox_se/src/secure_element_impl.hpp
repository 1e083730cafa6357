#pragma once
// The sandbox secure element's state (ISD, registry, pending LOAD / STORE DATA / GET STATUS,
// the secure channel, the DESFire emulation) and its GlobalPlatform command handlers, defined
// by idea across secure_element.cpp, gp_dispatch.cpp, gp_content.cpp and gp_get_status.cpp.
#include "tsm/sandbox/secure_element.hpp"

#include "card_channel.hpp"
#include "desfire_card.hpp"
#include "gp_apdu.hpp"

#include <map>
#include <optional>
#include <string_view>
#include <vector>

namespace tsm::sandbox {

/// An application or load file may be selected: not locked (b8) and SELECTABLE.
inline bool selectable(std::uint8_t lc) {
    return (lc & 0x80) == 0 && (lc & life_cycle::selectable) == life_cycle::selectable;
}

struct secure_element::impl {
    using response = detail::response;
    using command_apdu = tsm::core::gp::command_apdu;

    secure_element_config cfg;
    bytes kdd;
    std::uint8_t isd_life_cycle = life_cycle::secured;
    std::optional<detail::desfire_card> desfire; // DESFire EV1 emulation (desfire_card.cpp)
    std::vector<load_file_info> elfs;
    std::vector<application_info> apps;
    std::map<bytes, std::vector<store_data_block>> perso;
    /// The plain commands that came through the secure channel, by the AID that got them
    /// (received_commands()); at most max_received_per_aid each.
    std::map<bytes, std::vector<bytes>> received;
    static constexpr std::size_t max_received_per_aid = 1024;

    detail::card_channel channel;
    scp02_key_set* channel_scp02 = nullptr; // key set of a pending SCP02 session
    bytes selected;

    struct pending_load {
        bytes elf_aid;
        bytes hash;
        bytes buffer;
        unsigned next_block = 0;
    };
    std::optional<pending_load> load;

    std::optional<bytes> perso_target; // application receiving STORE DATA
    unsigned next_store_block = 0;

    std::vector<bytes> status_entries; // GET STATUS continuation
    std::size_t status_next = 0;
    std::uint8_t status_p1 = 0;
    bool status_pending = false;

    explicit impl(secure_element_config c);

    bool isd_selected() const { return selected == cfg.isd_aid; }
    bool desfire_selected() const { return desfire && selected == desfire->aid(); }

    // The card's state and registry (secure_element.cpp).
    void reset_sd_state();
    load_file_info* find_elf(std::string_view aid);
    application_info* find_app(std::string_view aid);
    bool aid_in_use(std::string_view aid);

    // APDU dispatch, SELECT, GET DATA, INITIALIZE UPDATE (gp_dispatch.cpp).
    bytes transceive(std::string_view raw);
    void abandon_session();
    response dispatch(const command_apdu& a);
    // After INSTALL [for personalization] the ISD forwards the secure channel's commands to the
    // target (GP §11.5): which ones, the applet stub's answer, the record of what arrived.
    static bool routed_to_application(std::uint8_t ins);
    response routed_command(const command_apdu& a);
    void record_received(const command_apdu& a);
    bytes recognition_data() const;
    bytes fci() const;
    response select(const command_apdu& a);
    bytes key_information() const;
    response get_data(const command_apdu& a);
    response initialize_update(const command_apdu& a);

    // The reader's GET UID and the Fidesmo identification applets (fidesmo_identity.cpp).
    bytes get_uid(std::string_view raw) const;
    bool is_fidesmo_applet(std::string_view aid) const;
    response select_fidesmo_applet(std::string_view aid);

    // Card content management: INSTALL, LOAD, STORE DATA, DELETE (gp_content.cpp).
    response install(const command_apdu& a);
    response install_for_load(const command_apdu& a);
    response load_block(const command_apdu& a);
    response install_for_install(const command_apdu& a, std::uint8_t p1);
    response install_for_personalization(const command_apdu& a);
    response store_data(const command_apdu& a);
    response delete_object(const command_apdu& a);

    // GET STATUS (gp_get_status.cpp).
    static bool matches(std::string_view aid, std::string_view criterion);
    bytes entry_tagged(std::string_view aid, std::uint8_t lc, const bytes* privileges, const bytes* elf,
                       const bytes* sd, const std::vector<bytes>* modules) const;
    static bytes entry_legacy(std::string_view aid, std::uint8_t lc, std::uint8_t privilege,
                              const std::vector<bytes>* modules);
    response get_status(const command_apdu& a);
    // Whole entries up to 232 bytes, so that R-ENC padding and R-MAC still fit in 256.
    response status_chunk();
};

} // namespace tsm::sandbox
