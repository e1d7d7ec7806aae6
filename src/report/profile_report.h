#pragma once

// A differential profile (profile/diff.h) for people and for programs: the
// console summary, and the Markdown, CSV and JSON exports of
// `spanbench profile diff` (the same --export-* conventions as run --repeat's).

#include <string>

#include "profile/diff.h"
#include "report/export.h"

namespace spanbench {

// Added CPU as a person reads it: "+6.23%" of a core, "+62.3" ns per span.
std::string added_core_text(double core_share);
std::string added_ns_text(double seconds_per_span);

// What each side sampled, what it adds up to, and the top `top` frames by
// added self and by added total CPU, as the console shows them.
std::string profile_diff_text(const ProfileDiff& diff, size_t top);

// One document per format: Markdown (the same tables), CSV (every frame, one
// row each, full precision) or JSON (both sides, the added CPU and the top
// frames).
std::string serialize_profile_diff(const ProfileDiff& diff, ExportFormat format, size_t top);

}  // namespace spanbench
