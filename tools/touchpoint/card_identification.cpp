#include "touchpoint/card_identification.hpp"

namespace tsm::tools::touchpoint {

using namespace std::literals;

namespace {

std::string_view data_of(std::string_view r) {
    return r.size() < 2 ? std::string_view() : r.substr(0, r.size() - 2);
}

struct tlv_header {
    std::string_view tag;
    std::size_t length = 0;
    std::size_t header = 0;
};

std::optional<tlv_header> read_header(std::string_view in) {
    if (in.empty()) {
        return std::nullopt;
    }
    std::size_t n = 1;
    if ((static_cast<unsigned char>(in[0]) & 0x1F) == 0x1F) {
        while (n < in.size() && (static_cast<unsigned char>(in[n]) & 0x80)) {
            ++n;
        }
        ++n; // the last tag byte
    }
    if (n >= in.size()) {
        return std::nullopt;
    }
    tlv_header h{in.substr(0, n), 0, 0};
    const auto first = static_cast<unsigned char>(in[n]);
    std::size_t len_bytes = 0;
    if (first < 0x80) {
        h.length = first;
    } else {
        len_bytes = first & 0x7F;
        if (len_bytes == 0 || len_bytes > 3 || n + 1 + len_bytes > in.size()) {
            return std::nullopt;
        }
        for (std::size_t k = 0; k < len_bytes; ++k) {
            h.length = h.length << 8 | static_cast<unsigned char>(in[n + 1 + k]);
        }
    }
    h.header = n + 1 + len_bytes;
    if (h.header + h.length > in.size()) {
        return std::nullopt;
    }
    return h;
}

std::optional<std::int64_t> big_endian(std::string_view v) {
    if (v.empty() || v.size() > 7) {
        return std::nullopt;
    }
    std::int64_t out = 0;
    for (char c : v) {
        out = out << 8 | static_cast<unsigned char>(c);
    }
    return out;
}

} // namespace

bool sw_ok(std::string_view r) noexcept {
    return r.size() >= 2 && r[r.size() - 2] == '\x90' && r[r.size() - 1] == '\x00';
}

std::optional<std::string> find_tlv(std::string_view data, std::string_view tag) {
    // Depth is bounded by the data length: each level consumes at least two bytes.
    while (!data.empty()) {
        auto h = read_header(data);
        if (!h) {
            return std::nullopt;
        }
        std::string_view value = data.substr(h->header, h->length);
        if (h->tag == tag) {
            return std::string(value);
        }
        if (static_cast<unsigned char>(h->tag[0]) & 0x20) { // constructed
            if (auto inner = find_tlv(value, tag)) {
                return inner;
            }
        }
        data.remove_prefix(h->header + h->length);
    }
    return std::nullopt;
}

card_identity identify_card(card& c) {
    card_identity id;
    auto uid = c.transceive("\xFF\xCA\x00\x00\x00"sv);
    if (sw_ok(uid) && (data_of(uid).size() == 4 || data_of(uid).size() == 7)) {
        id.uid = std::string(data_of(uid));
    }
    c.transceive("\x00\xA4\x04\x00"sv); // the ISD, no Le
    auto cplc = c.transceive("\x80\xCA\x9F\x7F\x00"sv);
    if (sw_ok(cplc)) {
        std::string_view v = data_of(cplc);
        if (v.starts_with("\x9F\x7F\x2A"sv)) {
            v.remove_prefix(3);
        }
        id.cplc = std::string(v);
    }
    auto cin = c.transceive("\x80\xCA\x00\x45\x00"sv);
    if (sw_ok(cin)) {
        std::string_view v = data_of(cin);
        if (v.size() >= 2 && v[0] == '\x45' && static_cast<unsigned char>(v[1]) == v.size() - 2) {
            v.remove_prefix(2); // the value with its TLV header
        }
        id.cin = std::string(v);
    }
    auto platform = c.transceive("\x00\xA4\x04\x00\x0C\xA0\x00\x00\x06\x17\x02\x00\x09\x00\x01\x01\x01"sv);
    if (sw_ok(platform)) {
        if (auto v = find_tlv(data_of(platform), "\x45"sv); v && !v->empty()) {
            id.cin = *v; // the platform applet's CIN is the one the Fidesmo backend knows
        }
        if (auto v = find_tlv(data_of(platform), "\x42"sv)) {
            id.batch_id = big_endian(*v);
        }
    } else {
        auto batch = c.transceive("\x00\xA4\x04\x00\x0B\xA0\x00\x00\x06\x17\x02\x00\x02\x00\x00\x02"sv);
        if (sw_ok(batch)) {
            if (auto v = find_tlv(data_of(batch), "\x42"sv)) {
                id.batch_id = big_endian(*v);
            }
        }
    }
    return id;
}

} // namespace tsm::tools::touchpoint
