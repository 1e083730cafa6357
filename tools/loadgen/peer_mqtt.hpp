#pragma once
/// The same traffic shape through mosquitto instead of tsmd (issue #4 §3), like peer_nats: N touch
/// points are MQTT 3.1.1 clients on the broker's WebSocket listener (subprotocol "mqtt"), each
/// subscribed to `tp/<i>` and answering every request at once on its own reply topic `rp/<i>`
/// (MQTT 3.1.1 has no request/reply, so the reply topic is fixed per device). The SP side is C
/// MQTT connections over the broker's TCP listener; SP connection c subscribes to the reply topics
/// of the devices it drives (i % C == c). Closed loop: one request in flight per touch point.
/// Everything is QoS 0, the broker runs as configured by default (no persistence), like core NATS.
/// Reports request/replies per server CPU-second, to set next to tsmd's operations per CPU-second.
#include "options.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace tsm::tools::loadgen {

/// Runs the mosquitto peer scenario; returns the process exit code.
int run_mqtt_peer(const options& o);

namespace mqtt {

/// MQTT 3.1.1 packet types (high nibble of the fixed header).
enum class packet : std::uint8_t {
    connect = 1,
    connack = 2,
    publish = 3,
    subscribe = 8,
    suback = 9,
    pingreq = 12,
    pingresp = 13,
    disconnect = 14
};

/// CONNECT: protocol "MQTT" level 4, clean session, `keepalive_s`, client id.
std::string connect_packet(std::string_view client_id, std::uint16_t keepalive_s);
/// SUBSCRIBE with one or more topic filters, all QoS 0.
std::string subscribe_packet(std::uint16_t packet_id, const std::vector<std::string>& topics);
/// PUBLISH QoS 0 (no packet id), retain off.
std::string publish_packet(std::string_view topic, std::string_view payload);
inline std::string pingreq_packet() {
    return std::string("\xC0\x00", 2);
}
/// Appends the "remaining length" variable-length integer (1..4 bytes).
void append_remaining_length(std::string& out, std::size_t n);

/// Incremental parser of the broker->client packets: any split of the byte stream (WebSocket
/// frames or TCP reads) is accepted. Malformed input sets `failed()` and stops parsing.
class parser {
public:
    std::function<void(std::uint8_t return_code)> on_connack;
    std::function<void(std::uint16_t packet_id, std::string_view return_codes)> on_suback;
    std::function<void(std::string_view topic, std::string_view payload)> on_publish;
    std::function<void()> on_pingresp;

    void feed(std::string_view data);
    bool failed() const noexcept { return failed_; }

private:
    void dispatch(std::uint8_t header, std::string_view body);

    std::string buf_;
    bool failed_ = false;
};

} // namespace mqtt

} // namespace tsm::tools::loadgen
