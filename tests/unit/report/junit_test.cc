#include "report/junit.h"

#include <gtest/gtest.h>

namespace spanbench {
namespace {

TEST(JUnit, PassingAndFailingCases) {
  JUnitSuite s;
  s.name = "spanbench regress cpp-datadog (quick)";
  s.cases.push_back({"memory", "spanbench.regress.cpp-datadog", 3.25, std::nullopt, ""});
  s.cases.push_back({"cpu", "spanbench.regress.cpp-datadog", 1.5,
                     std::string("cpu: measured +12.0 points, limit < 10 points"), "traced 82%"});
  std::string xml = junit_xml(s);
  EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 0), 0u);
  EXPECT_NE(xml.find("<testsuites tests=\"2\" failures=\"1\" errors=\"0\" time=\"4.750\">"),
            std::string::npos);
  EXPECT_NE(xml.find("<testsuite name=\"spanbench regress cpp-datadog (quick)\" tests=\"2\" "
                     "failures=\"1\""),
            std::string::npos);
  EXPECT_NE(xml.find("<testcase name=\"memory\" classname=\"spanbench.regress.cpp-datadog\" "
                     "time=\"3.250\"/>"),
            std::string::npos);
  EXPECT_NE(xml.find("<failure message=\"cpu: measured +12.0 points, limit &lt; 10 points\">"),
            std::string::npos);
  EXPECT_NE(xml.find("<system-out>traced 82%</system-out>"), std::string::npos);
  EXPECT_NE(xml.find("</testsuites>"), std::string::npos);
}

TEST(JUnit, EscapesMarkupAndControlCharacters) {
  EXPECT_EQ(xml_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
  EXPECT_EQ(xml_escape(std::string("bell\a!")), "bell !");
  EXPECT_EQ(xml_escape("line\nnext"), "line\nnext");
}

TEST(JUnit, EmptySuiteIsStillValid) {
  std::string xml = junit_xml({"empty", {}});
  EXPECT_NE(xml.find("tests=\"0\" failures=\"0\""), std::string::npos);
}

}  // namespace
}  // namespace spanbench
