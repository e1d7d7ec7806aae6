#include "report/csv.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace spanbench {
namespace {

std::filesystem::path temp_file(const std::string& name) {
  auto dir =
      std::filesystem::temp_directory_path() / ("spanbench-csv-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  return dir / name;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(Csv, QuotesOnlyWhereNeeded) {
  EXPECT_EQ(csv_line({"a", "b c", "1.5"}), "a,b c,1.5\n");
  EXPECT_EQ(csv_line({"x,y", "say \"hi\"", "two\nlines"}),
            "\"x,y\",\"say \"\"hi\"\"\",\"two\nlines\"\n");
  EXPECT_EQ(csv_line({}), "\n");
}

TEST(Csv, ParsesWhatItWrites) {
  CsvRow row = {"plain", "x,y", "say \"hi\"", "two\nlines", ""};
  auto rows = parse_csv(csv_line({"h1", "h2", "h3", "h4", "h5"}) + csv_line(row));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1], row);
}

TEST(Csv, ParsesCrlfAndAMissingFinalNewline) {
  auto rows = parse_csv("a,b\r\n1,2\r\n3,4");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[2], (CsvRow{"3", "4"}));
}

TEST(Csv, AppenderWritesHeaderThenOneFlushedRowPerAppend) {
  auto file = temp_file("grow.csv");
  CsvAppender csv(file, {"rate", "cpu_usage"});
  EXPECT_EQ(slurp(file), "rate,cpu_usage\n");
  csv.append({"100", csv_number(0.7)});
  // On disk at once, before the appender goes away.
  EXPECT_EQ(slurp(file), "rate,cpu_usage\n100,0.7\n");
  csv.append({"200", csv_number(0.25)});
  EXPECT_EQ(csv.rows(), 2u);
  EXPECT_EQ(read_csv_file(file).size(), 3u);
}

TEST(Csv, AppenderStartsAfreshAndRejectsRaggedRows) {
  auto file = temp_file("fresh.csv");
  {
    CsvAppender first(file, {"a"});
    first.append({"1"});
  }
  CsvAppender second(file, {"a", "b"});
  EXPECT_EQ(slurp(file), "a,b\n");
  EXPECT_THROW(second.append({"only one"}), std::exception);
}

TEST(Csv, NumbersRoundTrip) {
  EXPECT_EQ(csv_number(0.1), "0.1");
  EXPECT_EQ(csv_number(3000), "3000");
  EXPECT_DOUBLE_EQ(std::stod(csv_number(0.7123456789012345)), 0.7123456789012345);
}

}  // namespace
}  // namespace spanbench
