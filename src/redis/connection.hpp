#pragma once
// The only place (with connection.cpp) that includes hiredis.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "redis/url.hpp"

struct redisContext;

namespace postwork::redis {

// A reply, copied out of hiredis so no hiredis type leaks past src/redis.
struct Value {
  enum class Type { kNil, kInteger, kString, kStatus, kArray, kError };
  Type type = Type::kNil;
  int64_t integer = 0;
  std::string str;
  std::vector<Value> elements;

  bool is_nil() const { return type == Type::kNil; }
  bool is_error() const { return type == Type::kError; }
  // Integer replies and numeric strings as a number; 0 for nil.
  int64_t AsInt() const;
  const std::string& AsString() const { return str; }
};

// A server-side error reply (WRONGTYPE, a Lua error...): not transient.
class CommandError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Script;

// One synchronous connection. Not thread-safe: one per thread.
// I/O failures throw UnavailableError and leave the connection closed;
// the next call reconnects.
class Connection {
 public:
  explicit Connection(RedisUrl url,
                      std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Value Command(const std::vector<std::string>& argv);
  // Sends every command, then reads every reply: one round trip.
  std::vector<Value> Pipeline(const std::vector<std::vector<std::string>>& commands);
  // EVALSHA, loading the script on NOSCRIPT (after a Redis restart).
  Value Eval(const Script& script, const std::vector<std::string>& keys,
             const std::vector<std::string>& args);
  // The same with arguments that point into the caller's memory (valid for
  // the call): a batch's ids and queues are not copied into strings.
  Value EvalViews(const Script& script, const std::vector<std::string>& keys,
                  const std::vector<std::string_view>& args);
  // A blocking command (BRPOP...) with a read timeout longer than its own.
  Value BlockingCommand(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

  void Ping();
  bool connected() const { return ctx_ != nullptr; }
  const RedisUrl& url() const { return url_; }

 private:
  void EnsureConnected();
  // With sentinels: the current master's address into url_.host/port.
  void ResolveMaster();
  void Disconnect();
  Value ToValue(void* reply);
  [[noreturn]] void Fail(const std::string& what);
  // Sends one command written in the protocol by us (into command_, reused
  // from call to call) and reads its reply.
  Value Send(const std::vector<std::string_view>& argv);

  RedisUrl url_;
  std::chrono::milliseconds timeout_;
  redisContext* ctx_ = nullptr;
  std::string command_;
};

}  // namespace postwork::redis
