#include "options.hpp"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <stdexcept>

namespace tsm::tools::loadgen {

namespace {

constexpr const char* usage_text = R"(usage: tsm-bench --tsm 127.0.0.1:PORT --admin 127.0.0.1:PORT [options]

  --touch-points N      WebSocket touch points, one delivered session each (100)
  --sp-concurrency C    keep-alive SP connections posting the operations (32)
  --apdus K             commands per transceive (1)
  --scenario S          transceive | ccm-install | mixed (transceive)
                          ccm-install: each operation is POST /ccm/install of the CAP below
                          (INSTALL [for load], LOAD x n, INSTALL [for install]) executed by a
                          sandbox GlobalPlatform card behind each touch point (SCP03, GP test
                          keys registered for each touch point's CIN through the admin API)
  --mix transceive=P,ccm-install=Q  mixed: ratio of operation kinds (90,10); implies --scenario mixed
  --cap FILE            CAP file the SP uploads once for ccm-install/mixed
                          (default: tests/data/cap/kaoh-helloworld.cap of the source tree)
  --mode M              closed | open | soak (closed)
  --rate R              open loop: operations/s on a fixed schedule (1000)
  --sweep R1,R2,...     open-loop steps, one per rate (implies --mode open); --svg plots them
  --duration S          seconds per run or step (10)
  --ops N               operations per run or step (10000000); whichever bound comes first
  --warmup S            closed/open: unmeasured seconds before the run (0)
  --drain S             wait at most S seconds for outstanding callbacks (10)
  --threads T           harness threads (1)
  --connect-concurrency N  touch points connecting at once (256)
  --tsmd-pid PID        read tsmd CPU and RSS from /proc/PID
  --admin-token T       bearer token for the admin API
  --service ID          service id the touch points deliver (bench)
  --json FILE           write the results as JSON
  --svg FILE            write the latency-vs-offered-load chart (sweep) or the run's percentiles
  --no-progress         no live progress line on stderr
  --strict              exit 4 when any error, non-200 SP answer or non-200 callback was counted
  --no-deliver          soak: hold bare WebSocket connections (no session), to separate the
                        cost of a connection from the cost of a session
Peer mode (tools/loadgen/peers.sh): --peer nats|mosquitto --peer-ws 127.0.0.1:P --peer-tcp 127.0.0.1:P
  [--peer-pid PID] runs the same closed-loop shape through nats-server (NATS protocol) or
  mosquitto (MQTT 3.1.1, QoS 0) instead of tsmd: touch points on the WebSocket listener, the SP
  side on the TCP listener.
Exit codes: 0 ok, 2 usage, 1 setup failed, 3 operations lost, 4 errors counted with --strict.
Only loopback hosts are accepted (127.0.0.0/8, ::1, localhost).
)";

[[noreturn]] void usage_error(const std::string& msg) {
    std::cerr << "tsm-bench: " << msg << "\n" << usage_text;
    std::exit(2);
}

bool is_loopback(const std::string& host) {
    return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

endpoint parse_endpoint(const std::string& flag, const std::string& v) {
    auto colon = v.rfind(':');
    if (colon == std::string::npos || colon == 0) {
        usage_error(flag + " expects HOST:PORT, got '" + v + "'");
    }
    endpoint e;
    e.host = v.substr(0, colon);
    if (e.host.size() > 2 && e.host.front() == '[' && e.host.back() == ']') {
        e.host = e.host.substr(1, e.host.size() - 2);
    }
    if (e.host == "localhost") {
        e.host = "127.0.0.1";
    }
    if (!is_loopback(e.host)) {
        usage_error(flag + ": refusing non-loopback host '" + e.host
                    + "' (tsm-bench drives local servers only)");
    }
    char* end = nullptr;
    long p = std::strtol(v.c_str() + colon + 1, &end, 10);
    if (*end != '\0' || p <= 0 || p > 65535) {
        usage_error(flag + ": bad port in '" + v + "'");
    }
    e.port = static_cast<unsigned short>(p);
    return e;
}

double parse_double(const std::string& flag, const std::string& v, double min) {
    char* end = nullptr;
    double d = std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0' || !(d >= min)) {
        usage_error(flag + ": bad number '" + v + "'");
    }
    return d;
}

std::uint64_t parse_uint(const std::string& flag, const std::string& v, std::uint64_t min) {
    char* end = nullptr;
    unsigned long long n = std::strtoull(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || v[0] == '-' || n < min) {
        usage_error(flag + ": bad count '" + v + "'");
    }
    return n;
}

/// "transceive=90,ccm-install=10" (either order, either name may be left out = 0).
void parse_mix(const std::string& v, options& o) {
    std::stringstream ss(v);
    std::string item;
    std::uint64_t t = 0, c = 0;
    bool any = false;
    while (std::getline(ss, item, ',')) {
        auto eq = item.find('=');
        if (eq == std::string::npos) {
            usage_error("--mix: expected KIND=WEIGHT, got '" + item + "'");
        }
        const std::string k = item.substr(0, eq);
        const std::uint64_t w = parse_uint("--mix", item.substr(eq + 1), 0);
        if (w > 1'000'000) {
            usage_error("--mix: weight too large");
        }
        if (k == "transceive") {
            t = w;
        } else if (k == "ccm-install" || k == "ccm") {
            c = w;
        } else {
            usage_error("--mix: kinds are transceive and ccm-install, got '" + k + "'");
        }
        any = true;
    }
    if (!any || t + c == 0) {
        usage_error("--mix: at least one positive weight");
    }
    o.mix_transceive_weight = static_cast<unsigned>(t);
    o.mix_ccm_weight = static_cast<unsigned>(c);
    o.mix_ccm = static_cast<double>(c) / static_cast<double>(t + c);
}

} // namespace

const char* scenario_name(scenario s) {
    switch (s) {
    case scenario::transceive: return "transceive";
    case scenario::ccm_install: return "ccm-install";
    case scenario::mixed: return "mixed";
    }
    return "?";
}

const char* mode_name(run_mode m) {
    switch (m) {
    case run_mode::closed: return "closed";
    case run_mode::open: return "open";
    case run_mode::soak: return "soak";
    }
    return "?";
}

options parse_options(int argc, char** argv) {
    options o;
    bool have_tsm = false;
    bool have_admin = false;
    bool mode_given = false;
    bool scenario_given = false;
    bool mix_given = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--help" || a == "-h") {
            std::cout << usage_text;
            std::exit(0);
        }
        if (a == "--no-progress") {
            o.progress = false;
            continue;
        }
        if (a == "--no-deliver") {
            o.deliver = false;
            continue;
        }
        if (a == "--strict") {
            o.strict = true;
            continue;
        }
        std::string v;
        if (auto eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
            v = a.substr(eq + 1);
            a = a.substr(0, eq);
        } else {
            if (i + 1 >= argc) {
                usage_error(a + " needs a value");
            }
            v = argv[++i];
        }
        if (a == "--tsm") {
            o.tsm = parse_endpoint(a, v);
            have_tsm = true;
        } else if (a == "--admin") {
            o.admin = parse_endpoint(a, v);
            have_admin = true;
        } else if (a == "--admin-token") {
            o.admin_token = v;
        } else if (a == "--touch-points") {
            o.touch_points = static_cast<unsigned>(parse_uint(a, v, 1));
        } else if (a == "--sp-concurrency") {
            o.sp_concurrency = static_cast<unsigned>(parse_uint(a, v, 1));
        } else if (a == "--apdus") {
            o.apdus = static_cast<unsigned>(parse_uint(a, v, 1));
            if (o.apdus > 256) {
                usage_error("--apdus: at most 256 (limits.max_commands_per_batch)");
            }
        } else if (a == "--mode") {
            mode_given = true;
            if (v == "closed") {
                o.mode = run_mode::closed;
            } else if (v == "open") {
                o.mode = run_mode::open;
            } else if (v == "soak") {
                o.mode = run_mode::soak;
            } else {
                usage_error("--mode: closed, open or soak");
            }
        } else if (a == "--rate") {
            o.rate = parse_double(a, v, 0.001);
        } else if (a == "--sweep") {
            std::stringstream ss(v);
            std::string item;
            while (std::getline(ss, item, ',')) {
                o.sweep.push_back(parse_double(a, item, 0.001));
            }
            if (o.sweep.empty()) {
                usage_error("--sweep: at least one rate");
            }
        } else if (a == "--duration") {
            o.duration_s = parse_double(a, v, 0.001);
        } else if (a == "--ops") {
            o.ops = parse_uint(a, v, 1);
        } else if (a == "--warmup") {
            o.warmup_s = parse_double(a, v, 0);
        } else if (a == "--drain") {
            o.drain_s = parse_double(a, v, 0);
        } else if (a == "--threads") {
            o.threads = static_cast<unsigned>(parse_uint(a, v, 1));
        } else if (a == "--connect-concurrency") {
            o.connect_concurrency = static_cast<unsigned>(parse_uint(a, v, 1));
        } else if (a == "--tsmd-pid") {
            o.tsmd_pid = static_cast<int>(parse_uint(a, v, 1));
        } else if (a == "--json") {
            o.json_file = v;
        } else if (a == "--svg") {
            o.svg_file = v;
        } else if (a == "--scenario") {
            scenario_given = true;
            if (v == "transceive") {
                o.scen = scenario::transceive;
            } else if (v == "ccm-install" || v == "ccm") {
                o.scen = scenario::ccm_install;
            } else if (v == "mixed") {
                o.scen = scenario::mixed;
            } else {
                usage_error("--scenario: transceive, ccm-install or mixed");
            }
        } else if (a == "--mix") {
            mix_given = true;
            parse_mix(v, o);
        } else if (a == "--cap") {
            o.cap_file = v;
        } else if (a == "--peer") {
            if (v != "nats" && v != "mosquitto") {
                usage_error("--peer: nats or mosquitto");
            }
            o.peer = v;
        } else if (a == "--peer-ws") {
            o.peer_ws = parse_endpoint(a, v);
        } else if (a == "--peer-tcp") {
            o.peer_tcp = parse_endpoint(a, v);
        } else if (a == "--peer-pid") {
            o.peer_pid = static_cast<int>(parse_uint(a, v, 1));
        } else if (a == "--service") {
            o.service = v;
        } else {
            usage_error("unknown option " + a);
        }
    }
    if (!o.peer.empty()) {
        if (o.peer_ws.port == 0 || o.peer_tcp.port == 0) {
            usage_error("--peer needs --peer-ws and --peer-tcp");
        }
        return o;
    }
    if (!have_tsm || !have_admin) {
        usage_error("--tsm and --admin are required");
    }
    if (!o.sweep.empty()) {
        if (mode_given && o.mode != run_mode::open) {
            usage_error("--sweep runs open-loop steps; drop --mode or use --mode open");
        }
        o.mode = run_mode::open;
    }
    if (!o.deliver && o.mode != run_mode::soak) {
        usage_error("--no-deliver is for --mode soak only");
    }
    if (mix_given) {
        if (scenario_given && o.scen != scenario::mixed) {
            usage_error("--mix is for --scenario mixed");
        }
        o.scen = scenario::mixed;
    }
    if (o.scen != scenario::transceive && o.mode == run_mode::soak) {
        usage_error("--scenario ccm-install/mixed runs operations; soak holds idle connections");
    }
    if (o.cap_file.empty()) {
#ifdef TSM_BENCH_DEFAULT_CAP
        o.cap_file = TSM_BENCH_DEFAULT_CAP;
#endif
    }
    if (o.scen != scenario::transceive && o.cap_file.empty()) {
        usage_error("--cap FILE is required for ccm-install/mixed");
    }
    return o;
}

} // namespace tsm::tools::loadgen
