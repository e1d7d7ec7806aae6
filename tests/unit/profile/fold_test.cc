// Folding perf script output into stacks.
#include "profile/fold.h"

#include <gtest/gtest.h>

#include <sstream>

#include "core/error.h"
#include "core/file_io.h"
#include "profile/perf_capture.h"

namespace spanbench::profile {
namespace {

// perf script -F comm,tid,time,ip,sym,dso --ns --show-lost-events, as perf
// 6.1 prints it (comm may hold spaces; frames are leaf first).
const char* kScript =
    "spanbench-clien 4242 100.000000100: \n"
    "\t            11fd spanbench_mock_hot_work (/build/spanbench-client-cpp)\n"
    "\t            1095 (anonymous namespace)::run_span_loop(spanbench::ControlCommand const&, "
    "std::unique_ptr<opentracing::v3::Span, std::default_delete<opentracing::v3::Span> >&) "
    "(/build/spanbench-client-cpp)\n"
    "\t            1100 main (/build/spanbench-client-cpp)\n"
    "\n"
    "spanbench-clien 4242 100.000000200: \n"
    "\t          7f00aa [unknown] (/usr/lib/x86_64-linux-gnu/libfoo.so.1)\n"
    "\t            1095 (anonymous namespace)::run_span_loop(spanbench::ControlCommand const&) "
    "(/build/spanbench-client-cpp)\n"
    "\t            1100 main (/build/spanbench-client-cpp)\n"
    "\n"
    "V8 DefaultWorke 4243 100.000000300: \n"
    "\tffffffff81000000 [unknown] ([kernel.kallsyms])\n"
    "\t     3ee0c2a1b2 JS:*work /srv/clients/node/client.js:40 (/tmp/perf-4242.map)\n"
    "\t     3ee0c2a000 [unknown] (//anon)\n"
    "\n"
    "spanbench-clien 4242 100.000000300: \n"
    "\t            11fd spanbench_mock_hot_work (/build/spanbench-client-cpp)\n"
    "\t            1095 (anonymous namespace)::run_span_loop(spanbench::ControlCommand const&) "
    "(/build/spanbench-client-cpp)\n"
    "\t            1100 main (/build/spanbench-client-cpp)\n"
    "\n"
    "spanbench-clien 4242 100.000000350: PERF_RECORD_LOST lost 7\n"
    "spanbench-clien 4242 100.000000900: \n"
    "\t            1100 main (/build/spanbench-client-cpp)\n"
    "\n";

TEST(Fold, StacksRootFirstUnderTheThreadName) {
  std::istringstream in(kScript);
  FoldedStacks f = fold_perf_script(in);
  EXPECT_EQ(f.samples, 5);
  EXPECT_EQ(f.samples_outside, 0);
  EXPECT_EQ(f.lost_samples, 7);
  const std::string hot =
      "spanbench-clien;main;(anonymous namespace)::run_span_loop;spanbench_mock_hot_work";
  ASSERT_TRUE(f.stacks.count(hot));
  EXPECT_EQ(f.stacks.at(hot), 2);
  EXPECT_EQ(f.stacks.at("spanbench-clien;main;(anonymous namespace)::run_span_loop;"
                        "[no symbols: libfoo.so.1]"),
            1);
  EXPECT_EQ(f.stacks.at("V8 DefaultWorke;[no symbols: unknown];JS:*work "
                        "/srv/clients/node/client.js:40;[no symbols: kernel]"),
            1);
  EXPECT_EQ(f.unsymbolised.at("libfoo.so.1"), 1);
  EXPECT_EQ(f.unsymbolised.at("kernel"), 1);
  EXPECT_EQ(f.unsymbolised.at("unknown"), 1);
  ASSERT_EQ(f.perf_maps.size(), 1u);
  EXPECT_EQ(f.perf_maps[0], "/tmp/perf-4242.map");
}

TEST(Fold, KeepsOnlyTheWindow) {
  std::istringstream in(kScript);
  FoldWindow w;
  w.from_ns = 100'000'000'200;  // inclusive
  w.to_ns = 100'000'000'300;    // exclusive
  FoldedStacks f = fold_perf_script(in, w);
  EXPECT_EQ(f.samples, 1);
  EXPECT_EQ(f.samples_outside, 4);
  EXPECT_TRUE(f.stacks.count(
      "spanbench-clien;main;(anonymous namespace)::run_span_loop;[no symbols: libfoo.so.1]"));
}

TEST(Fold, WritesOneLinePerStackWithItsCount) {
  std::istringstream in(kScript);
  FoldedStacks f = fold_perf_script(in);
  auto file = std::filesystem::path(TEST_WORK_DIR) / "fold-test.folded";
  write_folded(f, file);
  std::string text = read_file(file);
  EXPECT_NE(text.find("spanbench-clien;main 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find(";spanbench_mock_hot_work 2\n"), std::string::npos) << text;
  int64_t sum = 0;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) sum += std::stoll(line.substr(line.rfind(' ') + 1));
  EXPECT_EQ(sum, f.samples);
}

TEST(Fold, CppNamesLoseTheirArgumentLists) {
  EXPECT_EQ(strip_arguments("ns::f(int) const"), "ns::f");
  EXPECT_EQ(strip_arguments("std::vector<int, std::allocator<int> >::push_back(int const&)"),
            "std::vector<int, std::allocator<int> >::push_back");
  EXPECT_EQ(strip_arguments("std::function<void (int)>::operator()(int) const"),
            "std::function<void (int)>::operator()");
  EXPECT_EQ(strip_arguments("operator new(unsigned long)"), "operator new");
  EXPECT_EQ(strip_arguments("a::operator<<(std::ostream&)"), "a::operator<<");
  EXPECT_EQ(strip_arguments("(anonymous namespace)::g(char)"), "(anonymous namespace)::g");
  EXPECT_EQ(strip_arguments("f(int)::{lambda(int)#1}::operator()(int) const"),
            "f(int)::{lambda(int)#1}::operator()");
  EXPECT_EQ(strip_arguments("__libc_start_main"), "__libc_start_main");
  EXPECT_EQ(strip_arguments("foo [clone .cold]"), "foo [clone .cold]");
  EXPECT_EQ(frame_name("x;y(int)", "/a/b.so"), "x:y");
  EXPECT_EQ(frame_name("__libc_start_main@@GLIBC_2.34", "/lib/libc.so.6"), "__libc_start_main");
  EXPECT_EQ(frame_name("[unknown]", "/usr/lib/libfoo.so"), "[no symbols: libfoo.so]");
  EXPECT_EQ(frame_name("", "[unknown]"), "[no symbols: unknown]");
}

TEST(Fold, NotesSayWhatWouldNameTheFrames) {
  std::istringstream in(kScript);
  auto notes = symbol_notes(fold_perf_script(in));
  ASSERT_EQ(notes.size(), 3u);
  std::string all;
  for (const auto& n : notes) all += n + "\n";
  EXPECT_NE(all.find("libfoo.so.1 in 1 samples (20.0%)"), std::string::npos) << all;
  EXPECT_NE(all.find("-dbgsym"), std::string::npos) << all;
  EXPECT_NE(all.find("--perf-basic-prof"), std::string::npos) << all;
  EXPECT_NE(all.find("kptr_restrict"), std::string::npos) << all;
}

TEST(ProfileSetup, NodeGetsItsPerfMapFlagsAndPythonItsVariable) {
  auto node = client_profile_setup({"node", "client.js"}, "", {}, ".");
  ASSERT_GE(node.argv.size(), 3u);
  EXPECT_EQ(node.argv[0], "node");
  EXPECT_EQ(node.argv[1], "--perf-basic-prof");
  EXPECT_EQ(node.argv.back(), "client.js");
  EXPECT_EQ(node.unwinding, Unwinding::kFramePointers);
  auto native = client_profile_setup({"build/client", "--tracer", "mock"}, "dwarf", {}, ".");
  EXPECT_EQ(native.argv, (std::vector<std::string>{"build/client", "--tracer", "mock"}));
  EXPECT_EQ(native.unwinding, Unwinding::kDwarf);
  auto custom = client_profile_setup({"node", "c.js"}, "", {"--perf-prof"}, ".");
  EXPECT_EQ(custom.argv, (std::vector<std::string>{"node", "--perf-prof", "c.js"}));
  EXPECT_THROW(client_profile_setup({"x"}, "lbr", {}, "."), spanbench::UsageError);
}

}  // namespace
}  // namespace spanbench::profile
