// Folded stacks read (and refused, line by line), profiles of runs loaded
// from their result JSONs, averaged per run, and compared frame by frame:
// known sample counts must give known added CPU in % of a core and ns/span.
#include "profile/profile.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "core/error.h"
#include "profile/diff.h"
#include "profile/flame_tree.h"
#include "profile/folded.h"

namespace spanbench {
namespace {
namespace fs = std::filesystem;

fs::path fresh_dir(const std::string& name) {
  auto dir =
      fs::temp_directory_path() / ("spanbench-profile-test-" + std::to_string(getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

// The error message parse_folded gives for `text`, or "" when it parses.
std::string folded_error(const std::string& text, const FoldedLimits& limits = {}) {
  try {
    parse_folded(text, "p.folded", limits);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(Folded, ParsesStacksMergesRepeatsAndSkipsBlankLines) {
  auto f = parse_folded(
      "main;loop;work 30\n\nmain;loop 5\r\nmain;loop;work 12\n"
      "operator new(unsigned long);[no symbols: libfoo.so] 3  \n",
      "p.folded");
  ASSERT_EQ(f.stacks().size(), 3u);
  EXPECT_EQ(f.total_samples(), 50);
  EXPECT_EQ(f.stacks()[0].samples, 42);
  ASSERT_EQ(f.stacks()[0].frames.size(), 3u);
  EXPECT_EQ(f.name(f.stacks()[0].frames[2]), "work");
  EXPECT_EQ(f.name(f.stacks()[2].frames[0]), "operator new(unsigned long)");
  EXPECT_EQ(f.name(f.stacks()[2].frames[1]), "[no symbols: libfoo.so]");
  EXPECT_EQ(f.frame_count(), 5u);  // main, loop, work and the two of the last line
  EXPECT_EQ(f.to_text(),
            "main;loop;work 42\nmain;loop 5\noperator new(unsigned long);[no symbols: libfoo.so] "
            "3\n");
  EXPECT_EQ(parse_folded("", "empty").stacks().size(), 0u);
}

TEST(Folded, MalformedLinesAreErrorsNamingFileAndLine) {
  EXPECT_NE(folded_error("a;b 1\na;b\n").find("p.folded:2: no sample count"), std::string::npos);
  EXPECT_NE(folded_error("a;;b 3\n").find("p.folded:1: an empty frame"), std::string::npos);
  EXPECT_NE(folded_error("a;b; 3\n").find("p.folded:1: an empty frame"), std::string::npos);
  EXPECT_NE(folded_error("x 1\na;b 1.5\n").find("p.folded:2: the sample count \"1.5\""),
            std::string::npos);
  EXPECT_NE(folded_error("a;b -3\n").find("p.folded:1:"), std::string::npos);
  EXPECT_NE(folded_error("a;b 99999999999999999999999\n").find("p.folded:1:"), std::string::npos);
  EXPECT_NE(folded_error(" 5\n").find("p.folded:1: a count without a stack"), std::string::npos);
  EXPECT_NE(folded_error("a;b 0x10\n").find("p.folded:1:"), std::string::npos);
  // Control characters in a quoted line are not echoed.
  EXPECT_EQ(folded_error("a\x01;b\x1b[2J\n").find('\x1b'), std::string::npos);
}

TEST(Folded, LimitsBoundWhatIsRead) {
  FoldedLimits small;
  small.max_depth = 3;
  small.max_stacks = 2;
  small.max_line_bytes = 40;
  EXPECT_NE(folded_error("a;b;c 1\na;b;c;d 1\n", small).find("p.folded:2: a stack deeper than 3"),
            std::string::npos);
  EXPECT_NE(folded_error("a 1\nb 1\nc 1\n", small).find("p.folded:3: more than 2 distinct"),
            std::string::npos);
  EXPECT_EQ(folded_error("a 1\nb 1\na 4\n", small), "");  // a repeat is not a new stack
  EXPECT_NE(folded_error(std::string(50, 'x') + " 1\n", small).find("line of 52 bytes"),
            std::string::npos);

  auto dir = fresh_dir("limits");
  write(dir / "big.folded", std::string(2 << 20, 'a'));
  FoldedLimits tiny;
  tiny.max_bytes = 1 << 20;
  try {
    read_folded(dir / "big.folded", tiny);
    FAIL() << "a file over the limit was read";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("big.folded is 2 MiB"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_folded(dir / "absent.folded"), UsageError);
}

TEST(Folded, ArbitraryBytesParseOrGiveAnError) {
  std::mt19937 rng(7);
  const std::string alphabet = "ab;; 0123456789\n\r\t\x00\xff-.x";
  for (int i = 0; i < 2000; ++i) {
    std::string text(rng() % 200, ' ');
    for (auto& c : text) c = alphabet[rng() % alphabet.size()];
    try {
      auto f = parse_folded(text, "fuzz");
      int64_t sum = 0;
      for (const auto& s : f.stacks()) {
        EXPECT_FALSE(s.frames.empty());
        EXPECT_GT(s.samples, 0);
        sum += s.samples;
      }
      EXPECT_EQ(sum, f.total_samples());
    } catch (const UsageError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("fuzz:", 0), 0u) << e.what();
    }
  }
}

// A run's files as run --profile leaves them: run-NNN.json naming
// run-NNN.folded beside it.
void write_run(const fs::path& dir, const std::string& stem, bool trace, double loop_seconds,
               int64_t spans_sent, const std::string& folded, double frequency_hz = 100,
               const std::string& client = "cpp-mock") {
  nlohmann::json doc = {{"client", client},
                        {"trace", trace},
                        {"target_spans_per_second", 1000.0},
                        {"spans_sent", spans_sent},
                        {"cpu_usage", 0.7},
                        {"loop_seconds", loop_seconds},
                        {"loop_cpu_seconds", 0.7 * loop_seconds},
                        {"profiled", true},
                        {"profile",
                         {{"folded", stem + ".folded"},
                          {"frequency_hz", frequency_hz},
                          {"samples", 0},
                          {"lost_samples", 0},
                          {"unwinding", "fp"},
                          {"notes", nlohmann::json::array()}}}};
  write(dir / (stem + ".json"), doc.dump(2));
  write(dir / (stem + ".folded"), folded);
}

TEST(ProfileLoad, RunJsonFoldedFileAndFolder) {
  auto dir = fresh_dir("load");
  write_run(dir, "run-001", true, 10, 10000, "main;work 500\n");
  write_run(dir, "run-002", true, 10, 10000, "main;work 700\n");
  write(dir / "run-003.json",
        R"({"client":"cpp-mock","trace":true,"spans_sent":5,"cpu_usage":0.5,"profile":null})");
  write(
      dir / "run-004.json",
      R"({"client":"cpp-mock","spans_sent":5,"cpu_usage":0.5,"error":"the client exited with 1"})");
  write(dir / "summary.json", R"({"status_text":"x","traced_runs":[]})");

  RunProfile r = load_run_profile(dir / "run-001.json");
  EXPECT_EQ(r.stacks.total_samples(), 500);
  EXPECT_EQ(r.frequency_hz, 100);
  EXPECT_EQ(r.spans_sent, 10000);
  EXPECT_TRUE(r.trace);
  EXPECT_EQ(load_run_profile(dir / "run-002.folded").stacks.total_samples(), 700);

  ProfileSet set = load_profile_set(dir);
  ASSERT_EQ(set.runs.size(), 2u);
  ASSERT_EQ(set.skipped.size(), 2u);
  EXPECT_NE(set.skipped[0].find("run-003.json: not profiled (run it with --profile)"),
            std::string::npos);
  EXPECT_NE(set.skipped[1].find("run-004.json: the run failed"), std::string::npos);

  try {
    load_run_profile(dir / "run-003.json");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("not profiled"), std::string::npos);
  }
  write(dir / "lonely.folded", "a 1\n");
  try {
    load_run_profile(dir / "lonely.folded");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("no run JSON beside"), std::string::npos) << e.what();
  }
  auto empty = fresh_dir("load-empty");
  EXPECT_THROW(load_profile_set(empty), UsageError);
  EXPECT_THROW(load_profile_set(empty / "absent.json"), UsageError);
  write_run(empty, "run-001", true, 10, 100, "a;;b 1\n");
  try {
    load_profile_set(empty);
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("run-001.folded:1: an empty frame"), std::string::npos)
        << e.what();
  }
}

const FrameDelta& frame(const ProfileDiff& d, const std::string& name) {
  for (const auto& f : d.frames) {
    if (f.name == name) return f;
  }
  static const FrameDelta none{"(absent)", {}, {}, {}, {}};
  ADD_FAILURE() << name << " is not in the diff";
  return none;
}

// Known counts: at 100 Hz, in 10 s loops of 10,000 spans, 100 samples a run
// are 1 CPU second: 10% of a core and 100 us (100,000 ns) per span.
TEST(ProfileDiff, KnownCountsGiveKnownAddedCpu) {
  auto dir = fresh_dir("diff");
  write_run(dir / "untraced", "run-001", false, 10, 10000, "main;loop;work 600\nmain;loop 100\n");
  write_run(dir / "untraced", "run-002", false, 10, 10000, "main;loop;work 600\nmain;loop 100\n");
  write_run(dir / "traced", "run-001", true, 10, 10000,
            "main;loop;work 600\nmain;loop 100\nmain;loop;tracer;hot 200\nexporter;send 50\n");
  // Twice as long, twice the samples and spans: the same per-run shares.
  write_run(dir / "traced", "run-002", true, 20, 20000,
            "main;loop;work 1200\nmain;loop 200\nmain;loop;tracer;hot 400\nexporter;send 100\n");

  ProfileDiff d =
      diff_profiles(load_profile_set(dir / "untraced"), load_profile_set(dir / "traced"));
  EXPECT_TRUE(d.mismatches.empty());
  EXPECT_EQ(d.untraced.runs, 2u);
  EXPECT_EQ(d.traced.runs, 2u);
  EXPECT_DOUBLE_EQ(d.untraced.total.core_share, 0.70);
  EXPECT_DOUBLE_EQ(d.traced.total.core_share, 0.95);
  EXPECT_NEAR(d.added().core_share, 0.25, 1e-12);
  EXPECT_NEAR(d.added().seconds_per_span * 1e9, 250'000, 1e-6);
  EXPECT_DOUBLE_EQ(d.traced.loop_seconds, 15);

  auto self = d.top(FrameCostKind::self, 3);
  ASSERT_EQ(self.size(), 3u);
  EXPECT_EQ(self[0]->name, "hot");
  EXPECT_NEAR(self[0]->added_self().core_share, 0.20, 1e-12);
  EXPECT_NEAR(self[0]->added_self().seconds_per_span * 1e9, 200'000, 1e-6);
  EXPECT_EQ(self[0]->traced_self.samples, 600);  // over both runs
  EXPECT_DOUBLE_EQ(self[0]->traced_self.samples_per_run, 300);
  EXPECT_FALSE(d.is_noise(self[0]->untraced_self, self[0]->traced_self));
  EXPECT_EQ(self[1]->name, "send");
  EXPECT_NEAR(self[1]->added_self().core_share, 0.05, 1e-12);
  // Unchanged per-run shares (the longer run does not weigh more): no change.
  EXPECT_NEAR(self[2]->added_self().core_share, 0, 1e-12) << self[2]->name;

  auto total = d.top(FrameCostKind::total, 10);
  ASSERT_GE(total.size(), 4u);
  // main, loop and tracer all carry hot's 20% (in some order: equal up to rounding).
  std::set<std::string> top4;
  for (size_t i = 0; i < 4; ++i) {
    top4.insert(total[i]->name);
    EXPECT_NEAR(total[i]->added_total().core_share, 0.2, 1e-12) << total[i]->name;
  }
  EXPECT_EQ(top4, (std::set<std::string>{"hot", "loop", "main", "tracer"}));
  const FrameDelta& work = frame(d, "work");
  EXPECT_NEAR(work.added_total().core_share, 0, 1e-12);
  EXPECT_TRUE(d.is_noise(work.untraced_total, work.traced_total));

  // The wrong way round is refused with what to do.
  try {
    diff_profiles(load_profile_set(dir / "traced"), load_profile_set(dir / "untraced"));
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("give the untraced profile first"), std::string::npos);
  }
}

TEST(ProfileDiff, RecursiveFramesCountOncePerStackInTotal) {
  auto dir = fresh_dir("recursion");
  write_run(dir / "u", "run-001", false, 1, 100, "main 10\n");
  write_run(dir / "t", "run-001", true, 1, 100, "main;f;g;f;g;f 30\nmain 10\n");
  ProfileDiff d = diff_profiles(load_profile_set(dir / "u"), load_profile_set(dir / "t"));
  EXPECT_EQ(frame(d, "f").traced_total.samples, 30);
  EXPECT_EQ(frame(d, "f").traced_self.samples, 30);
  EXPECT_EQ(frame(d, "g").traced_total.samples, 30);
  EXPECT_EQ(frame(d, "g").traced_self.samples, 0);
  EXPECT_EQ(frame(d, "main").traced_total.samples, 40);
  EXPECT_EQ(frame(d, "main").untraced_total.samples, 10);
}

TEST(ProfileDiff, NoiseIsJudgedFromSampleCounts) {
  auto dir = fresh_dir("noise");
  write_run(dir / "u", "run-001", false, 10, 1000, "main;a 400\nmain;b 100\n");
  write_run(dir / "t", "run-001", true, 10, 1000, "main;a 420\nmain;b 200\n");
  ProfileDiff d = diff_profiles(load_profile_set(dir / "u"), load_profile_set(dir / "t"));
  // a: +20 against two standard errors 2 sqrt(400 + 420) = 57, noise; b: +100
  // against 2 sqrt(100 + 200) = 35, not.
  EXPECT_TRUE(d.is_noise(frame(d, "a").untraced_self, frame(d, "a").traced_self));
  EXPECT_FALSE(d.is_noise(frame(d, "b").untraced_self, frame(d, "b").traced_self));
}

TEST(ProfileDiff, DifferentClientsOrRatesAreFlagged) {
  auto dir = fresh_dir("mismatch");
  write_run(dir / "u", "run-001", false, 1, 100, "main 10\n", 100, "cpp-noop");
  write_run(dir / "t", "run-001", true, 1, 100, "main 10\n", 99, "cpp-mock");
  ProfileDiff d = diff_profiles(load_profile_set(dir / "u"), load_profile_set(dir / "t"));
  ASSERT_EQ(d.mismatches.size(), 2u);
  EXPECT_EQ(d.mismatches[0], "client: cpp-noop vs cpp-mock");
  EXPECT_NE(d.mismatches[1].find("sampling frequency: 100 Hz vs 99 Hz"), std::string::npos);
}

TEST(FlameTree, MergesStacksFromTheRootWithBothSides) {
  auto dir = fresh_dir("tree");
  write_run(dir / "u", "run-001", false, 10, 1000, "main;a 40\nmain;b 10\n");
  write_run(dir / "t", "run-001", true, 10, 1000, "main;a 40\nmain;a;c 30\nother 5\n");
  ProfileDiff d = diff_profiles(load_profile_set(dir / "u"), load_profile_set(dir / "t"));
  FlameTree t = diff_flame_tree(d);
  ASSERT_TRUE(t.differential);
  EXPECT_EQ(t.root().traced.samples, 75);
  EXPECT_EQ(t.root().untraced.samples, 50);
  EXPECT_EQ(t.max_depth, 3u);
  ASSERT_EQ(t.root().children.size(), 2u);
  const auto& main = t.nodes[t.root().children[0]];
  EXPECT_EQ(main.name, "main");
  EXPECT_EQ(main.traced.samples, 70);
  EXPECT_EQ(main.untraced.samples, 50);
  ASSERT_EQ(main.children.size(), 2u);
  const auto& a = t.nodes[main.children[0]];
  EXPECT_EQ(a.name, "a");
  EXPECT_EQ(a.traced.samples, 70);
  EXPECT_EQ(a.traced_self.samples, 40);
  const auto& b = t.nodes[main.children[1]];
  EXPECT_EQ(b.name, "b");
  EXPECT_EQ(b.traced.samples, 0);
  EXPECT_EQ(b.untraced.samples, 10);
  EXPECT_EQ(t.nodes[t.root().children[1]].name, "other");
  EXPECT_NEAR(t.nodes[a.children[0]].traced.core_share, 0.03, 1e-12);
}

}  // namespace
}  // namespace spanbench
