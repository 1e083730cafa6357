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
                    core::record_store::load_card_keys_handler done) {
    auto shared_done = std::make_shared<core::record_store::load_card_keys_handler>(std::move(done));
    store.load_card_keys(
        false, upper(session.card_cin), ex,
        [&store, ex, iin = session.card_iin, usable = std::move(usable),
         shared_done](std::error_code ec, std::optional<core::card_keys_record> card) {
            if (ec || (card && usable(*card))) {
                (*shared_done)(ec, std::move(card));
                return;
            }
            if (iin.empty()) {
                (*shared_done)({}, std::nullopt);
                return;
            }
            store.load_card_keys(true, upper(iin), ex,
                                 [usable, shared_done](std::error_code ec2,
                                                       std::optional<core::card_keys_record> master) {
                                     if (!ec2 && master && !usable(*master)) {
                                         master.reset();
                                     }
                                     (*shared_done)(ec2, std::move(master));
                                 });
        });
}

} // namespace tsm::tsmd
