#include "tsm/storage/errc.hpp"

#include <string>

namespace tsm::storage {
namespace {

class storage_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "tsm.storage"; }

    std::string message(int ev) const override {
        switch (static_cast<errc>(ev)) {
        case errc::busy: return "record store busy";
        case errc::closed: return "record store closed";
        case errc::io_error: return "record store I/O error";
        case errc::no_space: return "record store out of disk space";
        case errc::corruption: return "record store data corrupted";
        case errc::invalid_argument: return "record store invalid argument";
        case errc::internal: return "record store internal error";
        case errc::unavailable: return "record store unavailable (no writable PostgreSQL primary answers)";
        case errc::schema_too_new: return "the database schema is newer than this binary";
        case errc::schema_too_old:
            return "the database schema is older than this binary (run tsmctl db migrate)";
        }
        return "unknown record store error";
    }
};

} // namespace

const std::error_category& storage_category() noexcept {
    static const storage_category_impl cat;
    return cat;
}

} // namespace tsm::storage
