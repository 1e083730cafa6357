#pragma once
/// EV1 secure messaging after ISO/AES authentication (section 5.4): the session key and the
/// running IV that every command and response moves forward. The same class serves the host
/// (wrap commands, check answers) and the sandbox card (check commands, wrap answers), since
/// both sides compute the same chain. Value type; one per authenticated session.
#include "tsm/core/desfire/crypto.hpp"

#include <cstdint>
#include <string_view>

namespace tsm::core::desfire {

class session {
public:
    session(key_type type, gp::secret_key session_key);

    key_type type() const noexcept { return type_; }
    const gp::secret_key& key() const noexcept { return key_; }
    /// The running IV (block_size(type) bytes, zero right after authentication).
    const bytes& iv() const noexcept { return iv_; }

    // ---- commands (host computes, card checks the same way) ----
    /// CMAC over the native command (cmd || params || data, all frames joined); IV := the full
    /// CMAC. Returns its first 8 bytes (sent only in MACed communication mode).
    result<bytes> mac_command(std::string_view native_command);
    /// Enciphered communication: `header` (cmd || plain params) is covered by the CRC but not
    /// encrypted. Computes E(data || CRC32(header || data) || zero padding) with the running IV;
    /// IV := last ciphertext block. Returns the ciphertext.
    result<bytes> encipher(std::string_view header, std::string_view data);
    /// Card side of encipher(): decrypts, checks the CRC32 over header || plain (plain length
    /// `plain_length`) and zero padding; bad_padding on a CRC or padding mismatch. IV := last
    /// ciphertext block. `plain_length` must come from the command layout: this CRC (no final
    /// XOR) also checks with one extra trailing byte when the next pad byte is zero.
    result<bytes> decipher_command(std::string_view header, std::string_view ciphertext,
                                   std::size_t plain_length);

    // ---- responses (card computes, host checks) ----
    /// CMAC over data || status; IV := the full CMAC; returns the 8 bytes the card appends.
    result<bytes> mac_response(std::string_view data, std::uint8_t status);
    /// Host: checks the 8-byte CMAC that ends a successful answer's data (data = payload || mac)
    /// and returns the payload; rmac_missing when shorter than 8, rmac_mismatch when wrong
    /// (the IV then stays as it was).
    result<bytes> verify_response(std::string_view data_with_mac, std::uint8_t status);
    /// Card: E(plain || CRC32(plain || status) || zero padding) with the running IV.
    result<bytes> encipher_response(std::string_view plain, std::uint8_t status);
    /// Host: decrypts an enciphered answer whose plain part is `plain_length` bytes, checks the
    /// CRC32 over plain || status; bad_padding on mismatch. IV := last ciphertext block.
    result<bytes> decipher_response(std::string_view ciphertext, std::uint8_t status,
                                    std::size_t plain_length);

    // ---- ChangeKey (C4) ----
    /// The enciphered cryptogram for `90 C4 00 00 Lc keyNo <cryptogram> 00`. `key_no_byte`
    /// includes the PICC-level flags (0x80 AES, 0x40 3K3DES). `old_key` null = changing the key
    /// this session authenticated with (newKey [|| ver] || CRC32(C4 || keyNo || newKey [|| ver]));
    /// otherwise (new XOR old) [|| ver] || CRC32(C4 || keyNo || that) || CRC32(newKey).
    /// A DES key travels as 16 bytes K|K (as the card stores it). IV := last ciphertext block;
    /// the card's CMAC over the status (other key changed) then checks with verify_response().
    result<bytes> change_key_cryptogram(std::uint8_t key_no_byte, const desfire_key& new_key,
                                        const desfire_key* old_key);
    /// Card side: decrypts and checks a ChangeKey cryptogram, returns the new key bytes
    /// (key_length(new_type)) and, for AES, the version in `version` (DES family: the version
    /// held in the key's LSBs). bad_padding on a CRC or padding mismatch; bad_length when the
    /// cryptogram does not fit the layout; bad_key_length for a "DES" key with unequal halves.
    result<gp::secret_key> open_change_key(std::uint8_t key_no_byte, std::string_view cryptogram,
                                           key_type new_type, const gp::secret_key* old_key,
                                           std::uint8_t* version);

private:
    /// E(body || zero padding) with the running IV; wipes `body`. IV := last ciphertext block.
    result<bytes> encrypt_padded(bytes& body);
    /// E(data || CRC32(crc_prefix || data || crc_suffix) || zero padding), as encrypt_padded().
    result<bytes> seal(std::string_view crc_prefix, std::string_view data, std::string_view crc_suffix);
    /// Decrypts a ciphertext that must be `body_length` bytes padded to whole blocks (bad_length
    /// otherwise). IV := last ciphertext block.
    result<bytes> decrypt(std::string_view ciphertext, std::size_t body_length);
    /// Undoes seal(): decrypts, checks the CRC32 over crc_prefix || plain || crc_suffix and the
    /// zero padding (bad_padding), returns the `plain_length` plain bytes.
    result<bytes> open(std::string_view crc_prefix, std::string_view ciphertext, std::size_t plain_length,
                       std::string_view crc_suffix);

    key_type type_;
    gp::secret_key key_;
    bytes iv_;
};

} // namespace tsm::core::desfire
