#include "svg_chart.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>

namespace tsm::tools::loadgen {

namespace {

struct series {
    const char* name;
    latency_kind kind;
    double q;
    const char* color;
    const char* dash;
};

constexpr series all_series[] = {
    {"POST→callback p50", latency_kind::callback, 0.5, "#1f77b4", ""},
    {"POST→callback p99", latency_kind::callback, 0.99, "#d62728", ""},
    {"SP ack p99", latency_kind::ack, 0.99, "#2ca02c", "6,4"},
    {"POST→push p99", latency_kind::push, 0.99, "#ff7f0e", "2,3"},
};

std::string fmt(const char* f, double v) {
    char b[64];
    std::snprintf(b, sizeof b, f, v);
    return b;
}

std::string esc(const std::string& s) {
    std::string o;
    for (char c : s) {
        if (c == '<')
            o += "&lt;";
        else if (c == '>')
            o += "&gt;";
        else if (c == '&')
            o += "&amp;";
        else
            o += c;
    }
    return o;
}

} // namespace

std::string render_chart(const run_result& r) {
    const double W = 760, H = 460, L = 70, R = 190, T = 50, B = 70;
    const double pw = W - L - R, ph = H - T - B;
    auto xval = [](const step_result& s) { return s.offered_rate > 0 ? s.offered_rate : s.ops_per_s; };
    double xmax = 1;
    double ymin_ms = 1e9, ymax_ms = 0;
    for (const auto& s : r.steps) {
        xmax = std::max(xmax, std::max(xval(s), s.ops_per_s));
        for (const auto& se : all_series) {
            double v = static_cast<double>(s.hist[static_cast<std::size_t>(se.kind)].percentile(se.q)) / 1e6;
            if (v > 0) {
                ymin_ms = std::min(ymin_ms, v);
                ymax_ms = std::max(ymax_ms, v);
            }
        }
    }
    xmax *= 1.08;
    if (ymax_ms <= 0) {
        ymin_ms = 0.1;
        ymax_ms = 10;
    }
    const double lo = std::floor(std::log10(ymin_ms));
    const double hi = std::max(lo + 1, std::ceil(std::log10(ymax_ms)));
    auto X = [&](double x) { return L + pw * x / xmax; };
    auto Y = [&](double ms) { return T + ph * (1 - (std::log10(std::max(ms, 1e-6)) - lo) / (hi - lo)); };

    std::string s;
    s += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + fmt("%.0f", W) + "\" height=\""
         + fmt("%.0f", H) + "\" font-family=\"sans-serif\" font-size=\"12\">\n";
    s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    std::string title = "tsm-bench: latency vs offered load (" + std::to_string(r.sessions)
                        + " touch points, " + std::to_string(r.opt.apdus) + " APDU/op)";
    s += "<text x=\"" + fmt("%.0f", L) + "\" y=\"24\" font-size=\"15\" font-weight=\"bold\">" + esc(title)
         + "</text>\n";
    // Grid: decades and 2x/5x on the log axis.
    for (double d = lo; d <= hi + 1e-9; d += 1) {
        for (double m : {1.0, 2.0, 5.0}) {
            double v = std::pow(10, d) * m;
            if (std::log10(v) > hi + 1e-9) {
                break;
            }
            double y = Y(v);
            s += "<line x1=\"" + fmt("%.1f", L) + "\" x2=\"" + fmt("%.1f", L + pw) + "\" y1=\""
                 + fmt("%.1f", y) + "\" y2=\"" + fmt("%.1f", y) + "\" stroke=\""
                 + (m == 1.0 ? "#bbb" : "#eee") + "\"/>\n";
            s += "<text x=\"" + fmt("%.1f", L - 6) + "\" y=\"" + fmt("%.1f", y + 4)
                 + "\" text-anchor=\"end\">" + (v >= 1 ? fmt("%.0f", v) : fmt("%g", v)) + "</text>\n";
        }
    }
    const double step = std::pow(10, std::floor(std::log10(xmax / 2)));
    double xstep = step;
    while (xmax / xstep > 8)
        xstep *= 2;
    for (double x = 0; x <= xmax; x += xstep) {
        s += "<line x1=\"" + fmt("%.1f", X(x)) + "\" x2=\"" + fmt("%.1f", X(x)) + "\" y1=\"" + fmt("%.1f", T)
             + "\" y2=\"" + fmt("%.1f", T + ph) + "\" stroke=\"#eee\"/>\n";
        s += "<text x=\"" + fmt("%.1f", X(x)) + "\" y=\"" + fmt("%.1f", T + ph + 16)
             + "\" text-anchor=\"middle\">" + fmt("%.0f", x) + "</text>\n";
    }
    s += "<rect x=\"" + fmt("%.1f", L) + "\" y=\"" + fmt("%.1f", T) + "\" width=\"" + fmt("%.1f", pw)
         + "\" height=\"" + fmt("%.1f", ph) + "\" fill=\"none\" stroke=\"#333\"/>\n";
    s += "<text x=\"" + fmt("%.1f", L + pw / 2) + "\" y=\"" + fmt("%.1f", H - 30)
         + "\" text-anchor=\"middle\">offered load (operations/s; closed loop: achieved)</text>\n";
    s += "<text transform=\"translate(18," + fmt("%.1f", T + ph / 2)
         + ") rotate(-90)\" text-anchor=\"middle\">latency (ms, log scale)</text>\n";
    // Achieved throughput under each point.
    for (const auto& st : r.steps) {
        s += "<text x=\"" + fmt("%.1f", X(xval(st))) + "\" y=\"" + fmt("%.1f", H - 12)
             + "\" text-anchor=\"middle\" font-size=\"10\" fill=\"#555\">" + fmt("%.0f", st.ops_per_s)
             + "/s</text>\n";
    }
    s += "<text x=\"" + fmt("%.1f", L + pw + 10) + "\" y=\"" + fmt("%.1f", H - 12)
         + "\" font-size=\"10\" fill=\"#555\">← achieved</text>\n";
    int row = 0;
    for (const auto& se : all_series) {
        std::string pts;
        for (const auto& st : r.steps) {
            double v = static_cast<double>(st.hist[static_cast<std::size_t>(se.kind)].percentile(se.q)) / 1e6;
            if (v <= 0) continue;
            pts += fmt("%.1f", X(xval(st))) + "," + fmt("%.1f", Y(v)) + " ";
            s += "<circle cx=\"" + fmt("%.1f", X(xval(st))) + "\" cy=\"" + fmt("%.1f", Y(v))
                 + "\" r=\"3\" fill=\"" + se.color + "\"/>\n";
        }
        s += std::string("<polyline fill=\"none\" stroke=\"") + se.color + "\" stroke-width=\"2\""
             + (se.dash[0] ? std::string(" stroke-dasharray=\"") + se.dash + "\"" : std::string())
             + " points=\"" + pts + "\"/>\n";
        const double ly = T + 10 + row * 20;
        s += std::string("<line x1=\"") + fmt("%.1f", L + pw + 12) + "\" x2=\"" + fmt("%.1f", L + pw + 40)
             + "\" y1=\"" + fmt("%.1f", ly) + "\" y2=\"" + fmt("%.1f", ly) + "\" stroke=\"" + se.color
             + "\" stroke-width=\"2\""
             + (se.dash[0] ? std::string(" stroke-dasharray=\"") + se.dash + "\"" : std::string()) + "/>\n";
        s += "<text x=\"" + fmt("%.1f", L + pw + 46) + "\" y=\"" + fmt("%.1f", ly + 4) + "\">" + se.name
             + "</text>\n";
        ++row;
    }
    s += "</svg>\n";
    return s;
}

bool write_chart(const run_result& r, const std::string& file) {
    std::ofstream out(file);
    out << render_chart(r);
    return static_cast<bool>(out);
}

} // namespace tsm::tools::loadgen
