#include "cap/zip_reader.hpp"

#include <zip.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <optional>

namespace tsm::core::cap::detail {
namespace {

cap_error make_error(error_kind kind, std::string message) {
    return cap_error{kind, std::move(message)};
}

std::string zip_error_text(zip_error_t* err) {
    switch (zip_error_code_zip(err)) {
    case ZIP_ER_NOZIP: return "not a ZIP archive";
    case ZIP_ER_INCONS: return "ZIP archive is inconsistent (truncated or corrupt)";
    default: return std::string("ZIP: ") + zip_error_strerror(err);
    }
}

std::uint32_t le32(std::string_view s, std::size_t at) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data() + at);
    return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16
           | std::uint32_t(p[3]) << 24;
}
std::uint64_t le64(std::string_view s, std::size_t at) {
    return std::uint64_t(le32(s, at)) | std::uint64_t(le32(s, at + 4)) << 32;
}

/// Entry count from the end-of-central-directory record (zip64 aware), read before libzip
/// allocates its entry table. nullopt when there is no EOCD; libzip then reports the problem.
std::optional<std::uint64_t> declared_entry_count(std::string_view z) {
    constexpr std::size_t eocd_size = 22;
    if (z.size() < eocd_size) {
        return std::nullopt;
    }
    // The EOCD is the last record; it may be followed by a comment of up to 65535 bytes.
    const std::size_t lowest = z.size() > eocd_size + 0xFFFF ? z.size() - eocd_size - 0xFFFF : 0;
    for (std::size_t at = z.size() - eocd_size + 1; at-- > lowest;) {
        if (le32(z, at) != 0x06054b50u) {
            continue;
        }
        const std::uint64_t count = std::uint64_t(static_cast<unsigned char>(z[at + 10]))
                                    | std::uint64_t(static_cast<unsigned char>(z[at + 11])) << 8;
        // zip64: a locator (20 bytes) right before the EOCD points at the zip64 EOCD record.
        if (count == 0xFFFF && at >= 20 && le32(z, at - 20) == 0x07064b50u) {
            const std::uint64_t off = le64(z, at - 20 + 8);
            if (z.size() >= 56 && off <= z.size() - 56 && le32(z, off) == 0x06064b50u) {
                return le64(z, off + 32);
            }
        }
        return count;
    }
    return std::nullopt;
}

struct archive_closer {
    void operator()(zip_t* za) const noexcept { zip_discard(za); }
};
struct file_closer {
    void operator()(zip_file_t* f) const noexcept { zip_fclose(f); }
};

} // namespace

