#pragma once

#include <string>

#include "controller/calibration.h"
#include "core/result.h"

namespace spanbench {

// The seed's console shape:
//   95.3 spans / sec
//   72.0% CPU usage
//   0.0% spans dropped (out of 499 sent)
//   took 10.2s
std::string format_result(const Result& r);
std::string format_calibration(const Calibration& c);

}  // namespace spanbench
