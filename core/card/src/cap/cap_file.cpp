#include "tsm/core/cap/cap_file.hpp"

#include "cap/zip_reader.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <stdexcept>

namespace tsm::core::cap {
namespace {

constexpr std::array<std::string_view, component_tag_count> names = {
    "Header", "Directory",   "Applet",      "Import", "ConstantPool", "Class",
    "Method", "StaticField", "RefLocation", "Export", "Descriptor",   "Debug",
};

/// Load order of the Load File Data Block (Debug never).
constexpr std::array<component_tag, 11> load_order = {
    component_tag::header,       component_tag::directory,  component_tag::import,
    component_tag::applet,       component_tag::class_,     component_tag::method,
    component_tag::static_field, component_tag::export_,    component_tag::constant_pool,
    component_tag::ref_location, component_tag::descriptor,
};

constexpr std::array<component_tag, 8> mandatory = {
    component_tag::header,        component_tag::directory,    component_tag::import,
    component_tag::class_,        component_tag::method,       component_tag::static_field,
    component_tag::constant_pool, component_tag::ref_location,
};

/// A component file is tag(1) + size(2) + at most 0xFFFF bytes.
constexpr std::size_t max_component_file = 3 + 0xFFFF;

constexpr std::uint8_t acc_export = 0x02;
constexpr std::uint8_t acc_applet = 0x04;
constexpr std::uint8_t acc_extended = 0x08;

std::size_t index_of(component_tag t) {
    return static_cast<std::size_t>(t) - 1;
}

/// Splits "<prefix>/javacard/<Name>.cap" (or "javacard/<Name>.cap"); nullopt for other names.
struct component_name_parts {
    std::string_view prefix;
    component_tag tag;
};
std::optional<component_name_parts> split_component_name(std::string_view name) {
    constexpr std::string_view ext = ".cap";
    constexpr std::string_view dir = "javacard/";
    if (name.size() <= ext.size() || !name.ends_with(ext)) {
        return std::nullopt;
    }
    const std::string_view path = name.substr(0, name.size() - ext.size());
    const std::size_t slash = path.rfind('/');
    if (slash == std::string_view::npos) {
        return std::nullopt;
    }
    const std::string_view stem = path.substr(slash + 1);
    const std::string_view parent = path.substr(0, slash + 1); // ends with '/'
    if (!parent.ends_with(dir)) {
        return std::nullopt;
    }
    const std::string_view before = parent.substr(0, parent.size() - dir.size());
    if (!before.empty() && !before.ends_with('/')) {
        return std::nullopt; // e.g. "notjavacard/Header.cap"
    }
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (stem == names[i]) {
            std::string_view prefix = before;
            if (!prefix.empty()) {
                prefix.remove_suffix(1);
            }
            return component_name_parts{prefix, static_cast<component_tag>(i + 1)};
        }
    }
    return std::nullopt; // custom or unknown component: not ours to load
}

std::string hex_byte(std::uint8_t b) {
    return "0x" + to_hex(std::string_view(reinterpret_cast<const char*>(&b), 1));
}

/// Bounds-checked cursor over one component file; offsets in messages are from the file start
/// (the tag byte is offset 0).
class cursor {
public:
    cursor(component_tag tag, const bytes& data) : tag_(tag), data_(data) {}

    std::size_t pos() const noexcept { return pos_; }
    std::size_t remaining() const noexcept { return data_.size() - pos_; }
    const cap_error* error() const noexcept { return err_ ? &*err_ : nullptr; }

    std::uint8_t u1(std::string_view what) {
        if (!need(1, what)) {
            return 0;
        }
        return static_cast<std::uint8_t>(data_[pos_++]);
    }
    std::uint16_t u2(std::string_view what) {
        if (!need(2, what)) {
            return 0;
        }
        const auto hi = static_cast<std::uint8_t>(data_[pos_]);
        const auto lo = static_cast<std::uint8_t>(data_[pos_ + 1]);
        pos_ += 2;
        return static_cast<std::uint16_t>(hi << 8 | lo);
    }
    bytes take(std::size_t n, std::string_view what) {
        if (!need(n, what)) {
            return {};
        }
        bytes out = data_.substr(pos_, n);
        pos_ += n;
        return out;
    }
    /// An AID: length byte (5..16) then the AID.
    bytes aid(std::string_view what) {
        const std::size_t at = pos_;
        const std::uint8_t len = u1(what);
        if (err_) {
            return {};
        }
        if (len < 5 || len > 16) {
            fail(std::string(what) + " AID length at offset " + std::to_string(at) + " is "
                 + std::to_string(len) + ", must be 5..16");
            return {};
        }
        return take(len, what);
    }
    void fail(std::string message, error_kind kind = error_kind::malformed) {
        if (!err_) {
            err_ = cap_error{kind, std::string(component_name(tag_)) + ".cap: " + std::move(message)};
        }
    }
    void expect_end(std::string_view what) {
        if (!err_ && remaining() != 0) {
            fail(std::to_string(remaining()) + " unexpected trailing bytes at offset " + std::to_string(pos_)
                 + " after the " + std::string(what));
        }
    }

private:
    bool need(std::size_t n, std::string_view what) {
        if (err_) {
            return false;
        }
        if (remaining() < n) {
            fail("truncated at offset " + std::to_string(pos_) + " reading " + std::string(what) + " ("
                 + std::to_string(n) + " bytes needed, " + std::to_string(remaining()) + " left)");
            return false;
        }
        return true;
    }

