#pragma once
// An HTTP server on its own thread (cpp-httplib's thread pool behind it):
// binds at construction so the port is known (and errors show) before the
// caller goes on; stops and joins on destruction.
#include <atomic>
#include <exception>
#include <memory>
#include <string>
#include <thread>

namespace httplib {
class Server;
}

namespace postwork::http {

struct ListenAddress {
  std::string host = "127.0.0.1";
  int port = 0;  // 0 = a free port, chosen at bind time
};

// "127.0.0.1:8080", "[::1]:9000", "0.0.0.0:0", ":8080" (= 127.0.0.1). ConfigError otherwise.
ListenAddress ParseListenAddress(const std::string& text);
// 127.0.0.0/8, ::1 and "localhost".
bool IsLoopbackHost(const std::string& host);
// What an HTTP handler threw, for the servers' exception handlers ("unknown
// error" for something that is not a std::exception).
std::string ExceptionMessage(std::exception_ptr ep);

class Listener {
 public:
  // Throws ConfigError when the address cannot be bound.
  Listener(std::unique_ptr<httplib::Server> server, const ListenAddress& address);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  int port() const { return port_; }
  const std::string& host() const { return host_; }
  // "http://127.0.0.1:PORT"
  std::string url() const;
  void Stop();

 private:
  std::unique_ptr<httplib::Server> server_;
  std::string host_;
  int port_ = 0;
  std::atomic<bool> listening_done_{false};
  std::thread thread_;
};

// Headers every postwork response carries: no sniffing, no framing, no
// referrer, and a strict Content-Security-Policy (scripts only from us).
void ApplySecurityHeaders(httplib::Server& server);

}  // namespace postwork::http
