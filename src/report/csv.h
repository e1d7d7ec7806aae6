#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace spanbench {

using CsvRow = std::vector<std::string>;

// One CSV line (RFC 4180 quoting where a field needs it), ending in "\n".
std::string csv_line(const CsvRow& fields);
// Parses CSV text into rows (quoted fields, doubled quotes, CRLF or LF).
std::vector<CsvRow> parse_csv(const std::string& text);
// Reads and parses a CSV file; throws spanbench::Error when unreadable.
std::vector<CsvRow> read_csv_file(const std::filesystem::path& file);

// A CSV file that grows one row at a time: the file is rewritten atomically
// (core/file_io.h) as each row is added, so a sweep that is interrupted keeps
// every finished run and a crash never leaves half a row.
class CsvAppender {
 public:
  // Starts `file` afresh with `header` (creating its folder). Throws
  // spanbench::Error when the file cannot be written.
  CsvAppender(std::filesystem::path file, CsvRow header);
  void append(const CsvRow& row);
  const std::filesystem::path& file() const { return file_; }
  size_t rows() const { return rows_; }

 private:
  std::filesystem::path file_;
  size_t columns_;
  std::string text_;  // what the file holds: rewritten whole on each row
  size_t rows_ = 0;
};

// Shortest round-trip text of a number ("0.5", "1e+06").
std::string csv_number(double v);

}  // namespace spanbench
