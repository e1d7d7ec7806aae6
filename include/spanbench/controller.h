#pragma once

// spanbench::Controller runs client programs (docs/protocol.md): calibrate()
// finds the Work and Sleep that load a core to the target share, run() runs
// one traced or untraced measurement. ControllerOptions, CalibrationOptions,
// RunOptions and Calibration come with it; format_calibration() prints a
// calibration as the CLI does.
#include "controller/calibration.h"
#include "controller/controller.h"
#include "core/error.h"
#include "report/console_reporter.h"
