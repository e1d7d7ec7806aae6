#include "report/csv.h"

#include <fmt/format.h>

#include "core/error.h"
#include "core/file_io.h"

namespace spanbench {

std::string csv_line(const CsvRow& fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ',';
    const std::string& f = fields[i];
    if (f.find_first_of(",\"\r\n") == std::string::npos) {
      out += f;
      continue;
    }
    out += '"';
    for (char c : f) {
      if (c == '"') out += '"';
      out += c;
    }
    out += '"';
  }
  out += '\n';
  return out;
}

std::vector<CsvRow> parse_csv(const std::string& text) {
  std::vector<CsvRow> rows;
  CsvRow row;
  std::string field;
  bool quoted = false, row_started = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
      row_started = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      row_started = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (row_started || !field.empty()) {
        row.push_back(std::move(field));
        rows.push_back(std::move(row));
      }
      row.clear();
      field.clear();
      row_started = false;
    } else {
      field += c;
      row_started = true;
    }
  }
  if (row_started || !field.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<CsvRow> read_csv_file(const std::filesystem::path& file) {
  return parse_csv(read_file(file));
}

CsvAppender::CsvAppender(std::filesystem::path file, CsvRow header)
    : file_(std::move(file)), columns_(header.size()) {
  text_ = csv_line(header);
  write_file_atomically(file_, text_);
}

void CsvAppender::append(const CsvRow& row) {
  if (row.size() != columns_) {
    throw Error(fmt::format("CSV row for {} has {} fields, the header {}", file_.string(),
                            row.size(), columns_));
  }
  std::string text = text_ + csv_line(row);
  write_file_atomically(file_, text);
  text_ = std::move(text);
  ++rows_;
}

std::string csv_number(double v) { return fmt::format("{}", v); }

}  // namespace spanbench
