#pragma once

// spanbench::Result: what one run measured (docs/protocol.md, "Result
// fields"), with format_result() for the CLI's text, result_document() and
// write_json_file() for its JSON.
#include "core/result.h"
#include "report/console_reporter.h"
#include "report/json_reporter.h"
