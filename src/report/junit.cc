#include "report/junit.h"

#include <fmt/format.h>

#include "core/error.h"

namespace spanbench {

std::string xml_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // XML 1.0 forbids most control characters even when escaped.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r') {
          out += ' ';
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string junit_xml(const JUnitSuite& suite) {
  size_t failures = 0;
  double seconds = 0;
  for (const auto& c : suite.cases) {
    if (c.failure) ++failures;
    seconds += c.seconds;
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites tests=\"{}\" failures=\"{}\" errors=\"0\" time=\"{:.3f}\">\n",
                     suite.cases.size(), failures, seconds);
  out += fmt::format(
      "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\" "
      "time=\"{:.3f}\">\n",
      xml_escape(suite.name), suite.cases.size(), failures, seconds);
  for (const auto& c : suite.cases) {
    out += fmt::format("    <testcase name=\"{}\" classname=\"{}\" time=\"{:.3f}\"",
                       xml_escape(c.name), xml_escape(c.classname), c.seconds);
    if (!c.failure && c.output.empty()) {
      out += "/>\n";
      continue;
    }
    out += ">\n";
    if (c.failure) {
      out += fmt::format("      <failure message=\"{}\">{}</failure>\n", xml_escape(*c.failure),
                         xml_escape(*c.failure));
    }
    if (!c.output.empty()) {
      out += fmt::format("      <system-out>{}</system-out>\n", xml_escape(c.output));
    }
    out += "    </testcase>\n";
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace spanbench
