#pragma once

#include <string>

#include "controller/calibration.h"
#include "core/result.h"

namespace spanbench {

// The classic console shape, then the phases and any disturbance:
//   95.3 spans / sec
//   72.0% CPU usage
//   0.0% spans dropped (out of 499 sent)
//   took 10.2s
// "CPU usage" and "spans / sec" are the span loop's (what calibration
// targets); "took" is the whole process, start-up and flush included.
std::string format_result(const Result& r);
std::string format_calibration(const Calibration& c);
// One line on the fit a run at `fit.spans_per_second` uses: just made
// (fresh) or reused from `source` (a file, or "" for this process).
std::string format_rate_fit(const Calibration& c, const RateFit& fit, bool fresh,
                            const std::string& source);

}  // namespace spanbench
