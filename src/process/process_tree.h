#pragma once

#include <sys/types.h>

#include <optional>
#include <string_view>
#include <vector>

namespace spanbench {

// Parent pid from the text of /proc/PID/stat (the field after the state,
// counted from the last ')' so a command name with spaces or parentheses
// cannot shift it). No I/O, so it can be tested on captured text.
std::optional<pid_t> parse_stat_ppid(std::string_view stat_text);

// Every live process whose chain of parents leads to `root` (root itself
// excluded), read from /proc. Processes that left their session
// or process group are included: only the parent link counts. Zombies are
// included until their parent reaps them.
std::vector<pid_t> process_descendants(pid_t root);
// The same by reading every process's /proc/PID/stat: what
// process_descendants() does where /proc/PID/task/TID/children is missing.
std::vector<pid_t> process_descendants_by_scan(pid_t root);

}  // namespace spanbench
