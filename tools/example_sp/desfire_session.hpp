#pragma once
/// The "desfire" service's delivery workflow: MIFARE DESFire EV1 operations through tsmd
/// (docs/desfire.md). Each session creates the application DE5F01 (AES, 2 keys, key settings
/// 0F, two fresh random application keys that only tsmd sees), runs native commands in it
/// (CreateStdDataFile 01 plain with free access, WriteData "hello", ReadData) and checks that
/// the data reads back, then deletes the application and reports completion. Idempotent: when
/// CreateApplication answers DE (duplicate application, e.g. a run that stopped half-way on a
/// real card), the application is deleted and created once more. Every callback is logged as
/// received (DESFire callbacks carry no key material). Runs on its own worker thread and
/// blocks on the callbacks. The card's PICC master key comes from tsmd's card key registry.
#include "example_sp/session_steps.hpp"

#include <string>
#include <vector>

namespace tsm::tools::example_sp {

/// The application the service creates and deletes ("DE5F01").
std::string desfire_demo_aid();

/// The native commands the service runs in the application (hex, INS first):
/// CreateStdDataFile, WriteData "hello", ReadData.
std::vector<std::string> desfire_demo_commands();

/// Runs the desfire service for `session_id` and always ends the session with
/// /service/completed. Returns the success flag it reported.
bool run_desfire_session(const demo_context& ctx, const std::string& session_id);

} // namespace tsm::tools::example_sp
