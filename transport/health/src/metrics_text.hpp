#pragma once
// Prometheus text exposition format (version 0.0.4) lines.
#include <string>

namespace tsm::transport::metrics_text {

/// `# HELP name text` and `# TYPE name type`.
void help(std::string& out, const char* name, const char* type, const char* text);
/// `name{labels} value`.
void line(std::string& out, const char* name, const char* labels, double v);

} // namespace tsm::transport::metrics_text
