#include "process/proc_stat.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>

namespace spanbench {
namespace {

// Captured from a real process, with a command name that contains a space
// and a ')' to check fields are counted from the last parenthesis.
const char* kStat =
    "4242 (my (client) x) S 1 4242 4242 0 -1 4194304 1500 0 0 0 1234 567 0 0 20 0 7 0 "
    "123456 987654321 2345 18446744073709551615 1 1 0 0 0 0 0 4096 17 1 0 0 0 0 0\n";

TEST(ProcStat, ParsesFieldsAfterCommandName) {
  auto st = parse_proc_stat(kStat);
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->state, 'S');
  EXPECT_EQ(st->utime_ticks, 1234);
  EXPECT_EQ(st->stime_ticks, 567);
  EXPECT_EQ(st->num_threads, 7);
  EXPECT_EQ(st->rss_pages, 2345);
}

TEST(ProcStat, RejectsTruncatedOrGarbage) {
  EXPECT_FALSE(parse_proc_stat("").has_value());
  EXPECT_FALSE(parse_proc_stat("4242 (x) S 1 2 3").has_value());
  EXPECT_FALSE(parse_proc_stat("4242 x S 1 2 3").has_value());
  EXPECT_FALSE(
      parse_proc_stat("4242 (x) S 1 4242 4242 0 -1 4194304 1500 0 0 0 abc 567 0 0 20 0 7 0 1 2 3")
          .has_value());
}

TEST(ProcStat, ParsesStatmAndSchedstat) {
  EXPECT_EQ(parse_statm_resident_pages("5000 1200 300 10 0 900 0\n"), 1200);
  EXPECT_FALSE(parse_statm_resident_pages("5000").has_value());
  EXPECT_EQ(parse_schedstat_runtime_ns("987654321 12345 67\n"), 987654321);
  EXPECT_FALSE(parse_schedstat_runtime_ns("x 1 2").has_value());
}

TEST(ProcStat, ReadsLiveCpuAndRssOfThisProcess) {
  auto own_cpu_ns = [] {
    timespec ts = {};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
  };
  auto before = process_cpu_ns(getpid());
  ASSERT_TRUE(before.has_value());
  // Burn 20 ms of CPU (by this process's own clock, so a busy machine does
  // not matter); reading it from outside must agree far better than the
  // 10 ms ticks of /proc/PID/stat would.
  volatile double x = 1;
  const int64_t start = own_cpu_ns();
  while (own_cpu_ns() - start < 20'000'000) x = x * 1.0000001;
  const int64_t burned = own_cpu_ns() - start;
  auto after = process_cpu_ns(getpid());
  ASSERT_TRUE(after.has_value());
  EXPECT_NEAR(double(*after - *before), double(burned), 2e6);
  auto rss = process_rss_bytes(getpid());
  ASSERT_TRUE(rss.has_value());
  EXPECT_GT(*rss, 1 << 20);
}

}  // namespace
}  // namespace spanbench

namespace spanbench {
namespace {

TEST(ProcStat, ExitedButUnreapedChildHasNoRss) {
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  ASSERT_GT(pid, 0);
  // Wait until it is a zombie, without reaping it.
  siginfo_t info = {};
  ASSERT_EQ(waitid(P_PID, pid, &info, WEXITED | WNOWAIT), 0);
  EXPECT_FALSE(process_rss_bytes(pid).has_value());
  waitpid(pid, nullptr, 0);
  EXPECT_FALSE(process_rss_bytes(pid).has_value());
}

}  // namespace
}  // namespace spanbench

namespace spanbench {
namespace {

TEST(ProcStat, ParsesVmHwmFromStatus) {
  const char* status =
      "Name:\tcat\nVmPeak:\t    8000 kB\nVmHWM:\t    1540 kB\nVmRSS:\t    1500 kB\n";
  EXPECT_EQ(parse_status_vmhwm_bytes(status), 1540 * 1024);
  EXPECT_FALSE(parse_status_vmhwm_bytes("Name:\tzombie\nState:\tZ\n").has_value());
  EXPECT_FALSE(parse_status_vmhwm_bytes("VmHWM:\t12 MB\n").has_value());
}

TEST(ProcStat, ParsesSchedstatWait) {
  EXPECT_EQ(parse_schedstat_wait_ns("123 456 7\n"), 456);
  EXPECT_FALSE(parse_schedstat_wait_ns("123").has_value());
}

TEST(ProcStat, ParsesSystemCpuLine) {
  auto t = parse_proc_stat_cpu_line("cpu  100 2 30 400 5 6 7 8 0 0\ncpu0 1 2 3\n");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->busy_ticks, 100 + 2 + 30 + 6 + 7);
  EXPECT_EQ(t->idle_ticks, 400 + 5);
  EXPECT_EQ(t->steal_ticks, 8);
  EXPECT_FALSE(parse_proc_stat_cpu_line("cpu0 1 2 3 4 5 6 7 8").has_value());
  EXPECT_FALSE(parse_proc_stat_cpu_line("cpu 1 2 3").has_value());
}

TEST(ProcStat, LiveSystemReadings) {
  auto t = system_cpu_times();
  ASSERT_TRUE(t.has_value());
  EXPECT_GT(t->total_ticks(), 0);
  auto load = load_average_1m();
  ASSERT_TRUE(load.has_value());
  EXPECT_GE(*load, 0.0);
  // The RSS first: the peak read afterwards can only have grown, whereas the
  // other order fails whenever the process touches a new page in between.
  auto rss = process_rss_bytes(getpid());
  ASSERT_TRUE(rss.has_value());
  auto hwm = process_peak_rss_bytes(getpid());
  ASSERT_TRUE(hwm.has_value());
  EXPECT_GE(*hwm, *rss);
  EXPECT_TRUE(process_runqueue_wait_ns(getpid()).has_value());
}

}  // namespace
}  // namespace spanbench
