#pragma once
/// Former home of callback_body; include tsm/core/outcome.hpp instead. Kept only until its last
/// includer (core/src/session_service.cpp) moves to outcome.hpp.
#include "tsm/core/outcome.hpp"
