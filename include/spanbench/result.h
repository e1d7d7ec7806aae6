#pragma once

// spanbench::Result: what one run measured (docs/protocol.md, "Result
// fields"). Target spanbench::core.
#include "core/result.h"
