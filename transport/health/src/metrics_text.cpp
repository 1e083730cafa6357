#include "metrics_text.hpp"

#include <cstdio>

namespace tsm::transport::metrics_text {

void line(std::string& out, const char* name, const char* labels, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    out += name;
    out += labels;
    out.push_back(' ');
    out += buf;
    out.push_back('\n');
}

void help(std::string& out, const char* name, const char* type, const char* text) {
    out += "# HELP ";
    out += name;
    out.push_back(' ');
    out += text;
    out += "\n# TYPE ";
    out += name;
    out.push_back(' ');
    out += type;
    out.push_back('\n');
}

} // namespace tsm::transport::metrics_text