    component_tag tag_;
    const bytes& data_;
    std::size_t pos_ = 0;
    std::optional<cap_error> err_;
};

bytes digest(const EVP_MD* md, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1) {
        throw std::runtime_error("cap: EVP_Digest failed");
    }
    return bytes(reinterpret_cast<const char*>(out), len);
}

} // namespace

std::string_view component_name(component_tag tag) noexcept {
    const auto i = static_cast<std::size_t>(tag);
    return i >= 1 && i <= names.size() ? names[i - 1] : std::string_view("Unknown");
}

std::string_view to_string(error_kind kind) noexcept {
    switch (kind) {
    case error_kind::malformed: return "malformed";
    case error_kind::too_large: return "too_large";
    case error_kind::unsupported: return "unsupported";
    }
    return "unknown";
}

std::string to_string(version v) {
    return std::to_string(v.major) + "." + std::to_string(v.minor);
}

const bytes* cap_file::component(component_tag tag) const noexcept {
    const auto i = static_cast<std::size_t>(tag);
    if (i < 1 || i > components_.size() || !components_[i - 1]) {
        return nullptr;
    }
    return &*components_[i - 1];
}

const bytes& cap_file::load_file_data_block(descriptor_mode mode) const noexcept {
    return mode == descriptor_mode::include ? lfdb_with_descriptor_ : lfdb_without_descriptor_;
}

bytes cap_file::load_file_data_block_hash(descriptor_mode mode) const {
    return digest(EVP_sha256(), load_file_data_block(mode));
}

bytes cap_file::load_file_data_block_sha1(descriptor_mode mode) const {
    return digest(EVP_sha1(), load_file_data_block(mode));
}

std::optional<std::string> cap_file::java_card_version() const {
    // Versions of javacard.framework and of javacard.security / javacardx.crypto shipped with
    // each Java Card SDK (framework never used minor 7).
    static constexpr std::array<std::string_view, 10> by_framework = {"2.1.1", "2.1.2", "2.2.1", "2.2.2",
                                                                      "3.0.1", "3.0.4", "3.0.5", "",
                                                                      "3.1.0", "3.2.0"};
    static constexpr std::array<std::string_view, 9> by_security = {"",      "2.1.1", "2.2.1",
                                                                    "2.2.2", "3.0.1", "3.0.4",
                                                                    "3.0.5", "3.1.0", "3.2.0"};
    const bytes framework("\xA0\x00\x00\x00\x62\x01\x01", 7);
    const bytes security("\xA0\x00\x00\x00\x62\x01\x02", 7);
    const bytes crypto("\xA0\x00\x00\x00\x62\x02\x01", 7);
    auto pick = [](const auto& table, std::uint8_t minor) -> std::optional<std::string> {
        if (minor < table.size() && !table[minor].empty()) {
            return std::string(table[minor]);
        }
        return std::nullopt;
    };
    for (const import_info& imp : imports_) {
        if (imp.aid == framework && imp.package_version.major == 1) {
            return pick(by_framework, imp.package_version.minor);
        }
    }
    for (const import_info& imp : imports_) {
        if ((imp.aid == security || imp.aid == crypto) && imp.package_version.major == 1) {
            return pick(by_security, imp.package_version.minor);
        }
    }
    return std::nullopt;
}

/// Fills a cap_file from the component files; the only code allowed to touch its members.
class cap_file_builder {
public:
    static parse_result build(std::array<std::optional<bytes>, component_tag_count> comps,
                              std::string package_path);
};

