#include "suites/repeat.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "report/json_reporter.h"

namespace spanbench {

std::filesystem::path repeat_file(const std::filesystem::path& out_dir, bool trace, int n) {
  return out_dir / (trace ? "traced" : "untraced") / fmt::format("run-{:03d}.json", n);
}

OverheadAnalysis run_repeat(Runner& runner, const RepeatOptions& options,
                            const std::function<void(const RepeatRun&)>& on_run) {
  if (options.repetitions < 1) throw UsageError("--repeat must be at least 1");
  std::vector<NamedResult> traced, untraced;
  for (int n = 1; n <= options.repetitions; ++n) {
    for (bool trace : {true, false}) {
      RunOptions ro = options.run;
      ro.trace = trace;
      RepeatRun run;
      run.repetition = n;
      run.trace = trace;
      run.file = repeat_file(options.out_dir, trace, n);
      run.result = run_and_record(runner, ro, {run.file});
      auto name = std::filesystem::relative(run.file, options.out_dir).generic_string();
      (trace ? traced : untraced).push_back({name, run.result});
      if (on_run) on_run(run);
    }
  }
  OverheadAnalysis a = analyze_overhead(traced, untraced, options.allow_noise);
  write_json_file(to_json(a), options.out_dir / "summary.json");
  return a;
}

}  // namespace spanbench
