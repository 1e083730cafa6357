#pragma once
/// Java Card CAP file parsing: a pure, in-memory library (no sockets, no files).
///
/// A CAP file is a ZIP archive whose components live at `<package/path>/javacard/<Name>.cap`.
/// `parse_cap` opens the archive from memory, reads only the component entries (never the
/// manifest or class files), checks every component's tag, size and the fields a card manager
/// relies on, and builds the Load File Data Block (LFDB) in load order:
///   Header, Directory, Import, Applet, Class, Method, StaticField, Export, ConstantPool,
///   RefLocation, Descriptor (if present); never Debug.
///
/// Hostile input never crashes and never allocates beyond `cap_limits`: the input size, the entry
/// count and the declared uncompressed sizes are checked before anything is decompressed, and the
/// decompressed byte counts are enforced again while reading because ZIP headers can lie.
#include "tsm/core/hex.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tsm::core::cap {

/// Component tags (JCVM spec, Table 6-1).
enum class component_tag : std::uint8_t {
    header = 1,
    directory = 2,
    applet = 3,
    import = 4,
    constant_pool = 5,
    class_ = 6,
    method = 7,
    static_field = 8,
    ref_location = 9,
    export_ = 10,
    descriptor = 11,
    debug = 12,
};
inline constexpr std::size_t component_tag_count = 12;

/// The component's file name stem as written in the archive ("Header", "ConstantPool", ...).
std::string_view component_name(component_tag tag) noexcept;

/// Whether the Descriptor component is part of the Load File Data Block. GPP/capfile leave it
/// out (the GPP file-name hash is over the LFDB without it); pySim, GPShell and the kaoh real-card
/// trace send it. Cards accept both; the hash in INSTALL [for load] must match what is sent.
enum class descriptor_mode : std::uint8_t { include, exclude };

/// Resource bounds for `parse_cap`. Exceeding one yields `error_kind::too_large`.
struct cap_limits {
    std::size_t max_input_bytes = 4u << 20;         ///< size of the ZIP itself
    std::size_t max_uncompressed_bytes = 16u << 20; ///< sum of declared sizes of all entries
    std::size_t max_entries = 256;                  ///< entries in the ZIP central directory
};

enum class error_kind : std::uint8_t {
    malformed,   ///< not a ZIP, truncated, corrupt, or a component fails a check
    too_large,   ///< a `cap_limits` bound was hit (maps to HTTP 413)
    unsupported, ///< well-formed but outside what we handle (encrypted entry, extended CAP, ...)
};
std::string_view to_string(error_kind kind) noexcept;

struct cap_error {
    error_kind kind = error_kind::malformed;
    std::string message; ///< names the entry/component and the offset at fault
};

struct version {
    std::uint8_t major = 0;
    std::uint8_t minor = 0;
    friend bool operator==(const version&, const version&) = default;
};
/// "major.minor"
std::string to_string(version v);

struct applet_info {
    bytes aid;                               ///< executable module AID, 5..16 bytes
    std::uint16_t install_method_offset = 0; ///< offset into the Method component
};

struct import_info {
    bytes aid; ///< imported package AID, 5..16 bytes
    version package_version;
};

/// A parsed, validated CAP file. Immutable once built; cheap to move.
class cap_file {
public:
    /// Package (Executable Load File) AID from the Header component.
    const bytes& package_aid() const noexcept { return package_aid_; }
    const version& package_version() const noexcept { return package_version_; }
    /// CAP file format version from the Header component (e.g. 2.1, 2.2).
    const version& cap_format_version() const noexcept { return cap_format_version_; }
    /// Header flags: 0x01 ACC_INT, 0x02 ACC_EXPORT, 0x04 ACC_APPLET.
    std::uint8_t header_flags() const noexcept { return header_flags_; }
    /// Directory prefix of the components, e.g. "org/toorcamp/HelloSTK" (may be empty).
    const std::string& package_path() const noexcept { return package_path_; }

    /// Executable modules (Applet component), in component order. Empty for library packages.
    const std::vector<applet_info>& applets() const noexcept { return applets_; }
    const std::vector<import_info>& imports() const noexcept { return imports_; }

    /// Java Card version the package was built against, guessed from the javacard.framework
    /// (or javacard.security) import version; nullopt when neither is imported.
    std::optional<std::string> java_card_version() const;

    /// The raw component file (tag, size, payload), or nullptr when the CAP has none.
    const bytes* component(component_tag tag) const noexcept;

    /// Load File Data Block: components concatenated in load order (see file comment).
    const bytes& load_file_data_block(descriptor_mode mode = descriptor_mode::include) const noexcept;
    /// SHA-256 of the LFDB (32 raw bytes). With the default mode this is the CAP id.
    bytes load_file_data_block_hash(descriptor_mode mode = descriptor_mode::include) const;
    /// SHA-1 of the LFDB (20 raw bytes), the hash older GP cards expect in INSTALL [for load].
    bytes load_file_data_block_sha1(descriptor_mode mode = descriptor_mode::include) const;

private:
    friend class cap_file_builder;
    cap_file() = default;

    bytes package_aid_;
    version package_version_;
    version cap_format_version_;
    std::uint8_t header_flags_ = 0;
    std::string package_path_;
    std::vector<applet_info> applets_;
    std::vector<import_info> imports_;
    std::array<std::optional<bytes>, component_tag_count> components_;
    bytes lfdb_with_descriptor_;
    bytes lfdb_without_descriptor_;
};

/// Either a parsed `cap_file` or a `cap_error`.
class parse_result {
public:
    parse_result(cap_file file) : v_(std::move(file)) {}
    parse_result(cap_error error) : v_(std::move(error)) {}

    bool ok() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }
    /// Precondition: ok().
    const cap_file& value() const& { return std::get<0>(v_); }
    cap_file&& value() && { return std::get<0>(std::move(v_)); }
    /// Precondition: !ok().
    const cap_error& error() const& { return std::get<1>(v_); }

private:
    std::variant<cap_file, cap_error> v_;
};

/// Parses a CAP file held in memory. Never throws on bad input (only std::bad_alloc can escape).
parse_result parse_cap(std::string_view zip_bytes, const cap_limits& limits = {});

} // namespace tsm::core::cap
