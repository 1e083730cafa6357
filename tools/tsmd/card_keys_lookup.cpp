#include "card_keys_lookup.hpp"

#include <memory>
#include <string>
#include <utility>

namespace tsm::tsmd {
namespace {

std::string upper(std::string s) {
    for (char& c : s) {
        if (c >= 'a' && c <= 'f') {
            c = static_cast<char>(c - 'a' + 'A');
        }
    }
    return s;
}

} // namespace

void find_card_keys(core::record_store& store, const core::session_record& session,
                    boost::asio::any_io_executor ex,
                    std::function<bool(const core::card_keys_record&)> usable,
                    core::operation_outcome no_keys,
                    std::function<void(const core::card_keys_record&)> found,
                    std::function<void(core::operation_outcome)> failed) {
    struct lookup {
        std::function<bool(const core::card_keys_record&)> usable;
        core::operation_outcome no_keys;
        std::function<void(const core::card_keys_record&)> found;
        std::function<void(core::operation_outcome)> failed;

        /// Handles one load; false when the caller should look further.
        bool settle(std::error_code ec, const std::optional<core::card_keys_record>& rec, bool last) {
            if (ec) {
                failed(core::failed_outcome(503, "unavailable", "could not read the card keys"));
            } else if (rec && usable(*rec)) {
                found(*rec);
            } else if (last) {
                failed(std::move(no_keys));
            } else {
                return false;
            }
            return true;
        }
    };
    auto l = std::make_shared<lookup>(lookup{std::move(usable), std::move(no_keys), std::move(found), std::move(failed)});
    store.load_card_keys(
        false, upper(session.card_cin), ex,
        [&store, ex, iin = session.card_iin, l](std::error_code ec, std::optional<core::card_keys_record> card) {
            if (l->settle(ec, card, iin.empty())) {
                return;
            }
            store.load_card_keys(true, upper(iin), ex,
                                 [l](std::error_code ec2, std::optional<core::card_keys_record> master) {
                                     l->settle(ec2, master, true);
                                 });
        });
}

} // namespace tsm::tsmd
