#pragma once

// The spanbench library, for programs that drive it (find_package(spanbench),
// targets spanbench::core and spanbench::report): start a client program
// from the registry, calibrate it, run it traced or untraced and read the
// Result.
//
//   spanbench::Controller controller(spanbench::ControllerOptions{});
//   auto calibration = controller.calibrate("cpp-noop", {});
//   spanbench::RunOptions run;
//   run.client = "cpp-noop";
//   spanbench::Result result = controller.run(run, calibration);
//   std::cout << spanbench::format_result(result);
//
// Errors are thrown as spanbench::Error (spanbench::UsageError for bad
// input such as an unknown client name). The library never prints.

#include "spanbench/client_registry.h"
#include "spanbench/controller.h"
#include "spanbench/report.h"
#include "spanbench/result.h"
