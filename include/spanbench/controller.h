#pragma once

// spanbench::Controller runs client programs (docs/protocol.md): calibrate()
// finds the Work and Sleep that load a core to the target share, run() runs
// one traced or untraced measurement. ControllerOptions, CalibrationOptions,
// RunOptions and Calibration come with it. Target spanbench::core.
#include "controller/calibration.h"
#include "controller/controller.h"
#include "core/error.h"
