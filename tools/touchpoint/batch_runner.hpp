#pragma once
/// Executes one APDU batch against a card, in order, honouring stopOnError. Pure function of the
/// card; no I/O besides the card and the optional trace stream.
#include "touchpoint/card.hpp"

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace tsm::tools::touchpoint {

/// True for SW 9000 and 61xx (more data available): the statuses that let a batch go on.
bool is_success_sw(std::string_view response) noexcept;

/// Runs binary `commands` on `c`. With `stop_on_error`, stops after the first response whose SW
/// is not a success; that response is included. `trace`, when set, gets "> hex" / "< hex" lines.
std::vector<std::string> run_batch(card& c, const std::vector<std::string>& commands, bool stop_on_error,
                                   std::ostream* trace = nullptr);

} // namespace tsm::tools::touchpoint
