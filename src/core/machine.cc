#include "core/machine.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace spanbench {
namespace {
std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(colon + 2);
    }
  }
  return "unknown";
}

std::string scaling_governor() {
  std::ifstream in("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
  std::string g;
  if (in >> g) return g;
  return "unknown";
}
}  // namespace

nlohmann::json machine_context() {
  struct utsname u = {};
  uname(&u);
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  return {
      {"host", host},
      {"kernel", std::string(u.sysname) + " " + u.release},
      {"cpu_model", cpu_model()},
      {"num_cpus", sysconf(_SC_NPROCESSORS_ONLN)},
      {"cpu_scaling_governor", scaling_governor()},
      {"spanbench_version", SPANBENCH_VERSION},
      {"schema_version", 1},
  };
}

}  // namespace spanbench
