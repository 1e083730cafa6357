// Hostile and malformed CAP input: every case ends in a clear cap_error naming the problem, never
// a crash or an unbounded allocation. ZIPs are written in memory with libzip (the library core
// links publicly) and patched by hand where a header has to lie.
#include "tsm/core/cap/cap_file.hpp"
#include "tsm/core/hex.hpp"

#include <boost/test/unit_test.hpp>

#include <zip.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

using namespace tsm::core;
using namespace tsm::core::cap;

namespace {

const std::filesystem::path data_dir = std::filesystem::path(TSM_TEST_DATA_DIR) / "cap";
const char* const cap_names[] = {"kaoh-helloworld.cap", "gpp-Empty_0102030405_8d5ac9e2_2.2.1.cap",
                                 "pysim-HelloSTK-test_javacard.cap"};

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    BOOST_REQUIRE_MESSAGE(in, "cannot open " << p);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct entry {
    std::string name;
    bytes data;
    bool deflate = false;
};

/// Writes a ZIP in memory with libzip.
bytes make_zip(const std::vector<entry>& entries) {
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t* src = zip_source_buffer_create(nullptr, 0, 0, &err);
    BOOST_REQUIRE(src != nullptr);
    zip_source_keep(src);
    zip_t* za = zip_open_from_source(src, ZIP_TRUNCATE, &err);
    BOOST_REQUIRE(za != nullptr);
    for (const entry& e : entries) {
        zip_source_t* s = zip_source_buffer_create(e.data.data(), e.data.size(), 0, &err);
        BOOST_REQUIRE(s != nullptr);
        const zip_int64_t idx = zip_file_add(za, e.name.c_str(), s, ZIP_FL_ENC_UTF_8);
        BOOST_REQUIRE_MESSAGE(idx >= 0, "zip_file_add " << e.name);
        BOOST_REQUIRE(zip_set_file_compression(za, static_cast<zip_uint64_t>(idx),
                                               e.deflate ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0)
                      == 0);
    }
    BOOST_REQUIRE_MESSAGE(zip_close(za) == 0, "zip_close");
    BOOST_REQUIRE(zip_source_open(src) == 0);
    BOOST_REQUIRE(zip_source_seek(src, 0, SEEK_END) == 0);
    const zip_int64_t size = zip_source_tell(src);
    BOOST_REQUIRE(zip_source_seek(src, 0, SEEK_SET) == 0);
    bytes out(static_cast<std::size_t>(size), '\0');
    BOOST_REQUIRE(zip_source_read(src, out.data(), out.size()) == size);
    zip_source_close(src);
    zip_source_free(src);
    zip_error_fini(&err);
    return out;
}

std::uint32_t le32(const bytes& z, std::size_t at) {
    const auto* p = reinterpret_cast<const unsigned char*>(z.data() + at);
    return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16
           | std::uint32_t(p[3]) << 24;
}
void put_le(bytes& z, std::size_t at, std::uint32_t v, int n) {
    for (int i = 0; i < n; ++i) {
        z[at + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
    }
}

/// Patches the local and central headers of the entry called `name`: a field at `local_off` in
/// the local header and `central_off` in the central one, `n` bytes little-endian.
void patch_entry(bytes& z, std::string_view name, std::size_t local_off, std::size_t central_off,
                 std::uint32_t value, int n) {
    int patched = 0;
    for (std::size_t at = 0; at + 46 <= z.size(); ++at) {
        const std::uint32_t sig = le32(z, at);
        if (sig == 0x04034b50u && z.compare(at + 30, name.size(), name) == 0) {
            put_le(z, at + local_off, value, n);
            ++patched;
        } else if (sig == 0x02014b50u && z.compare(at + 46, name.size(), name) == 0) {
            put_le(z, at + central_off, value, n);
            ++patched;
        }
    }
    BOOST_REQUIRE_MESSAGE(patched == 2, "patch_entry " << name << " hit " << patched);
}
void patch_uncompressed_size(bytes& z, std::string_view name, std::uint32_t size) {
    patch_entry(z, name, 22, 24, size, 4);
}

/// Replaces every occurrence of `from` by `to` (same length) in the raw ZIP bytes.
void rename_raw(bytes& z, std::string_view from, std::string_view to) {
    BOOST_REQUIRE(from.size() == to.size());
    for (std::size_t at = z.find(from); at != bytes::npos; at = z.find(from, at + 1)) {
        z.replace(at, from.size(), to);
    }
}

/// The component entries of a real CAP, ready to be rezipped with changes.
std::vector<entry> components_of(const char* file) {
    const auto r = parse_cap(read_file(data_dir / file));
    BOOST_REQUIRE(r.ok());
    std::vector<entry> out;
    for (int t = 1; t <= 12; ++t) {
        const auto tag = static_cast<component_tag>(t);
        if (const bytes* c = r.value().component(tag)) {
            out.push_back(
                {r.value().package_path() + "/javacard/" + std::string(component_name(tag)) + ".cap", *c});
        }
    }
    return out;
}

entry& find(std::vector<entry>& es, std::string_view component) {
    for (entry& e : es) {
        if (e.name.ends_with("/" + std::string(component) + ".cap")) {
            return e;
        }
    }
    BOOST_FAIL("no component " << component);
    return es.front();
}

void set_u8(entry& e, std::size_t at, std::uint8_t v) {
    e.data[at] = static_cast<char>(v);
}

parse_result expect_error(const bytes& zip, error_kind kind, std::string_view needle,
                          const cap_limits& limits = {}) {
    parse_result r = parse_cap(zip, limits);
    BOOST_TEST_REQUIRE(!r.ok(), "expected an error containing '" << needle << "'");
    BOOST_TEST_MESSAGE("error: " << to_string(r.error().kind) << ": " << r.error().message);
    BOOST_TEST(to_string(r.error().kind) == to_string(kind), r.error().message);
    BOOST_TEST(r.error().message.find(needle) != std::string::npos,
               "'" << r.error().message << "' should contain '" << needle << "'");
    return r;
}

/// What every successful parse must satisfy, whatever the input.
void check_invariants(const cap_file& cap) {
    BOOST_TEST(cap.package_aid().size() >= 5u);
    BOOST_TEST(cap.package_aid().size() <= 16u);
    const bytes& lfdb = cap.load_file_data_block();
    BOOST_TEST(lfdb.size() >= cap.load_file_data_block(descriptor_mode::exclude).size());
    BOOST_TEST(lfdb.substr(0, 1) == "\x01");
    BOOST_TEST(cap.load_file_data_block_hash().size() == 32u);
    for (const auto& a : cap.applets()) {
        BOOST_TEST((a.aid.size() >= 5 && a.aid.size() <= 16));
    }
}

} // namespace

BOOST_AUTO_TEST_SUITE(cap_hostile)

BOOST_AUTO_TEST_CASE(rezipped_components_parse_like_the_original) {
    for (const char* f : cap_names) {
        const auto original = parse_cap(read_file(data_dir / f));
        BOOST_REQUIRE(original.ok());
        auto es = components_of(f);
        for (auto& e : es) {
            e.deflate = true;
        }
        const auto r = parse_cap(make_zip(es));
        BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
        BOOST_TEST(r.value().load_file_data_block() == original.value().load_file_data_block());
    }
}

BOOST_AUTO_TEST_CASE(not_a_zip) {
    expect_error("", error_kind::malformed, "not a ZIP");
    expect_error("PK\x03\x04 hello", error_kind::malformed, "ZIP");
    expect_error(bytes(10000, 'A'), error_kind::malformed, "not a ZIP");
    expect_error(read_file(std::filesystem::path(TSM_VECTORS_DIR) / "cap-files.json"), error_kind::malformed,
                 "not a ZIP");
    // A bare EOCD record: an empty archive holds no components.
    expect_error(bytes("PK\x05\x06", 4) + bytes(18, '\0'), error_kind::malformed, "no Java Card components");
}

BOOST_AUTO_TEST_CASE(truncated_at_every_length) {
    for (const char* f : cap_names) {
        const bytes zip = read_file(data_dir / f);
        for (std::size_t n = 0; n < zip.size(); ++n) {
            const auto r = parse_cap(std::string_view(zip).substr(0, n));
            BOOST_REQUIRE_MESSAGE(!r.ok(), f << " truncated to " << n << " parsed");
            BOOST_TEST((r.error().kind == error_kind::malformed), f << " @" << n);
            BOOST_TEST(!r.error().message.empty());
        }
    }
}

BOOST_AUTO_TEST_CASE(oversized_input) {
    cap_limits small;
    small.max_input_bytes = 1000;
    expect_error(read_file(data_dir / "kaoh-helloworld.cap"), error_kind::too_large,
                 "input is 2449 bytes, limit is 1000", small);
    expect_error(bytes((4u << 20) + 1, '\0'), error_kind::too_large, "limit is 4194304");
}

BOOST_AUTO_TEST_CASE(too_many_entries) {
    auto es = components_of("kaoh-helloworld.cap");
    cap_limits few;
    few.max_entries = 5;
    expect_error(make_zip(es), error_kind::too_large, "10 entries, limit is 5", few);

    for (int i = 0; i < 300; ++i) {
        es.push_back({"filler/" + std::to_string(i), "x"});
    }
    expect_error(make_zip(es), error_kind::too_large, "310 entries, limit is 256");
}

BOOST_AUTO_TEST_CASE(zip_bomb_rejected_before_decompression) {
    // 17 MiB of zeros deflates to ~17 KiB; the central directory already tells.
    auto es = components_of("kaoh-helloworld.cap");
    es.push_back({"APPLET-INF/bomb.bin", bytes(17u << 20, '\0'), true});
    const bytes zip = make_zip(es);
    BOOST_TEST(zip.size() < 100000u);
    expect_error(zip, error_kind::too_large, "more than 16777216 uncompressed bytes");

    cap_limits tight;
    tight.max_uncompressed_bytes = 1000;
    expect_error(read_file(data_dir / "pysim-HelloSTK-test_javacard.cap"), error_kind::too_large,
                 "more than 1000 uncompressed bytes", tight);
}

BOOST_AUTO_TEST_CASE(oversized_component_entry) {
    auto es = components_of("kaoh-helloworld.cap");
    find(es, "Method").data += bytes(70000, '\0');
    find(es, "Method").deflate = true;
    expect_error(make_zip(es), error_kind::malformed, "a component is at most 65538");
}

BOOST_AUTO_TEST_CASE(size_lies_are_caught_while_reading) {
    // A deflated 8 MiB Method.cap whose headers claim 62 bytes: reading stops right after them.
    {
        auto es = components_of("kaoh-helloworld.cap");
        entry& m = find(es, "Method");
        m.data = bytes(8u << 20, '\0');
        m.deflate = true;
        bytes zip = make_zip(es);
        patch_uncompressed_size(zip, m.name, 62);
        const auto r = parse_cap(zip);
        BOOST_REQUIRE(!r.ok());
        BOOST_TEST_MESSAGE(r.error().message);
        BOOST_TEST((r.error().kind == error_kind::malformed));
        BOOST_TEST(r.error().message.find("Method.cap") != std::string::npos);
    }
    // Stored entries, declared smaller and larger than the data.
    for (std::uint32_t claimed : {10u, 61u, 63u, 1000u}) {
        auto es = components_of("kaoh-helloworld.cap");
        const std::string name = find(es, "Method").name;
        bytes zip = make_zip(es);
        patch_uncompressed_size(zip, name, claimed);
        const auto r = parse_cap(zip);
        BOOST_REQUIRE_MESSAGE(!r.ok(), "claimed " << claimed);
        BOOST_TEST_MESSAGE(r.error().message);
        BOOST_TEST((r.error().kind == error_kind::malformed));
    }
    // A lie in an entry we never read is harmless: it is never decompressed.
    {
        auto es = components_of("kaoh-helloworld.cap");
        es.push_back({"APPLET-INF/hidden.bin", bytes(8u << 20, '\0'), true});
        bytes zip = make_zip(es);
        patch_uncompressed_size(zip, "APPLET-INF/hidden.bin", 100);
        BOOST_TEST(parse_cap(zip).ok());
    }
}

BOOST_AUTO_TEST_CASE(unsupported_compression_and_encryption) {
    {
        auto es = components_of("kaoh-helloworld.cap");
        const std::string name = find(es, "Class").name;
        bytes zip = make_zip(es);
        patch_entry(zip, name, 8, 10, 12, 2); // method 12 = bzip2
        expect_error(zip, error_kind::unsupported, "compression method 12");
    }
    {
        auto es = components_of("kaoh-helloworld.cap");
        bytes zip = make_zip(es);
        // General purpose flag bit 0: encrypted (traditional PKWARE).
        patch_entry(zip, find(es, "Class").name, 6, 8, 1, 2);
        const auto r = parse_cap(zip);
        BOOST_REQUIRE(!r.ok());
        BOOST_TEST_MESSAGE(r.error().message);
        BOOST_TEST((r.error().kind != error_kind::too_large));
    }
}

BOOST_AUTO_TEST_CASE(missing_mandatory_components) {
    for (const char* name :
         {"Header", "Directory", "Import", "Class", "Method", "StaticField", "ConstantPool", "RefLocation"}) {
        auto es = components_of("kaoh-helloworld.cap");
        std::erase_if(es, [&](const entry& e) { return e.name.ends_with(std::string("/") + name + ".cap"); });
        expect_error(make_zip(es), error_kind::malformed,
                     "missing mandatory component " + std::string(name) + ".cap");
    }
    // Component names are case-sensitive, as in the spec.
    auto es = components_of("kaoh-helloworld.cap");
    find(es, "Header").name = "net/sourceforge/globalplatform/jc/helloworld/javacard/header.cap";
    expect_error(make_zip(es), error_kind::malformed, "missing mandatory component Header.cap");
    // Only the manifest: no components at all.
    expect_error(make_zip({{"META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\n", true}}),
                 error_kind::malformed, "no Java Card components");
}

BOOST_AUTO_TEST_CASE(optional_components) {
    // Applet is optional when the header says so (a library package).
    {
        auto es = components_of("kaoh-helloworld.cap");
        std::erase_if(es, [](const entry& e) { return e.name.ends_with("/Applet.cap"); });
        set_u8(find(es, "Header"), 9, 0x00);
        set_u8(find(es, "Directory"), 3 + 2 * 2 + 1, 0);  // Applet size in the directory
        set_u8(find(es, "Directory"), 3 + 22 + 6 + 1, 0); // applet_count
        const auto r = parse_cap(make_zip(es));
        BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
        BOOST_TEST(r.value().applets().empty());
        BOOST_TEST(r.value().load_file_data_block().size() == 343u - 15u);
    }
    // Debug is kept as a component but never enters the LFDB.
    {
        auto es = components_of("kaoh-helloworld.cap");
        es.push_back({find(es, "Header").name.substr(0, find(es, "Header").name.size() - 10) + "Debug.cap",
                      bytes("\x0C\x00\x02\xAB\xCD", 5)});
        const auto r = parse_cap(make_zip(es));
        BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
        BOOST_TEST(r.value().component(component_tag::debug) != nullptr);
        BOOST_TEST(r.value().load_file_data_block().size() == 343u);
    }
    // ACC_APPLET set but no Applet component.
    {
        auto es = components_of("kaoh-helloworld.cap");
        std::erase_if(es, [](const entry& e) { return e.name.ends_with("/Applet.cap"); });
        expect_error(make_zip(es), error_kind::malformed,
                     "Header.cap: flags 0x04 at offset 9 set ACC_APPLET but the Applet component is missing");
    }
    // Unknown names under javacard/ and entries outside it are ignored; a CAP at the root works.
    {
        auto es = components_of("gpp-Empty_0102030405_8d5ac9e2_2.2.1.cap");
        for (auto& e : es) {
            e.name = e.name.substr(e.name.find("javacard/"));
        }
        es.push_back({"javacard/Custom.cap", "whatever"});
        es.push_back({"notjavacard/Header.cap", "junk"});
        es.push_back({"javacard/Header.cap.bak", "junk"});
        const auto r = parse_cap(make_zip(es));
        BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
        BOOST_TEST(r.value().package_path() == "");
        BOOST_TEST(to_hex(r.value().load_file_data_block_hash(descriptor_mode::exclude)).substr(0, 8)
                   == "8D5AC9E2");
    }
}

BOOST_AUTO_TEST_CASE(duplicates_and_mixed_directories) {
    {
        auto es = components_of("kaoh-helloworld.cap");
        entry dup = find(es, "Header");
        dup.name.replace(dup.name.size() - 10, 10, "HeadeX.cap");
        es.push_back(dup);
        bytes zip = make_zip(es);
        rename_raw(zip, "HeadeX.cap", "Header.cap"); // libzip refuses to write duplicates
        expect_error(zip, error_kind::malformed, "duplicate Header component");
    }
    {
        auto es = components_of("kaoh-helloworld.cap");
        find(es, "Method").name = "other/pkg/javacard/Method.cap";
        expect_error(make_zip(es), error_kind::malformed, "components in more than one package directory");
    }
}

BOOST_AUTO_TEST_CASE(component_checks_name_component_and_offset) {
    struct tc {
        const char* component;
        std::size_t at;
        std::uint8_t value;
        error_kind kind;
        const char* needle;
    };
    // kaoh Header: 01 0011 DECAFFED 01 02 04 00 01 07 D0D1D2D3D4D501
    const tc cases[] = {
        {"Header", 0, 0x02, error_kind::malformed, "Header.cap: tag at offset 0 is 0x02, expected 0x01"},
        {"Header", 2, 0x12, error_kind::malformed,
         "Header.cap: size at offset 1 is 18 but the file holds 17"},
        {"Header", 3, 0xCA, error_kind::malformed,
         "Header.cap: magic at offset 3 is CACAFFED, expected DECAFFED"},
        {"Header", 8, 0x03, error_kind::unsupported, "Header.cap: CAP format version 3.1 at offset 7"},
        {"Header", 9, 0x0C, error_kind::unsupported, "extended CAP file"},
        {"Header", 9, 0x00, error_kind::malformed, "lack ACC_APPLET"},
        {"Header", 9, 0x06, error_kind::malformed, "ACC_EXPORT but the Export component is missing"},
        {"Header", 12, 0x04, error_kind::malformed,
         "Header.cap: package AID length at offset 12 is 4, must be 5..16"},
        {"Header", 12, 0x11, error_kind::malformed, "Header.cap: package AID length at offset 12 is 17"},
        {"Header", 12, 0x08, error_kind::malformed, "Header.cap: truncated at offset 13 reading package"},
        // kaoh Applet: 03 000C 01 08 D0D1D2D3D4D50101 0000
        {"Applet", 0, 0x04, error_kind::malformed, "Applet.cap: tag at offset 0 is 0x04, expected 0x03"},
        {"Applet", 3, 0x02, error_kind::malformed, "Applet.cap: truncated at offset 15 reading applet #1"},
        {"Applet", 3, 0x00, error_kind::malformed, "Applet.cap: applet count at offset 3 is 0"},
        {"Applet", 4, 0x03, error_kind::malformed, "Applet.cap: applet #0 AID length at offset 4 is 3"},
        {"Applet", 4, 0x09, error_kind::malformed,
         "Applet.cap: truncated at offset 14 reading install method offset"},
        {"Applet", 4, 0x07, error_kind::malformed, "Applet.cap: install method offset 256 at offset 12"},
        {"Applet", 13, 0xFF, error_kind::malformed,
         "Applet.cap: install method offset 65292 at offset 13 is outside the Method component (59 bytes)"},
        // kaoh Import: 04 000B 01 00 01 07 A0000000620101
        {"Import", 3, 0x02, error_kind::malformed,
         "Import.cap: truncated at offset 14 reading import minor version"},
        {"Import", 6, 0x11, error_kind::malformed, "Import.cap: import #0 AID length at offset 6 is 17"},
        {"Import", 6, 0x10, error_kind::malformed, "Import.cap: truncated at offset 7 reading import #0"},
        {"Import", 3, 0x00, error_kind::malformed, "Import.cap: 10 unexpected trailing bytes at offset 4"},
        // kaoh Directory: 02 001F | sizes 0011 001F 000C 000B 0026 000C 003B 0019 000F 0000 005D | ...
        {"Directory", 16, 0x3C, error_kind::malformed,
         "Directory.cap: size of Method at offset 15 is 60 but Method.cap holds 59 bytes"},
        {"Directory", 31, 0x02, error_kind::malformed,
         "Directory.cap: import count at offset 31 is 2 but Import.cap lists 1"},
        {"Directory", 32, 0x00, error_kind::malformed,
         "Directory.cap: applet count at offset 32 is 0 but Applet.cap lists 1"},
        {"Method", 0, 0x08, error_kind::malformed, "Method.cap: tag at offset 0 is 0x08, expected 0x07"},
        {"Descriptor", 1, 0x01, error_kind::malformed, "Descriptor.cap: size at offset 1 is 349"},
    };
    for (const tc& c : cases) {
        BOOST_TEST_CONTEXT(c.component << "[" << c.at << "] = " << int(c.value)) {
            auto es = components_of("kaoh-helloworld.cap");
            set_u8(find(es, c.component), c.at, c.value);
            expect_error(make_zip(es), c.kind, c.needle);
        }
    }
    // Component files shorter than tag + size.
    for (const char* name : {"Header", "Class"}) {
        auto es = components_of("kaoh-helloworld.cap");
        find(es, name).data.resize(2);
        expect_error(make_zip(es), error_kind::malformed,
                     std::string(name) + ".cap: truncated at offset 1 reading size");
    }
    // Header too short for its fields (size field consistent with the short file).
    {
        auto es = components_of("kaoh-helloworld.cap");
        entry& h = find(es, "Header");
        h.data = bytes("\x01\x00\x05\xDE\xCA\xFF\xED\x01", 8);
        expect_error(make_zip(es), error_kind::malformed,
                     "Header.cap: truncated at offset 8 reading CAP format major version");
    }
}

BOOST_AUTO_TEST_CASE(fuzz_flipped_and_truncated_archives) {
    std::mt19937 rng(0xCAF1);
    std::size_t parsed = 0, rejected = 0;
    for (const char* f : cap_names) {
        const bytes zip = read_file(data_dir / f);
        for (int iter = 0; iter < 1500; ++iter) {
            bytes z = zip;
            const int flips = 1 + static_cast<int>(rng() % 4);
            for (int i = 0; i < flips; ++i) {
                z[rng() % z.size()] ^= static_cast<char>(1 + rng() % 255);
            }
            if (rng() % 4 == 0) {
                z.resize(rng() % z.size());
            }
            const auto r = parse_cap(z);
            if (r.ok()) {
                ++parsed;
                check_invariants(r.value());
            } else {
                ++rejected;
                BOOST_TEST(!r.error().message.empty());
            }
        }
    }
    BOOST_TEST_MESSAGE("archive fuzz: " << parsed << " parsed, " << rejected << " rejected");
}

BOOST_AUTO_TEST_CASE(fuzz_component_contents) {
    // Mutations inside the components, rezipped with valid CRCs, so they reach the CAP checks.
    std::mt19937 rng(0xDECAF);
    std::size_t parsed = 0, rejected = 0;
    for (const char* f : cap_names) {
        const auto base = components_of(f);
        for (int iter = 0; iter < 600; ++iter) {
            auto es = base;
            entry& e = es[rng() % es.size()];
            switch (rng() % 4) {
            case 0: // flip bytes, mostly in the first 40 where counts and lengths live
                for (int i = 0, n = 1 + static_cast<int>(rng() % 3); i < n; ++i) {
                    const std::size_t at = rng() % std::min<std::size_t>(e.data.size(), 40);
                    e.data[at] = static_cast<char>(rng());
                }
                break;
            case 1: // truncate, keeping the size field honest half of the time
                e.data.resize(rng() % e.data.size());
                if (rng() % 2 && e.data.size() >= 3) {
                    e.data[1] = static_cast<char>((e.data.size() - 3) >> 8);
                    e.data[2] = static_cast<char>(e.data.size() - 3);
                }
                break;
            case 2: // extend with junk and fix the size field
                e.data += bytes(1 + rng() % 64, static_cast<char>(rng()));
                e.data[1] = static_cast<char>((e.data.size() - 3) >> 8);
                e.data[2] = static_cast<char>(e.data.size() - 3);
                break;
            default: // drop a component
                es.erase(es.begin() + static_cast<std::ptrdiff_t>(rng() % es.size()));
                break;
            }
            const auto r = parse_cap(make_zip(es));
            if (r.ok()) {
                ++parsed;
                check_invariants(r.value());
            } else {
                ++rejected;
                BOOST_TEST(!r.error().message.empty());
            }
        }
    }
    BOOST_TEST_MESSAGE("component fuzz: " << parsed << " parsed, " << rejected << " rejected");
}

BOOST_AUTO_TEST_SUITE_END()
