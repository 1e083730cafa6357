// The three real CAP files in tests/data/cap (copies of ../shared/vectors) parse to exactly the
// package AIDs, applet AIDs, Load File Data Blocks and hashes recorded in
// tests/data/vectors/cap-files.json.
#include "tsm/core/cap/cap_file.hpp"
#include "tsm/core/cap/load_blocks.hpp"
#include "tsm/core/hex.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace json = boost::json;
using namespace tsm::core;
using namespace tsm::core::cap;

namespace {

const std::filesystem::path data_dir = std::filesystem::path(TSM_TEST_DATA_DIR) / "cap";

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    BOOST_REQUIRE_MESSAGE(in, "cannot open " << p);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

json::value vectors() {
    return json::parse(read_file(std::filesystem::path(TSM_VECTORS_DIR) / "cap-files.json"));
}

std::string str(const json::value& v) {
    return std::string(v.as_string());
}

component_tag tag_by_name(std::string_view name) {
    for (int t = 1; t <= 12; ++t) {
        if (component_name(static_cast<component_tag>(t)) == name) {
            return static_cast<component_tag>(t);
        }
    }
    BOOST_FAIL("unknown component name " << name);
    return component_tag::header;
}

} // namespace

BOOST_AUTO_TEST_SUITE(cap_file_vectors)

BOOST_AUTO_TEST_CASE(data_copies_match_shared_vectors_when_present) {
    const std::filesystem::path shared(TSM_VECTORS_DIR);
    if (!std::filesystem::exists(shared / "cap-files.json")) {
        BOOST_TEST_MESSAGE("shared vectors absent; testing the copies in tests/data/cap only");
        return;
    }
    for (const char* name : {"kaoh-helloworld.cap", "gpp-Empty_0102030405_8d5ac9e2_2.2.1.cap",
                             "pysim-HelloSTK-test_javacard.cap"}) {
        BOOST_TEST(read_file(shared / name) == read_file(data_dir / name), name);
    }
}

BOOST_AUTO_TEST_CASE(all_files_match_cap_files_json) {
    const json::value v = vectors();
    const json::array& files = v.at("files").as_array();
    BOOST_REQUIRE_EQUAL(files.size(), 3u);
    for (const json::value& fv : files) {
        const json::object& f = fv.as_object();
        const std::string file = str(f.at("file"));
        BOOST_TEST_CONTEXT("file " << file) {
            const std::string zip = read_file(data_dir / file);
            BOOST_TEST(zip.size() == f.at("size_bytes").as_int64());

            const parse_result r = parse_cap(zip);
            BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
            const cap_file& cap = r.value();

            BOOST_TEST(to_hex(cap.package_aid()) == str(f.at("package_aid")));
            BOOST_TEST(to_string(cap.package_version()) == str(f.at("package_version")));
            BOOST_TEST(to_string(cap.cap_format_version()) == str(f.at("cap_format_version")));
            BOOST_TEST(to_hex(std::string(1, static_cast<char>(cap.header_flags())))
                       == str(f.at("header_flags")));

            const json::array& applets = f.at("applet_aids").as_array();
            BOOST_REQUIRE_EQUAL(cap.applets().size(), applets.size());
            for (std::size_t i = 0; i < applets.size(); ++i) {
                BOOST_TEST(to_hex(cap.applets()[i].aid) == str(applets[i]));
                BOOST_TEST(cap.applets()[i].install_method_offset
                           < cap.component(component_tag::method)->size() - 3);
            }

            const json::array& imports = f.at("imports").as_array();
            BOOST_REQUIRE_EQUAL(cap.imports().size(), imports.size());
            for (std::size_t i = 0; i < imports.size(); ++i) {
                BOOST_TEST(to_hex(cap.imports()[i].aid) == str(imports[i].at("aid")));
                BOOST_TEST(cap.imports()[i].package_version.major == imports[i].at("major").as_int64());
                BOOST_TEST(cap.imports()[i].package_version.minor == imports[i].at("minor").as_int64());
            }

            for (const auto& [name, size] : f.at("component_sizes").as_object()) {
                const bytes* c = cap.component(tag_by_name(name));
                BOOST_REQUIRE_MESSAGE(c != nullptr, "component " << name);
                BOOST_TEST(c->size() == size.as_int64(), name);
            }
            BOOST_TEST(cap.component(component_tag::export_) == nullptr);
            BOOST_TEST(cap.component(component_tag::debug) == nullptr);

            const json::object& with = f.at("load_file_with_descriptor").as_object();
            const bytes& lfdb = cap.load_file_data_block();
            BOOST_TEST(lfdb.size() == with.at("length").as_int64());
            BOOST_TEST(to_hex(lfdb) == str(with.at("hex")));
            BOOST_TEST(to_hex(cap.load_file_data_block_hash()) == str(with.at("sha256")));
            BOOST_TEST(to_hex(cap.load_file_data_block_sha1()) == str(with.at("sha1")));

            const json::object& without = f.at("load_file_without_descriptor").as_object();
            const bytes& lfdb_nd = cap.load_file_data_block(descriptor_mode::exclude);
            BOOST_TEST(lfdb_nd.size() == without.at("length").as_int64());
            BOOST_TEST(lfdb.substr(0, lfdb_nd.size()) == lfdb_nd); // Descriptor goes last
            BOOST_TEST(to_hex(cap.load_file_data_block_hash(descriptor_mode::exclude))
                       == str(without.at("sha256")));
            BOOST_TEST(to_hex(cap.load_file_data_block_sha1(descriptor_mode::exclude))
                       == str(without.at("sha1")));

            BOOST_TEST(to_hex(load_file_prefix(lfdb.size())) == str(f.at("c4_prefix_with_descriptor")));
        }
    }
}

