#pragma once
/// The same traffic shape through nats-server instead of tsmd (issue #4 §3): N touch points are
/// WebSocket clients of the server's WebSocket listener, each subscribed to `tp.<i>`, answering
/// every request at once; the SP side publishes requests over TCP (C connections) with a reply
/// inbox and waits for the reply. Closed loop: one request in flight per touch point.
/// Reports request/replies per server CPU-second, to set next to tsmd's operations per CPU-second.
#include "options.hpp"

namespace tsm::tools::loadgen {

/// Runs the NATS peer scenario; returns the process exit code.
int run_nats_peer(const options& o);

} // namespace tsm::tools::loadgen
