#include "tsm/core/store_errc.hpp"

#include <string>

namespace tsm::core {
namespace {

class store_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "tsm.store"; }

    std::string message(int ev) const override {
        switch (static_cast<store_errc>(ev)) {
        case store_errc::fenced: return "the session is owned by another node now";
        case store_errc::not_claimable: return "the session cannot be claimed";
        case store_errc::not_supported: return "the record store does not support this";
        case store_errc::unknown_session: return "no such session for this app";
        case store_errc::session_finished: return "the session has ended";
        case store_errc::runs_recipe: return "the session runs a recipe";
        case store_errc::queue_full: return "too many operations queued in this session";
        }
        return "unknown record store error";
    }
};

} // namespace

const std::error_category& store_category() noexcept {
    static const store_category_impl cat;
    return cat;
}

} // namespace tsm::core
