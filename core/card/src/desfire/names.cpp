// Names of DESFire status bytes and native commands, for error.message and error.command
// (reference notes section 5.1 status table, section 5.2 command table plus the file and data
// commands of the EV1 datasheet).
#include "tsm/core/desfire/operations.hpp"

#include <array>

namespace tsm::core::desfire {

std::string_view status_name(std::uint8_t status) noexcept {
    switch (status) {
    case 0x00: return "OK";
    case 0x0C: return "no changes";
    case 0x0E: return "out of EEPROM";
    case 0x1C: return "illegal command";
    case 0x1E: return "integrity error";
    case 0x40: return "no such key";
    case 0x7E: return "length error";
    case 0x9D: return "permission denied";
    case 0x9E: return "parameter error";
    case 0xA0: return "application not found";
    case 0xA1: return "application integrity error";
    case 0xAE: return "authentication error";
    case 0xAF: return "additional frame";
    case 0xBE: return "boundary error";
    case 0xC1: return "PICC integrity error";
    case 0xCA: return "command aborted";
    case 0xCD: return "PICC disabled";
    case 0xCE: return "count error";
    case 0xDE: return "duplicate application";
    case 0xEE: return "EEPROM error";
    case 0xF0: return "file not found";
    case 0xF1: return "file integrity error";
    }
    return "unknown status";
}

namespace {

// "INS 3E" for the commands the table below does not know, so error.command still names the
// byte the SP sent.
using unknown_names = std::array<std::array<char, 6>, 256>;

const unknown_names& unknown_command_names() noexcept {
    static const unknown_names table = [] {
        constexpr char digits[] = "0123456789ABCDEF";
        unknown_names t{};
        for (std::size_t i = 0; i < t.size(); ++i) {
            t[i] = {'I', 'N', 'S', ' ', digits[i >> 4], digits[i & 0x0F]};
        }
        return t;
    }();
    return table;
}

} // namespace

std::string_view command_name(std::uint8_t ins) noexcept {
    switch (ins) {
    // security
    case 0x0A: return "Authenticate";
    case 0x1A: return "AuthenticateISO";
    case 0xAA: return "AuthenticateAES";
    case 0x71: return "AuthenticateEV2First";
    case 0x77: return "AuthenticateEV2NonFirst";
    case 0x54: return "ChangeKeySettings";
    case 0x45: return "GetKeySettings";
    case 0xC4: return "ChangeKey";
    case 0xC6: return "ChangeKeyEV2";
    case 0x64: return "GetKeyVersion";
    case 0x5C: return "SetConfiguration";
    // PICC level
    case 0xCA: return "CreateApplication";
    case 0xDA: return "DeleteApplication";
    case 0x6A: return "GetApplicationIDs";
    case 0x6D: return "GetDFNames";
    case 0x6E: return "FreeMemory";
    case 0x5A: return "SelectApplication";
    case 0xFC: return "FormatPICC";
    case 0x60: return "GetVersion";
    case 0x51: return "GetCardUID";
    // application level
    case 0x6F: return "GetFileIDs";
    case 0x61: return "GetISOFileIDs";
    case 0xF5: return "GetFileSettings";
    case 0x5F: return "ChangeFileSettings";
    case 0xCD: return "CreateStdDataFile";
    case 0xCB: return "CreateBackupDataFile";
    case 0xCC: return "CreateValueFile";
    case 0xC1: return "CreateLinearRecordFile";
    case 0xC0: return "CreateCyclicRecordFile";
    case 0xDF: return "DeleteFile";
    // data
    case 0xBD: return "ReadData";
    case 0x3D: return "WriteData";
    case 0x6C: return "GetValue";
    case 0x0C: return "Credit";
    case 0xDC: return "Debit";
    case 0x1C: return "LimitedCredit";
    case 0x3B: return "WriteRecord";
    case 0xBB: return "ReadRecords";
    case 0xEB: return "ClearRecordFile";
    case 0xC7: return "CommitTransaction";
    case 0xA7: return "AbortTransaction";
    case 0xAF: return "AdditionalFrame";
    }
    const auto& name = unknown_command_names()[ins];
    return {name.data(), name.size()};
}

} // namespace tsm::core::desfire
