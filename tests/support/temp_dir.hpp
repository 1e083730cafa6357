#pragma once
/// A fresh directory under /tmp, removed with everything in it when the object dies.
#include <filesystem>
#include <string>

namespace tsm::test {

class temp_dir {
public:
    temp_dir();
    ~temp_dir();
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    const std::string& path() const noexcept { return path_; }

private:
    std::string path_;
};

} // namespace tsm::test
