// tsmctl: command-line client for tsmd's admin API. See tsmctl_usage() for the interface.
#include "tsmctl/admin_client.hpp"
#include "tsmctl/db_command.hpp"

#include <cstdlib>
#include <iostream>

int main(int argc, char** argv) {
    auto env = [](const char* name) {
        const char* v = std::getenv(name);
        return std::string(v ? v : "");
    };
    if (argc > 1 && std::string(argv[1]) == "db") { // the store itself, not the admin API
        return tsm::tools::tsmctl::db_main(std::vector<std::string>(argv + 2, argv + argc), std::cout,
                                           std::cerr);
    }
    return tsm::tools::tsmctl::tsmctl_main(std::vector<std::string>(argv + 1, argv + argc),
                                           env("TSM_ADMIN_URL"), env("TSM_ADMIN_TOKEN"), std::cout,
                                           std::cerr);
}
