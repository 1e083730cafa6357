#pragma once
// `tsmctl db migrate --store URL`: applies the PostgreSQL store's forward migrations directly
// (not through the admin API), e.g. before rolling out a new tsmd version node by node.
#include <ostream>
#include <string>
#include <vector>

namespace tsm::tools::tsmctl {

/// `args` after "db". Exit status: 0 done, 1 failed, 2 usage.
int db_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

} // namespace tsm::tools::tsmctl
