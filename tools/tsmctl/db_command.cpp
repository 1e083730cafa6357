#include "tsmctl/db_command.hpp"

#include "tsm/storage/postgres_store.hpp"

#include <cstdlib>

namespace tsm::tools::tsmctl {

int db_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    std::string url;
    const char* from_env = std::getenv("TSM_STORE_URL");
    if (from_env != nullptr) {
        url = from_env;
    }
    if (args.empty() || args[0] != "migrate") {
        err << "usage: tsmctl db migrate [--store URL]   (default: $TSM_STORE_URL)\n";
        return 2;
    }
    for (std::size_t i = 1; i < args.size(); ++i) {
        if (args[i] == "--store" && i + 1 < args.size()) {
            url = args[++i];
        } else {
            err << "tsmctl db migrate: unknown argument " << args[i] << '\n';
            return 2;
        }
    }
    if (url.empty()) {
        err << "tsmctl db migrate: --store URL (or TSM_STORE_URL) is required\n";
        return 2;
    }
    std::vector<int> applied;
    std::string detail;
    if (auto ec = storage::migrate_postgres(url, applied, detail)) {
        err << "tsmctl db migrate: " << ec.message() << (detail.empty() ? "" : ": " + detail) << '\n';
        return 1;
    }
    if (applied.empty()) {
        out << "schema already at version " << storage::postgres_schema_version() << '\n';
    }
    for (int v : applied) {
        out << "applied migration " << v << '\n';
    }
    return 0;
}

} // namespace tsm::tools::tsmctl
