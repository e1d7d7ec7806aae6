#pragma once

#include <cstdint>
#include <filesystem>
#include <istream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spanbench::profile {

// Which samples of a `perf script` listing to keep: those taken in
// [from_ns, to_ns) of CLOCK_MONOTONIC (perf record -k CLOCK_MONOTONIC,
// the clock of std::chrono::steady_clock). Unset ends are open.
struct FoldWindow {
  std::optional<int64_t> from_ns;
  std::optional<int64_t> to_ns;
};

// Samples folded into stacks: `thread;outermost;...;leaf` -> count.
struct FoldedStacks {
  std::map<std::string, int64_t> stacks;
  int64_t samples = 0;          // kept (inside the window)
  int64_t samples_outside = 0;  // taken outside the window, dropped
  int64_t lost_samples = 0;     // perf's PERF_RECORD_LOST / LOST_SAMPLES counts
  // Samples with at least one frame perf could not name, by where that
  // frame's code lives: a DSO's file name, "kernel", or "unknown" (code
  // in no file, e.g. a JIT without a perf map).
  std::map<std::string, int64_t> unsymbolised;
  // Perf maps (/tmp/perf-PID.map) that named frames: a JIT wrote them.
  std::vector<std::string> perf_maps;
};

// Reads the output of
//   perf script -F comm,tid,time,ip,sym,dso --ns [--show-lost-events]
// (a header line per sample, `comm tid seconds.nanoseconds:`, then one
// line per frame, leaf first: `address symbol (dso)`), and folds it.
// Frames are named by their symbol (C++ names without their argument
// lists); frames without one become `[no symbols: libfoo.so]`, never a
// bare address. Lines it does not understand are skipped.
FoldedStacks fold_perf_script(std::istream& in, const FoldWindow& window = {});

// The frame name for perf's symbol and DSO fields.
std::string frame_name(std::string_view symbol, std::string_view dso);
// A demangled C++ name without its argument list and qualifiers
// ("ns::f(int) const" -> "ns::f"); other names unchanged.
std::string strip_arguments(std::string_view symbol);

// Writes `root;frame;...;leaf COUNT` lines, sorted by stack. Throws
// spanbench::Error when the file cannot be written.
void write_folded(const FoldedStacks& folded, const std::filesystem::path& file);

}  // namespace spanbench::profile
