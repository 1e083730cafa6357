#include "load_file_check.hpp"

#include <openssl/evp.h>

namespace tsm::sandbox::detail {

using namespace std::literals;

namespace {

bytes digest(const char* name, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    const EVP_MD* md = EVP_get_digestbyname(name);
    if (md == nullptr || EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1) {
        return {};
    }
    return bytes(reinterpret_cast<const char*>(out), len);
}

} // namespace

load_check check_load_file(std::string_view file, std::string_view elf_aid, std::string_view hash) {
    load_check r;
    r.sw = sw::wrong_data;
    std::string_view in = file;
    while (!in.empty() && u8(in, 0) == 0xE2) {
        in.remove_prefix(1);
        std::string_view dap;
        if (!read_ber_lv(in, dap)) {
            return r;
        }
    }
    if (in.empty() || u8(in, 0) != 0xC4) {
        return r; // D4 (ciphered LFDB) is not supported either
    }
    in.remove_prefix(1);
    std::size_t len = 0;
    if (!read_ber_length(in, len) || len != in.size() || len == 0) {
        return r;
    }
    const std::string_view lfdb = in;
    bool first = true;
    bool have_applet = false;
    while (!in.empty()) {
        if (in.size() < 3) {
            return r;
        }
        const std::uint8_t tag = u8(in, 0);
        const std::size_t size = static_cast<std::size_t>(u8(in, 1)) << 8 | u8(in, 2);
        if (tag < 1 || tag > 12 || in.size() < 3 + size) {
            return r;
        }
        const std::string_view payload = in.substr(3, size);
        in.remove_prefix(3 + size);
        if (first) {
            // Header: magic(4) minor major flags pkg-minor pkg-major AID-length AID.
            if (tag != 0x01 || payload.size() < 10 || payload.substr(0, 4) != "\xDE\xCA\xFF\xED"sv) {
                return r;
            }
            const std::size_t aid_len = u8(payload, 9);
            if (payload.size() < 10 + aid_len || payload.substr(10, aid_len) != elf_aid) {
                return r;
            }
            first = false;
            continue;
        }
        if (tag == 0x01) {
            return r; // a second Header
        }
        if (tag == 0x03) {
            if (have_applet || payload.empty()) {
                return r;
            }
            have_applet = true;
            std::string_view p = payload.substr(1);
            for (std::size_t k = 0; k < u8(payload, 0); ++k) {
                std::string_view aid;
                if (!read_lv(p, aid) || !valid_aid(aid) || p.size() < 2) {
                    return r;
                }
                p.remove_prefix(2); // install method offset
                r.modules.emplace_back(aid);
            }
            if (!p.empty()) {
                return r;
            }
        }
    }
    if (hash.size() == 20 && digest("SHA1", lfdb) != hash) {
        return r;
    }
    if (hash.size() == 32 && digest("SHA256", lfdb) != hash) {
        return r;
    }
    r.lfdb.assign(lfdb);
    r.sw = sw::ok;
    return r;
}

} // namespace tsm::sandbox::detail
