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
// excluded), read from /proc in one pass. Processes that left their session
// or process group are included: only the parent link counts. Zombies are
// included until their parent reaps them.
std::vector<pid_t> process_descendants(pid_t root);

}  // namespace spanbench
