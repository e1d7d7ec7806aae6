#include "core/file_io.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"

namespace spanbench {
namespace {

namespace fs = std::filesystem;

// A fresh folder for one test, removed afterwards.
class FileIoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("spanbench-file-io-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // The names of the files in the folder (to see that no temporary is left).
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  }

  fs::path dir_;
};

TEST_F(FileIoTest, RoundTripsAnyBytesAndReplacesTheOldContent) {
  const fs::path file = dir_ / "result.json";
  std::string bytes = "first line\n";
  bytes += std::string(1, '\0') + "\xff\r\n" + std::string(100'000, 'x');
  write_file_atomically(file, bytes);
  EXPECT_EQ(read_file(file), bytes);
  EXPECT_EQ(try_read_file(file), bytes);
  write_file_atomically(file, "short");
  EXPECT_EQ(read_file(file), "short");
  write_file_atomically(file, "");
  EXPECT_EQ(read_file(file), "");
  EXPECT_EQ(entries(), std::vector<std::string>{"result.json"});
  EXPECT_EQ(fs::status(file).permissions() & fs::perms::others_read, fs::perms::others_read);
}

TEST_F(FileIoTest, CreatesMissingParentFolders) {
  const fs::path file = dir_ / "a" / "b" / "calibration.json";
  write_file_atomically(file, "{}\n");
  EXPECT_EQ(read_file(file), "{}\n");
}

TEST_F(FileIoTest, MissingFileIsAnErrorNamingThePath) {
  const fs::path file = dir_ / "no-such-file.toml";
  EXPECT_EQ(try_read_file(file), std::nullopt);
  try {
    read_file(file);
    FAIL() << "read_file of a missing file did not throw";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(file.string()), std::string::npos) << what;
    EXPECT_NE(what.find("No such file"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
}

// The write fails midway (the file size limit stops it after 4 KiB, as a full
// disk would): the old content stays whole and no temporary file is left.
TEST_F(FileIoTest, AWriteThatFailsMidwayLeavesTheOldContent) {
  const fs::path file = dir_ / "calibration.json";
  write_file_atomically(file, "old content\n");

  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = saved;
  small.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string message;
  try {
    write_file_atomically(file, std::string(1 << 20, 'n'));
  } catch (const Error& e) {
    message = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, old_handler);

  EXPECT_NE(message.find(file.string()), std::string::npos) << "no error, or: " << message;
  EXPECT_EQ(read_file(file), "old content\n");
  EXPECT_EQ(entries(), std::vector<std::string>{"calibration.json"});
}

TEST_F(FileIoTest, UnwritableFolderIsAnErrorAndLeavesTheOldContent) {
  const fs::path file = dir_ / "summary.json";
  write_file_atomically(file, "old");
  fs::permissions(dir_, fs::perms::owner_read | fs::perms::owner_exec);
  if (::access(dir_.c_str(), W_OK) == 0) {
    fs::permissions(dir_, fs::perms::owner_all);
    GTEST_SKIP() << "running as root: a read-only folder is still writable";
  }
  EXPECT_THROW(write_file_atomically(file, "new"), Error);
  fs::permissions(dir_, fs::perms::owner_all);
  EXPECT_EQ(read_file(file), "old");
  EXPECT_EQ(entries(), std::vector<std::string>{"summary.json"});
}

// A rename that cannot replace the target (here a folder of that name) fails
// cleanly: the target is untouched and the temporary file is removed.
TEST_F(FileIoTest, FailedRenameRemovesTheTemporaryFile) {
  const fs::path file = dir_ / "report.html";
  fs::create_directories(file / "inside");
  EXPECT_THROW(write_file_atomically(file, "<html>"), Error);
  EXPECT_TRUE(fs::is_directory(file / "inside"));
  EXPECT_EQ(entries(), std::vector<std::string>{"report.html"});
}

TEST_F(FileIoTest, ParentThatIsAFileIsAnErrorNamingThePath) {
  write_file_atomically(dir_ / "plain", "x");
  const fs::path file = dir_ / "plain" / "result.json";
  try {
    write_file_atomically(file, "{}");
    FAIL() << "writing below a plain file did not throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace spanbench
