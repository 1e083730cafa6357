#include "file_scan.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace tsm::test {

bool tree_contains(const std::string& dir, std::string_view needle) {
    std::size_t files = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
        if (!e.is_regular_file()) {
            continue;
        }
        ++files;
        std::ifstream in(e.path(), std::ios::binary);
        const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (content.find(needle) != std::string::npos) {
            return true;
        }
    }
    if (files == 0) {
        throw std::runtime_error("tree_contains: no file under " + dir);
    }
    return false;
}

} // namespace tsm::test
