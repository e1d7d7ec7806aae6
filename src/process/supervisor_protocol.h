#pragma once

// What spanbench and spanbench-supervisor say to each other. The supervisor
// is a small program spanbench starts for each child; it starts the child,
// is the subreaper of everything the child starts, copies the child's output
// into a size-capped log file, and ends the whole tree when asked, when the
// child exits, or when spanbench dies (its channel reaches EOF).
//
//   spanbench-supervisor --log FILE --log-head BYTES --log-tail BYTES -- PROGRAM ARG...
//
// PROGRAM must be a path (spanbench searches PATH). The supervisor runs in
// the child's working directory and passes its own environment on.

#include <sys/resource.h>

#include <cstdint>

namespace spanbench::supervisor {

// The supervisor's end of a SOCK_SEQPACKET socket pair: spanbench sends
// one-byte commands, the supervisor sends Records; EOF means spanbench is gone.
inline constexpr int kChannelFd = 3;

// Commands, one byte each.
inline constexpr char kTerminate = 'T';  // SIGTERM to every process of the tree
inline constexpr char kKill = 'K';       // SIGKILL to every process of the tree

enum class RecordKind : int32_t {
  kStarted = 1,      // value = child pid; the child has exec'd
  kStartFailed = 2,  // value = errno of exec (or of setting up the child)
  kExited = 3,       // wait_status and usage of the child (wait4)
  kDone = 4,         // value = processes left behind by the child and killed; tree is gone
};

// One message each on the channel.
struct Record {
  RecordKind kind = RecordKind::kStarted;
  int32_t value = 0;
  int32_t wait_status = 0;
  int32_t reserved = 0;
  struct rusage usage = {};
};

}  // namespace spanbench::supervisor
