#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace spanbench {

// One test case of a JUnit XML report (the shape CI servers read).
struct JUnitCase {
  std::string name;
  std::string classname;
  double seconds = 0;
  std::optional<std::string> failure;  // message; absent when the case passed
  std::string output;                  // system-out: what was measured
};

struct JUnitSuite {
  std::string name;
  std::vector<JUnitCase> cases;
};

// A <testsuites> document holding `suite`.
std::string junit_xml(const JUnitSuite& suite);
// Escapes &, <, >, " and ' for XML text and attributes.
std::string xml_escape(const std::string& text);

}  // namespace spanbench