std::variant<std::vector<zip_member>, cap_error>
read_zip_members(std::string_view zip_bytes, const cap_limits& limits, std::size_t max_member_bytes,
                 const std::function<bool(std::string_view name)>& wanted) {
    if (zip_bytes.size() > limits.max_input_bytes) {
        return make_error(error_kind::too_large, "input is " + std::to_string(zip_bytes.size())
                                                     + " bytes, limit is "
                                                     + std::to_string(limits.max_input_bytes));
    }
    if (zip_bytes.empty()) {
        return make_error(error_kind::malformed, "not a ZIP archive: input is empty");
    }
    if (const auto n = declared_entry_count(zip_bytes); n && *n > limits.max_entries) {
        return make_error(error_kind::too_large, "ZIP declares " + std::to_string(*n) + " entries, limit is "
                                                     + std::to_string(limits.max_entries));
    }

    zip_error_t err;
    zip_error_init(&err);
    zip_source_t* src = zip_source_buffer_create(zip_bytes.data(), zip_bytes.size(), 0, &err);
    if (src == nullptr) {
        cap_error e = make_error(error_kind::malformed, zip_error_text(&err));
        zip_error_fini(&err);
        return e;
    }
    std::unique_ptr<zip_t, archive_closer> za(zip_open_from_source(src, ZIP_RDONLY, &err));
    if (!za) {
        zip_source_free(src); // still ours when the open failed
        cap_error e = make_error(error_kind::malformed, zip_error_text(&err));
        zip_error_fini(&err);
        return e;
    }
    zip_error_fini(&err);

    const zip_int64_t count = zip_get_num_entries(za.get(), 0);
    if (count < 0) {
        return make_error(error_kind::malformed, "ZIP: cannot read the central directory");
    }
    if (static_cast<std::uint64_t>(count) > limits.max_entries) {
        return make_error(error_kind::too_large, "ZIP has " + std::to_string(count) + " entries, limit is "
                                                     + std::to_string(limits.max_entries));
    }

    // Pass 1: central directory only. Nothing is decompressed until every bound holds.
    struct pick {
        zip_uint64_t index;
        std::string name;
        zip_uint64_t size;
    };
    std::vector<pick> picks;
    zip_uint64_t total = 0;
    for (zip_uint64_t i = 0; i < static_cast<zip_uint64_t>(count); ++i) {
        zip_stat_t st;
        zip_stat_init(&st);
        if (zip_stat_index(za.get(), i, ZIP_FL_ENC_RAW, &st) != 0 || !(st.valid & ZIP_STAT_NAME)
            || !(st.valid & ZIP_STAT_SIZE)) {
            return make_error(error_kind::malformed,
                              "ZIP entry #" + std::to_string(i) + ": unreadable directory record");
        }
        const std::string_view name(st.name);
        if (st.size
            > limits.max_uncompressed_bytes - std::min<zip_uint64_t>(total, limits.max_uncompressed_bytes)) {
            return make_error(error_kind::too_large,
                              "ZIP entries declare more than " + std::to_string(limits.max_uncompressed_bytes)
                                  + " uncompressed bytes (at entry '" + std::string(name) + "', "
                                  + std::to_string(st.size) + " bytes)");
        }
        total += st.size;
        if (!wanted(name)) {
            continue;
        }
        if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE) {
            return make_error(error_kind::unsupported, "ZIP entry '" + std::string(name) + "' is encrypted");
        }
        if ((st.valid & ZIP_STAT_COMP_METHOD) && st.comp_method != ZIP_CM_STORE
            && st.comp_method != ZIP_CM_DEFLATE) {
            return make_error(error_kind::unsupported,
                              "ZIP entry '" + std::string(name) + "' uses compression method "
                                  + std::to_string(st.comp_method) + " (only stored and deflate)");
        }
        if (st.size > max_member_bytes) {
            return make_error(error_kind::malformed,
                              "ZIP entry '" + std::string(name) + "' declares " + std::to_string(st.size)
                                  + " bytes, a component is at most " + std::to_string(max_member_bytes));
        }
        picks.push_back({i, std::string(name), st.size});
    }

    // Pass 2: decompress the wanted members, never producing more than the declared size (+1
    // byte to notice a lie) and never more than the totals allowed.
    std::vector<zip_member> out;
    out.reserve(picks.size());
    std::size_t produced_total = 0;
    std::array<char, 4096> buf;
    for (const pick& p : picks) {
        std::unique_ptr<zip_file_t, file_closer> f(zip_fopen_index(za.get(), p.index, 0));
        if (!f) {
            zip_error_t* ze = zip_get_error(za.get());
            return make_error(error_kind::malformed,
                              "ZIP entry '" + p.name + "': cannot open (" + zip_error_text(ze) + ")");
        }
        zip_member m{p.name, {}};
        m.data.reserve(static_cast<std::size_t>(p.size));
        for (;;) {
            const zip_int64_t n = zip_fread(f.get(), buf.data(), buf.size());
            if (n < 0) {
                return make_error(error_kind::malformed, "ZIP entry '" + p.name + "': read failed after "
                                                             + std::to_string(m.data.size()) + " bytes ("
                                                             + zip_error_text(zip_file_get_error(f.get()))
                                                             + ")");
            }
            if (n == 0) {
                break;
            }
            const auto got = static_cast<std::size_t>(n);
            if (m.data.size() + got > p.size) {
                return make_error(error_kind::malformed, "ZIP entry '" + p.name
                                                             + "': inflates past its declared size "
                                                             + std::to_string(p.size));
            }
            produced_total += got;
            if (produced_total > limits.max_uncompressed_bytes) {
                return make_error(error_kind::too_large, "ZIP entry '" + p.name + "': more than "
                                                             + std::to_string(limits.max_uncompressed_bytes)
                                                             + " uncompressed bytes in total");
            }
            m.data.append(buf.data(), got);
        }
        if (m.data.size() != p.size) {
            return make_error(error_kind::malformed,
                              "ZIP entry '" + p.name + "': " + std::to_string(m.data.size()) + " bytes read, "
                                  + std::to_string(p.size) + " declared");
        }
        out.push_back(std::move(m));
    }
    return out;
}

} // namespace tsm::core::cap::detail
