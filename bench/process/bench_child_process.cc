// What running a client under spanbench-supervisor costs: wall time from
// spawn to "exited, tree gone, log complete" for /bin/true, against a bare
// posix_spawn + wait4, and the same with 4 MB of output through the capped log.
#include <benchmark/benchmark.h>
#include <spawn.h>
#include <sys/wait.h>

#include <filesystem>

#include "process/child_process.h"

extern char** environ;

namespace {

void BM_PosixSpawnTrue(benchmark::State& state) {
  char* argv[] = {const_cast<char*>("/bin/true"), nullptr};
  for (auto _ : state) {
    pid_t pid = -1;
    posix_spawn(&pid, "/bin/true", nullptr, nullptr, argv, environ);
    int status = 0;
    waitpid(pid, &status, 0);
  }
}
BENCHMARK(BM_PosixSpawnTrue)->Unit(benchmark::kMillisecond)->UseRealTime();

void run_supervised(benchmark::State& state, std::vector<std::string> argv) {
  auto log = std::filesystem::temp_directory_path() / "bench_child_process.log";
  for (auto _ : state) {
    spanbench::SpawnOptions o;
    o.argv = argv;
    o.log_file = log;
    auto child = spanbench::ChildProcess::spawn(o);
    child.wait_for_exit(std::chrono::seconds(30));
  }
  std::filesystem::remove(log);
}

void BM_SupervisedTrue(benchmark::State& state) { run_supervised(state, {"/bin/true"}); }
BENCHMARK(BM_SupervisedTrue)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_SupervisedFourMegabytesOfOutput(benchmark::State& state) {
  run_supervised(state, {"head", "-c", "4000000", "/dev/zero"});
}
BENCHMARK(BM_SupervisedFourMegabytesOfOutput)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
