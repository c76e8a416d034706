#pragma once
// This process's resource use, read from /proc (Linux), for GET /metrics and
// `postwork top`.
#include <cstdint>

namespace postwork::core {

struct ProcessStats {
  double cpu_seconds = 0;  // user + system
  int64_t resident_bytes = 0;
  int64_t virtual_bytes = 0;
  int64_t open_fds = 0;
  int64_t max_fds = 0;            // the soft RLIMIT_NOFILE
  int64_t open_sockets = 0;       // of the open fds, the sockets (Redis, PostgreSQL, HTTP, SMTP)
  double start_time_seconds = 0;  // since the Unix epoch
  int64_t threads = 0;
};

ProcessStats ReadProcessStats();

}  // namespace postwork::core
