#pragma once
/// Hand-written SVG chart (no dependencies): latency percentiles against offered load, one point
/// per step (open-loop rate, or the achieved rate of a closed run), log-scale latency axis.
#include "report.hpp"

#include <string>

namespace tsm::tools::loadgen {

std::string render_chart(const run_result& r);
bool write_chart(const run_result& r, const std::string& file);

} // namespace tsm::tools::loadgen