parse_result cap_file_builder::build(std::array<std::optional<bytes>, component_tag_count> comps,
                                     std::string package_path) {
    for (component_tag t : mandatory) {
        if (!comps[index_of(t)]) {
            return cap_error{error_kind::malformed,
                             "missing mandatory component " + std::string(component_name(t)) + ".cap"};
        }
    }

    // Every component: tag(1) and size(2) must agree with the file.
    for (std::size_t i = 0; i < comps.size(); ++i) {
        if (!comps[i]) {
            continue;
        }
        const auto tag = static_cast<component_tag>(i + 1);
        const bytes& c = *comps[i];
        cursor r(tag, c);
        const std::uint8_t got_tag = r.u1("tag");
        const std::uint16_t size = r.u2("size");
        if (r.error()) {
            return *r.error();
        }
        if (got_tag != static_cast<std::uint8_t>(tag)) {
            r.fail("tag at offset 0 is " + hex_byte(got_tag) + ", expected "
                   + hex_byte(static_cast<std::uint8_t>(tag)));
            return *r.error();
        }
        if (size != c.size() - 3) {
            r.fail("size at offset 1 is " + std::to_string(size) + " but the file holds "
                   + std::to_string(c.size() - 3) + " bytes after tag and size");
            return *r.error();
        }
    }

    cap_file f;
    f.package_path_ = std::move(package_path);

    // Header: magic, CAP format version, flags, package version and AID.
    {
        cursor r(component_tag::header, *comps[index_of(component_tag::header)]);
        r.take(3, "tag and size");
        const std::size_t magic_at = r.pos();
        const bytes magic = r.take(4, "magic");
        if (!r.error() && magic != bytes("\xDE\xCA\xFF\xED", 4)) {
            r.fail("magic at offset " + std::to_string(magic_at) + " is " + to_hex(magic)
                   + ", expected DECAFFED");
        }
        const std::size_t version_at = r.pos();
        f.cap_format_version_.minor = r.u1("CAP format minor version");
        f.cap_format_version_.major = r.u1("CAP format major version");
        const std::size_t flags_at = r.pos();
        f.header_flags_ = r.u1("flags");
        f.package_version_.minor = r.u1("package minor version");
        f.package_version_.major = r.u1("package major version");
        if (!r.error() && f.cap_format_version_.major != 2) {
            r.fail("CAP format version " + to_string(f.cap_format_version_) + " at offset "
                       + std::to_string(version_at) + " is not supported (2.x only)",
                   error_kind::unsupported);
        }
        if (!r.error() && (f.header_flags_ & acc_extended)) {
            r.fail("flags " + hex_byte(f.header_flags_) + " at offset " + std::to_string(flags_at)
                       + " mark an extended CAP file, not supported",
                   error_kind::unsupported);
        }
        f.package_aid_ = r.aid("package");
        // CAP 2.2+ may carry the package name after the AID; nothing else we need.
        if (r.error()) {
            return *r.error();
        }
        const bool has_applet = comps[index_of(component_tag::applet)].has_value();
        if (((f.header_flags_ & acc_applet) != 0) != has_applet) {
            r.fail(std::string("flags ") + hex_byte(f.header_flags_) + " at offset "
                   + std::to_string(flags_at)
                   + (has_applet ? " lack ACC_APPLET but the CAP has an Applet component"
                                 : " set ACC_APPLET but the Applet component is missing"));
            return *r.error();
        }
        const bool has_export = comps[index_of(component_tag::export_)].has_value();
        if (((f.header_flags_ & acc_export) != 0) != has_export) {
            r.fail(std::string("flags ") + hex_byte(f.header_flags_) + " at offset "
                   + std::to_string(flags_at)
                   + (has_export ? " lack ACC_EXPORT but the CAP has an Export component"
                                 : " set ACC_EXPORT but the Export component is missing"));
            return *r.error();
        }
    }

    // Import: count, then minor, major, AID per package.
    {
        cursor r(component_tag::import, *comps[index_of(component_tag::import)]);
        r.take(3, "tag and size");
        const std::uint8_t count = r.u1("count");
        for (unsigned i = 0; i < count && !r.error(); ++i) {
            import_info imp;
            imp.package_version.minor = r.u1("import minor version");
            imp.package_version.major = r.u1("import major version");
            imp.aid = r.aid("import #" + std::to_string(i));
            f.imports_.push_back(std::move(imp));
        }
        r.expect_end(std::to_string(count) + " imports");
        if (r.error()) {
            return *r.error();
        }
    }

    // Applet: count, then AID and install method offset per applet.
    const std::size_t method_payload = comps[index_of(component_tag::method)]->size() - 3;
    if (const auto& applet = comps[index_of(component_tag::applet)]) {
        cursor r(component_tag::applet, *applet);
        r.take(3, "tag and size");
        const std::uint8_t count = r.u1("count");
        if (!r.error() && count == 0) {
            r.fail("applet count at offset 3 is 0");
        }
        for (unsigned i = 0; i < count && !r.error(); ++i) {
            applet_info a;
            a.aid = r.aid("applet #" + std::to_string(i));
            const std::size_t off_at = r.pos();
            a.install_method_offset = r.u2("install method offset");
            if (!r.error() && a.install_method_offset >= method_payload) {
                r.fail("install method offset " + std::to_string(a.install_method_offset) + " at offset "
                       + std::to_string(off_at) + " is outside the Method component ("
                       + std::to_string(method_payload) + " bytes)");
            }
            f.applets_.push_back(std::move(a));
        }
        r.expect_end(std::to_string(count) + " applets");
        if (r.error()) {
            return *r.error();
        }
    }

    // Directory: component sizes and counts must agree with what the archive holds. The layout
    // is known for CAP 2.1 (11 sizes) and 2.2 (12 sizes, adds Debug); later minors are not
    // cross-checked.
    {
        const bytes& d = *comps[index_of(component_tag::directory)];
        const std::uint8_t minor = f.cap_format_version_.minor;
        if (minor <= 2) {
            const std::size_t n_sizes = minor <= 1 ? 11 : 12;
            cursor r(component_tag::directory, d);
            r.take(3, "tag and size");
            for (std::size_t i = 0; i < n_sizes && !r.error(); ++i) {
                const std::size_t at = r.pos();
                const std::uint16_t declared = r.u2("component size");
                const auto& comp = comps[i];
                if (!r.error() && comp && comp->size() - 3 != declared) {
                    r.fail("size of " + std::string(names[i]) + " at offset " + std::to_string(at) + " is "
                           + std::to_string(declared) + " but " + std::string(names[i]) + ".cap holds "
                           + std::to_string(comp->size() - 3) + " bytes");
                }
            }
            r.take(6, "static field size info");
            const std::size_t import_at = r.pos();
            const std::uint8_t import_count = r.u1("import count");
            const std::size_t applet_at = r.pos();
            const std::uint8_t applet_count = r.u1("applet count");
            r.u1("custom count");
            if (!r.error() && import_count != f.imports_.size()) {
                r.fail("import count at offset " + std::to_string(import_at) + " is "
                       + std::to_string(import_count) + " but Import.cap lists "
                       + std::to_string(f.imports_.size()));
            }
            if (!r.error() && applet_count != f.applets_.size()) {
                r.fail("applet count at offset " + std::to_string(applet_at) + " is "
                       + std::to_string(applet_count) + " but Applet.cap lists "
                       + std::to_string(f.applets_.size()));
            }
            // Custom components follow; their content is not ours to judge.
            if (r.error()) {
                return *r.error();
            }
        }
    }

    // The Load File Data Block, in load order.
    std::size_t total = 0;
    for (component_tag t : load_order) {
        if (const auto& c = comps[index_of(t)]) {
            total += c->size();
        }
    }
    f.lfdb_with_descriptor_.reserve(total);
    for (component_tag t : load_order) {
        if (t == component_tag::descriptor) {
            f.lfdb_without_descriptor_ = f.lfdb_with_descriptor_;
        }
        if (const auto& c = comps[index_of(t)]) {
            f.lfdb_with_descriptor_ += *c;
        }
    }
    f.components_ = std::move(comps);
    return f;
}

