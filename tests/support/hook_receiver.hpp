#pragma once
// A real HTTP webhook receiver on a free loopback port (cpp-httplib, its own
// thread) that records every request:
//   POST /ok             200
//   POST /status/<N>     N
//   POST /ratelimited    429 with Retry-After: 3600
//   POST /flaky/<N>      500 for the first N requests on that path, then 200
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace postwork::testing {

struct HookRequest {
  std::string path, body, event_id, timestamp, signature;
};

class HookReceiver {
 public:
  HookReceiver();
  ~HookReceiver();
  HookReceiver(const HookReceiver&) = delete;
  HookReceiver& operator=(const HookReceiver&) = delete;

  std::string Url(const std::string& path) const;
  std::vector<HookRequest> Requests() const;
  // Waits (polling, no fixed sleep) until at least `n` requests arrived.
  bool WaitForRequests(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mu_;
  std::vector<HookRequest> requests_;
  std::map<std::string, int> hits_;
};

}  // namespace postwork::testing
