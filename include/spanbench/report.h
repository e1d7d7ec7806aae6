#pragma once

// Results for people and programs: format_result() and format_calibration()
// give the CLI's text, result_document() and write_json_file() its JSON.
// Target spanbench::report.
#include "report/console_reporter.h"
#include "report/json_reporter.h"
