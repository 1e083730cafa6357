#include "file_scan.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <vector>

namespace tsm::test {
namespace {

/// Whether the file at `path` contains `needle`. Read in large chunks (overlapping by the needle's
/// length) and searched with memmem: a scan of a PostgreSQL server's whole directory stays fast
/// even in sanitizer builds, where per-byte template code would take minutes.
bool file_contains(const std::filesystem::path& path, std::string_view needle) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return false; // vanished meanwhile (a WAL segment recycled, a temp file)
    }
    constexpr std::size_t chunk = 1 << 20;
    std::vector<char> buf(chunk + needle.size());
    std::size_t kept = 0; // bytes carried over from the previous chunk
    bool found = false;
    for (;;) {
        const ssize_t n = ::read(fd, buf.data() + kept, chunk);
        if (n <= 0) {
            break;
        }
        const std::size_t have = kept + static_cast<std::size_t>(n);
        if (::memmem(buf.data(), have, needle.data(), needle.size()) != nullptr) {
            found = true;
            break;
        }
        kept = std::min(have, needle.size() - 1);
        std::memmove(buf.data(), buf.data() + have - kept, kept);
    }
    ::close(fd);
    return found;
}

} // namespace

bool tree_contains(const std::string& dir, std::string_view needle) {
    std::size_t files = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(
             dir, std::filesystem::directory_options::skip_permission_denied)) {
        std::error_code ec;
        if (!e.is_regular_file(ec)) {
            continue;
        }
        ++files;
        if (!needle.empty() && file_contains(e.path(), needle)) {
            return true;
        }
    }
    if (files == 0) {
        throw std::runtime_error("tree_contains: no file under " + dir);
    }
    return false;
}

} // namespace tsm::test
