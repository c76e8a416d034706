#include "core/process_stats.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace postwork::core {
namespace {
// /proc/stat's btime: boot time in seconds since the epoch.
double BootTimeSeconds() {
  std::ifstream in("/proc/stat");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("btime ", 0) == 0) return std::stod(line.substr(6));
  }
  return 0;
}
}  // namespace

ProcessStats ReadProcessStats() {
  ProcessStats s;
  rusage ru{};
  if (::getrusage(RUSAGE_SELF, &ru) == 0) {
    s.cpu_seconds = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                    static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  }
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0) s.max_fds = static_cast<int64_t>(lim.rlim_cur);

  // /proc/self/stat: fields after the parenthesised command name; 20 is
  // num_threads, 22 starttime (clock ticks after boot), 23 vsize, 24 rss (pages).
  std::ifstream stat("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  if (auto close = text.rfind(')'); close != std::string::npos) {
    std::istringstream rest(text.substr(close + 2));
    std::vector<std::string> f;
    for (std::string tok; rest >> tok;) f.push_back(tok);
    // f[0] is field 3 (state).
    auto field = [&](size_t n) -> int64_t { return n - 3 < f.size() ? std::stoll(f[n - 3]) : 0; };
    s.threads = field(20);
    long ticks = ::sysconf(_SC_CLK_TCK);
    if (ticks > 0) {
      s.start_time_seconds =
          BootTimeSeconds() + static_cast<double>(field(22)) / static_cast<double>(ticks);
    }
    s.virtual_bytes = field(23);
    s.resident_bytes = field(24) * ::sysconf(_SC_PAGESIZE);
  }

  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    ++s.open_fds;
    auto target = std::filesystem::read_symlink(entry.path(), ec);
    if (!ec && target.native().rfind("socket:", 0) == 0) ++s.open_sockets;
  }
  return s;
}

}  // namespace postwork::core
