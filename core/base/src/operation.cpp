#include "tsm/core/operation.hpp"

namespace tsm::core {

operation_outcome failed_outcome(int status_code, std::string code, std::string message) {
    operation_outcome o;
    o.status_code = status_code;
    o.error_code = std::move(code);
    o.error_message = std::move(message);
    return o;
}

operation_outcome failed_outcome(api_errc code, std::string message) {
    return failed_outcome(http_status(code), std::string(code_name(code)), std::move(message));
}

} // namespace tsm::core

namespace tsm::core {

operation_step operation::on_input(user_input input) {
    (void)input;
    return operation_step::finish(
        failed_outcome(api_errc::internal_error, "the operation got user input it did not ask for"));
}

} // namespace tsm::core
