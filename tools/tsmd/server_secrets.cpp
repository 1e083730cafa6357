#include "server_secrets.hpp"

#include "tsm/core/key_vault.hpp"
#include "tsm/core/secret_hasher.hpp"

#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>

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

namespace {

core::bytes parse_key(std::string text, const std::string& where, const char* what) {
    auto is_space = [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; };
    while (!text.empty() && is_space(text.back())) {
        text.pop_back();
    }
    std::size_t start = 0;
    while (start < text.size() && is_space(text[start])) {
        ++start;
    }
    auto kek = core::from_hex(std::string_view(text).substr(start));
    core::wipe(text);
    if (!kek || kek->size() != core::key_vault::kek_size) {
        throw std::runtime_error(where + ": the " + std::string(what) + " must be 64 hex digits");
    }
    return std::move(*kek);
}

std::string read_file(const std::string& path, const char* what) {
    std::ifstream in(path);
    if (!in) {
        throw std::runtime_error("cannot read the " + std::string(what) + " file " + path);
    }
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/// The key named by `env` (preferred) or `file`; nullopt when neither is configured.
std::optional<core::bytes> configured_key(const std::string& env, const std::string& file,
                                          const char* env_key, const char* what) {
    if (!env.empty()) {
        const char* v = std::getenv(env.c_str());
        if (v == nullptr) {
            throw std::runtime_error("environment variable " + env + " (" + env_key + ") is not set");
        }
        return parse_key(v, "$" + env, what);
    }
    if (!file.empty()) {
        return parse_key(read_file(file, what), file, what);
    }
    return std::nullopt;
}

} // namespace

core::bytes load_pepper(const std::string& pepper_env, const std::string& pepper_file,
                        const std::string& data_dir, bool shared_store) {
    if (auto key = configured_key(pepper_env, pepper_file, "keys.pepper_env", "pepper")) {
        return std::move(*key);
    }
    if (shared_store) {
        throw std::runtime_error(
            "a PostgreSQL store needs keys.pepper_file or keys.pepper_env (64 hex digits, "
            "the same on every node): tsmd does not generate it");
    }
    return load_or_create_pepper(data_dir);
}

core::bytes load_kek(const std::string& kek_env, const std::string& kek_file, const std::string& data_dir,
                     bool& generated, bool shared_store) {
    generated = false;
    if (auto key = configured_key(kek_env, kek_file, "keys.kek_env", "key-encryption key")) {
        return std::move(*key);
    }
    if (shared_store) {
        throw std::runtime_error(
            "a PostgreSQL store needs keys.kek_file or keys.kek_env (64 hex digits, the same "
            "on every node): tsmd does not generate it");
    }
    const std::string path = data_dir + "/kek";
    if (::access(path.c_str(), F_OK) == 0) {
        return parse_key(read_file(path, "key-encryption key"), path, "key-encryption key");
    }
    core::bytes kek = core::secret_hasher::generate_key();
    std::string hex = core::to_hex(kek);
    const std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || ::write(fd, hex.data(), hex.size()) != static_cast<ssize_t>(hex.size())
        || ::fsync(fd) != 0) {
        if (fd >= 0) {
            ::close(fd);
        }
        core::wipe(hex);
        throw std::runtime_error("cannot write " + tmp);
    }
    ::close(fd);
    core::wipe(hex);
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        throw std::runtime_error("cannot create " + path);
    }
    generated = true;
    return kek;
}

} // namespace tsm::tsmd
