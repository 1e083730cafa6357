// tsmctl: command-line client for tsmd's admin API. See tsmctl_usage() for the interface.
#include "tsmctl/admin_client.hpp"
#include "tsmctl/tsmctl_command.hpp"

#include <cstdlib>
#include <iostream>

int main(int argc, char** argv) {
    using namespace tsm::tools::tsmctl;
    std::vector<std::string> args(argv + 1, argv + argc);
    auto env = [](const char* name) {
        const char* v = std::getenv(name);
        return std::string(v ? v : "");
    };
    auto parsed = parse_tsmctl_args(args, env("TSM_ADMIN_URL"), env("TSM_ADMIN_TOKEN"));
    if (parsed.help) {
        std::cout << tsmctl_usage();
        return 0;
    }
    if (!parsed.command) {
        std::cerr << "tsmctl: " << parsed.error << "\n(try tsmctl --help)\n";
        return 2;
    }
    return run_admin_command(*parsed.command, std::cout, std::cerr);
}
