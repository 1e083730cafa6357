#pragma once
/// The card could not be reached any more (removed from the reader, reader gone): thrown by a
/// card's transceive() instead of inventing a status word, so that the touch point aborts the
/// operation and tells the server why (CLIENT_ERROR / service/error) rather than returning
/// answers the card never gave.
#include <stdexcept>
#include <string>

namespace tsm::tools::touchpoint {

class card_lost_error : public std::runtime_error {
public:
    explicit card_lost_error(const std::string& what) : std::runtime_error(what) {}
};

} // namespace tsm::tools::touchpoint
