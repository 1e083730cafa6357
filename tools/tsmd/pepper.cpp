#include "pepper.hpp"

#include "tsm/core/secret_hasher.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <stdexcept>

namespace tsm::tsmd {

core::bytes load_or_create_pepper(const std::string& data_dir) {
    const std::string path = data_dir + "/pepper";
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        core::bytes key(core::secret_hasher::key_size, '\0');
        const auto n = ::read(fd, key.data(), key.size());
        ::close(fd);
        if (n != static_cast<ssize_t>(key.size())) {
            throw std::runtime_error(path + " is damaged (expected 32 bytes)");
        }
        return key;
    }
    core::bytes key = core::secret_hasher::generate_key();
    const std::string tmp = path + ".tmp";
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || ::write(fd, key.data(), key.size()) != static_cast<ssize_t>(key.size())
        || ::fsync(fd) != 0) {
        if (fd >= 0) {
            ::close(fd);
        }
        throw std::runtime_error("cannot write " + tmp);
    }
    ::close(fd);
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        throw std::runtime_error("cannot create " + path);
    }
    return key;
}

} // namespace tsm::tsmd
