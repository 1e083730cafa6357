#pragma once
/// Command-line options of tsm-bench. Every run is bounded in count and in time.
#include <cstdint>
#include <string>
#include <vector>

namespace tsm::tools::loadgen {

enum class run_mode { closed, open, soak };

/// What each operation is: /transceive with K APDUs, /ccm/install of a real CAP on a sandbox
/// card, or a mix of both in a fixed ratio.
enum class scenario { transceive, ccm_install, mixed };

struct endpoint {
    std::string host;
    unsigned short port = 0;
};

struct options {
    endpoint tsm;   ///< SP API + touch points (loopback only)
    endpoint admin; ///< admin API (loopback only)
    std::string admin_token;
    unsigned touch_points = 100;  ///< N sessions, one WebSocket each
    unsigned sp_concurrency = 32; ///< C keep-alive SP connections
    unsigned apdus = 1;           ///< K commands per transceive
    run_mode mode = run_mode::closed;
    double rate = 1000;             ///< open loop ops/s
    std::vector<double> sweep;      ///< open-loop steps (ops/s); implies mode open
    double duration_s = 10;         ///< per step
    std::uint64_t ops = 10'000'000; ///< per step
    double drain_s = 10;            ///< wait for outstanding callbacks after a step
    double warmup_s = 0;            ///< closed/open: run this long before measuring
    unsigned threads = 1;
    unsigned connect_concurrency = 256; ///< touch points connecting at once
    int tsmd_pid = 0;
    std::string json_file;
    std::string svg_file;
    std::string service = "bench";
    bool progress = true;
    bool deliver = true;
    scenario scen = scenario::transceive;
    double mix_ccm = 0.10; ///< mixed: fraction of operations that are CCM installs
    unsigned mix_transceive_weight = 90, mix_ccm_weight = 10; ///< as given to --mix (for the report)
    std::string cap_file; ///< CAP uploaded for ccm-install (default: the source tree's kaoh-helloworld.cap)
    bool strict = false;  ///< exit 4 when any error or non-200 answer/callback was counted
    std::string peer;     ///< "nats" or "mosquitto": drive that server instead of tsmd (peers.sh)
    endpoint peer_ws;     ///< the peer's WebSocket listener (touch points)
    endpoint peer_tcp;    ///< the peer's client port (SP side)
    int peer_pid = 0;     ///< soak --no-deliver: bare WebSocket connections
};

/// Parses argv; on a usage error prints to stderr and exits 2; --help exits 0.
options parse_options(int argc, char** argv);
const char* mode_name(run_mode m);
const char* scenario_name(scenario s);

} // namespace tsm::tools::loadgen