parse_result parse_cap(std::string_view zip_bytes, const cap_limits& limits) {
    auto members = detail::read_zip_members(zip_bytes, limits, max_component_file, [](std::string_view name) {
        return split_component_name(name).has_value();
    });
    if (auto* e = std::get_if<cap_error>(&members)) {
        return std::move(*e);
    }

    std::array<std::optional<bytes>, component_tag_count> comps;
    std::array<std::string, component_tag_count> paths;
    std::optional<std::string> prefix;
    for (detail::zip_member& m : std::get<0>(members)) {
        const auto parts = split_component_name(m.name);
        const std::size_t i = index_of(parts->tag);
        if (comps[i]) {
            return cap_error{error_kind::malformed, "duplicate " + std::string(names[i]) + " component: '"
                                                        + paths[i] + "' and '" + m.name + "'"};
        }
        if (!prefix) {
            prefix = std::string(parts->prefix);
        } else if (*prefix != parts->prefix) {
            return cap_error{error_kind::malformed, "components in more than one package directory: '"
                                                        + *prefix + "' and '" + std::string(parts->prefix)
                                                        + "' (" + m.name + ")"};
        }
        paths[i] = std::move(m.name);
        comps[i] = std::move(m.data);
    }
    if (!prefix) {
        return cap_error{error_kind::malformed,
                         "no Java Card components (no entry named */javacard/<Name>.cap)"};
    }
    return cap_file_builder::build(std::move(comps), std::move(*prefix));
}

} // namespace tsm::core::cap
