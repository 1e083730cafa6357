#pragma once
/// GlobalPlatform card content management command builders (GPCS ch. 11, globalplatform.md 1).
/// Pure functions producing PLAIN short APDUs (CLA 00/80); secure messaging (CLA 84, C-MAC,
/// C-DEC) is applied afterwards by gp::scp03_session / gp::scp02_session.
/// Every builder throws std::invalid_argument when an input cannot be encoded (an AID longer than
/// 16 bytes, a data field longer than 255 bytes, privileges not 1 or 3 bytes, ...); the
/// operations validate their requests first, so they never hit that.
#include "tsm/core/cap/load_blocks.hpp"
#include "tsm/core/ccm/card_context.hpp"
#include "tsm/core/hex.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace tsm::core::ccm::apdu {

/// `00 A4 04 00 Lc AID 00`.
bytes select_by_aid(std::string_view aid);

/// `80 50 kvn 00 08 host_challenge 00` (host challenge: exactly 8 bytes).
bytes initialize_update(std::uint8_t kvn, std::string_view host_challenge);

/// GET STATUS for one Executable Load File: `80 F2 20 02 Lc 4F len AID 00`
/// (P1 20 = load files, P2 02 = tagged format, search criterion = the AID).
bytes get_status_load_file(std::string_view elf_aid);

/// INSTALL [for load] (P1 02): `80 E6 02 00 Lc | len ELF | len SD (0 = current SD) | len hash |
/// len load params | len token (00) | 00`. Load params are BER-length prefixed.
bytes install_for_load(std::string_view elf_aid, std::string_view sd_aid, std::string_view hash = {},
                       std::string_view load_params = {});

/// LOAD: `80 E8 P1 P2 Lc data 00` (P1 80 on the last block, P2 = block number).
bytes load(const cap::load_block& block);

/// Install parameters field: `C9 <BER len> application params` (`C9 00` when empty).
bytes install_parameters(std::string_view application_params);

/// INSTALL [for install and make selectable] (P1 0C): `80 E6 0C 00 Lc | len ELF | len module |
/// len instance | len privileges (1 or 3) | len install params (C9 ...) | 00 token | 00`.
bytes install_for_install(std::string_view elf_aid, std::string_view module_aid,
                          std::string_view instance_aid, std::string_view privileges,
                          std::string_view application_params);

/// INSTALL [for personalization] (P1 20): `80 E6 20 00 Lc 00 00 len AID 00 00 00 00`.
bytes install_for_personalization(std::string_view instance_aid);

/// STORE DATA data format bits of P1 (b5-b4).
enum class store_data_format : std::uint8_t { dgi = 0x08, ber = 0x10 };

/// One STORE DATA block: `80 E2 P1 P2 Lc data` with P1 = format | 80 when last, P2 = block number.
/// Case 3 (no Le): no response data is requested.
bytes store_data_block(store_data_format format, bool last, std::uint8_t block_number, std::string_view data);

/// STORE DATA commands carrying `data` in blocks of at most `max_block_data` bytes (at least one
/// block, even for empty data). Throws std::invalid_argument when max_block_data is 0 or above 255
/// and std::length_error when more than 256 blocks would be needed (P2 is one byte).
std::vector<bytes> store_data(store_data_format format, std::string_view data, std::size_t max_block_data);

/// DELETE: `80 E4 00 P2 Lc 4F len AID 00`, P2 80 = the object and its related objects
/// (a load file with every instance of its modules).
bytes delete_object(std::string_view aid, bool with_related);

/// The maximum command data length (9F65) announced in a SELECT answer's FCI
/// (`6F { 84 ..., A5 { ..., 9F65 len value } }`), data without SW1SW2. nullopt when absent or
/// the FCI cannot be parsed.
std::optional<std::size_t> fci_max_command_data(std::string_view select_response_data);

/// Largest PLAIN data field that still fits `max_wrapped` bytes of Lc after secure messaging at
/// `level`: minus 8 for the C-MAC, and under C-DEC rounded down so that the ISO 9797-1 padded
/// length (16-byte blocks for SCP03, 8 for SCP02, always at least one padding byte) fits.
/// 255 -> 247 with C-MAC, 239 with C-DEC (both protocols); 0 when nothing fits.
std::size_t max_plain_data(scp_protocol protocol, std::uint8_t level, std::size_t max_wrapped) noexcept;

} // namespace tsm::core::ccm::apdu