BOOST_AUTO_TEST_CASE(gpp_file_name_carries_hash_prefix_without_descriptor) {
    const auto r = parse_cap(read_file(data_dir / "gpp-Empty_0102030405_8d5ac9e2_2.2.1.cap"));
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(to_hex(r.value().load_file_data_block_hash(descriptor_mode::exclude)).substr(0, 8)
               == "8D5AC9E2");
    BOOST_TEST(r.value().package_path() == "testapplets/empty");
    BOOST_TEST(r.value().java_card_version().value_or("-") == "2.2.1"); // as in the file name
}

BOOST_AUTO_TEST_CASE(package_paths_and_java_card_versions) {
    const auto kaoh = parse_cap(read_file(data_dir / "kaoh-helloworld.cap"));
    BOOST_REQUIRE(kaoh.ok());
    BOOST_TEST(kaoh.value().package_path() == "net/sourceforge/globalplatform/jc/helloworld");
    BOOST_TEST(kaoh.value().java_card_version().value_or("-") == "2.1.1"); // framework 1.0

    const auto pysim = parse_cap(read_file(data_dir / "pysim-HelloSTK-test_javacard.cap"));
    BOOST_REQUIRE(pysim.ok());
    BOOST_TEST(pysim.value().package_path() == "org/toorcamp/HelloSTK");
    BOOST_TEST(pysim.value().java_card_version().value_or("-") == "2.2.1"); // framework 1.2
}

BOOST_AUTO_TEST_CASE(kaoh_load_blocks_reassemble_to_c4_tlv) {
    const auto r = parse_cap(read_file(data_dir / "kaoh-helloworld.cap"));
    BOOST_REQUIRE(r.ok());
    const bytes& lfdb = r.value().load_file_data_block();
    const auto blocks = build_load_blocks(lfdb, 0xEF); // 239: 255 minus MAC and padding room
    BOOST_REQUIRE_EQUAL(blocks.size(), 2u);            // 4 + 343 = 347 bytes
    bytes joined;
    for (const auto& b : blocks) {
        joined += b.data;
    }
    BOOST_TEST(to_hex(joined.substr(0, 4)) == "C4820157");
    BOOST_TEST(joined.substr(4) == lfdb);
    BOOST_TEST(blocks[0].p1 == 0x00);
    BOOST_TEST(blocks[1].p1 == 0x80);
    BOOST_TEST(blocks[1].p2 == 1);
}

BOOST_AUTO_TEST_SUITE_END()
