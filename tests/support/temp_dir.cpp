#include "temp_dir.hpp"

#include <cstdlib>
#include <stdexcept>

namespace tsm::test {

temp_dir::temp_dir() {
    char tmpl[] = "/tmp/opentsm-test-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) {
        throw std::runtime_error("mkdtemp failed");
    }
    path_ = tmpl;
}

temp_dir::~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

} // namespace tsm::test
