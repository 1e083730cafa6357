#pragma once
/// The "hello" service's delivery workflow: card content management through tsmd. The SP
/// uploads the HelloWorld CAP file once at start-up (--cap); each session then installs an
/// instance of its applet, SELECTs it, personalizes it with STORE DATA and reports completion.
/// The applet is left installed (that is the service). Idempotent: when INSTALL [for install]
/// fails because the instance already exists (SW 6985 or 6A89), the instance is deleted and
/// installed once more. Runs on its own worker thread and blocks on the callbacks.
#include "example_sp/session_steps.hpp"

#include <optional>
#include <string>
#include <vector>

namespace tsm::tools::example_sp {

/// What the start-up upload returned, and the instance every session creates.
struct hello_applet {
    std::string cap_id;       ///< tsmd's id of the uploaded CAP file
    std::string elf_aid;      ///< hex, upper case
    std::string module_aid;   ///< the CAP's first applet, hex, upper case
    std::string instance_aid; ///< module_aid + "01"
};

/// Builds the applet description from an upload reply: the first module, instance AID = module
/// AID + "01". nullopt with `error` set when the CAP has no applet or the instance AID would
/// exceed 16 bytes.
std::optional<hello_applet> hello_applet_from_upload(const std::string& cap_id, const std::string& elf_aid,
                                                     const std::vector<std::string>& modules,
                                                     std::string& error);

/// The personalization blob sent with STORE DATA: DGI 0101, length, "hello" (hex).
std::string hello_personalization_dgi();

/// Runs the hello service for `session_id` and always ends the session with /service/completed.
/// Returns the success flag it reported.
bool run_hello_session(const demo_context& ctx, const hello_applet& applet, const std::string& session_id);

} // namespace tsm::tools::example_sp
