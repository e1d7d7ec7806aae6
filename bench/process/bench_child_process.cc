// What running a client under spanbench-supervisor costs: wall time from
// spawn to "exited, tree gone, log complete" for /bin/true, against a bare
// posix_spawn + wait4, and the same with 4 MB of output through the capped log;
// and the control server's check of who sent a request.
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "process/child_process.h"
#include "process/socket_owner.h"

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

// What the control server spends to decide that a request came from the
// client: find the peer's socket in /proc/net/tcp, then among the
// descriptors of the client's tree (here: this process).
void BM_PeerBelongsToTree(benchmark::State& state) {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  listen(listener, 1);
  getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len);
  int client = socket(AF_INET, SOCK_STREAM, 0);
  connect(client, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  sockaddr_in peer = {};
  len = sizeof(peer);
  int accepted = accept(listener, reinterpret_cast<sockaddr*>(&peer), &len);
  auto server_end = *spanbench::TcpEndpoint::parse("127.0.0.1", ntohs(a.sin_port));
  auto peer_end = *spanbench::TcpEndpoint::parse("127.0.0.1", ntohs(peer.sin_port));
  for (auto _ : state) {
    bool ok = spanbench::peer_belongs_to_tree(server_end, peer_end, getpid());
    if (!ok) state.SkipWithError("the peer was not found");
  }
  close(accepted);
  close(client);
  close(listener);
}
BENCHMARK(BM_PeerBelongsToTree)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
