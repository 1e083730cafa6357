// example_sp: example Service Provider for OpenTSM. See sp_usage() for the interface.
#include "example_sp/sp_app.hpp"
#include "example_sp/sp_options.hpp"

#include <csignal>
#include <iostream>
#include <pthread.h>

int main(int argc, char** argv) {
    using namespace tsm::tools::example_sp;
    auto parsed = parse_sp_args(std::vector<std::string>(argv + 1, argv + argc));
    if (parsed.help) {
        std::cout << sp_usage();
        return 0;
    }
    if (!parsed.options) {
        std::cerr << "example_sp: " << parsed.error << "\n(try example_sp --help)\n";
        return 2;
    }
    // Block the stop signals before any thread exists so that only sigwait() below sees them.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    sp_app app(*parsed.options, std::cout);
    std::string error;
    if (!app.start(error)) {
        std::cerr << "example_sp: " << error << "\n";
        return 1;
    }
    std::cout << "example_sp listening on http://" << parsed.options->listen_host << ":" << app.port()
              << std::endl;
    if (app.public_url() != "http://" + parsed.options->listen_host + ":" + std::to_string(app.port())) {
        std::cout << "example_sp public URL " << app.public_url() << std::endl;
    }
    int sig = 0;
    sigwait(&stop_signals, &sig);
    std::cout << "example_sp stopping" << std::endl;
    app.stop();
    return 0;
}
