#include "redis/connection.hpp"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <charconv>
#include <memory>

#include "postwork/error.hpp"
#include "redis/scripts.hpp"

namespace postwork::redis {
namespace {
struct ReplyDeleter {
  void operator()(redisReply* r) const {
    if (r) freeReplyObject(r);
  }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

timeval ToTimeval(std::chrono::milliseconds ms) {
  return timeval{.tv_sec = static_cast<time_t>(ms.count() / 1000),
                 .tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

// The reader builds our Value tree directly (hiredis's object functions): no
// redisReply per element and no second copy of every string. A child is a slot
// of its parent's `elements`, sized when the parent array was read; only the
// root is allocated, and only the root is ever freed.
Value* Slot(const redisReadTask* task) {
  if (task->parent == nullptr) return new Value;
  auto* parent = static_cast<Value*>(task->parent->obj);
  return &parent->elements[static_cast<size_t>(task->idx)];
}

void* CreateString(const redisReadTask* task, char* str, size_t len) {
  Value* v = Slot(task);
  switch (task->type) {
    case REDIS_REPLY_ERROR:
      v->type = Value::Type::kError;
      break;
    case REDIS_REPLY_STATUS:
      v->type = Value::Type::kStatus;
      break;
    default:
      v->type = Value::Type::kString;
  }
  v->str.assign(str, len);
  return v;
}

void* CreateArray(const redisReadTask* task, int elements) {
  Value* v = Slot(task);
  v->type = Value::Type::kArray;
  v->elements.resize(static_cast<size_t>(std::max(0, elements)));
  return v;
}

void* CreateInteger(const redisReadTask* task, long long value) {
  Value* v = Slot(task);
  v->type = Value::Type::kInteger;
  v->integer = value;
  return v;
}

void* CreateNil(const redisReadTask* task) { return Slot(task); }  // Value() is nil

void FreeValue(void* root) { delete static_cast<Value*>(root); }

redisReplyObjectFunctions kValueFunctions = {CreateString, CreateArray, CreateInteger, CreateNil,
                                             FreeValue};

std::vector<const char*> Argv(const std::vector<std::string>& argv, std::vector<size_t>& lens) {
  std::vector<const char*> ptrs;
  ptrs.reserve(argv.size());
  lens.clear();
  for (const auto& a : argv) {
    ptrs.push_back(a.data());
    lens.push_back(a.size());
  }
  return ptrs;
}
}  // namespace

int64_t Value::AsInt() const {
  if (type == Type::kInteger) return integer;
  int64_t out = 0;
  std::from_chars(str.data(), str.data() + str.size(), out);
  return out;
}

Connection::Connection(RedisUrl url, std::chrono::milliseconds timeout)
    : url_(std::move(url)), timeout_(timeout) {}

Connection::~Connection() { Disconnect(); }

void Connection::Disconnect() {
  if (ctx_) redisFree(ctx_);
  ctx_ = nullptr;
}

void Connection::Fail(const std::string& what) {
  std::string msg = "Redis " + url_.host + ":" + std::to_string(url_.port) + ": " + what;
  if (ctx_ && ctx_->err) msg += ": " + std::string(ctx_->errstr);
  Disconnect();
  throw UnavailableError(msg);
}

void Connection::ResolveMaster() {
  timeval tv = ToTimeval(std::min(timeout_, std::chrono::milliseconds(1000)));
  std::string last_error = "no sentinel answered";
  for (const auto& [host, port] : url_.sentinels) {
    std::unique_ptr<redisContext, void (*)(redisContext*)> s(
        redisConnectWithTimeout(host.c_str(), port, tv), redisFree);
    if (!s || s->err) {
      last_error = "sentinel " + host + ":" + std::to_string(port) + " unreachable";
      continue;
    }
    redisSetTimeout(s.get(), tv);
    if (!url_.sentinel_password.empty()) {
      ReplyPtr auth(static_cast<redisReply*>(redisCommand(
          s.get(), "AUTH %b", url_.sentinel_password.data(), url_.sentinel_password.size())));
      if (!auth || auth->type == REDIS_REPLY_ERROR) {
        last_error = "sentinel " + host + ":" + std::to_string(port) + ": authentication failed";
        continue;
      }
    }
    ReplyPtr r(static_cast<redisReply*>(redisCommand(s.get(), "SENTINEL get-master-addr-by-name %b",
                                                     url_.sentinel_master.data(),
                                                     url_.sentinel_master.size())));
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
        r->element[0]->type == REDIS_REPLY_STRING && r->element[1]->type == REDIS_REPLY_STRING) {
      int master_port = 0;
      std::from_chars(r->element[1]->str, r->element[1]->str + r->element[1]->len, master_port);
      url_.host.assign(r->element[0]->str, r->element[0]->len);
      url_.port = master_port;
      return;
    }
    last_error = "sentinel " + host + ":" + std::to_string(port) + " does not know master '" +
                 url_.sentinel_master + "'";
  }
  throw UnavailableError("Redis Sentinel: " + last_error);
}

void Connection::EnsureConnected() {
  if (ctx_) return;
  if (!url_.sentinels.empty()) ResolveMaster();
  timeval tv = ToTimeval(timeout_);
  ctx_ = redisConnectWithTimeout(url_.host.c_str(), url_.port, tv);
  if (!ctx_) throw UnavailableError("Redis: out of memory allocating a connection");
  if (ctx_->err) Fail("cannot connect");
  ctx_->reader->fn = &kValueFunctions;
  // Keep the read buffer between replies: by default hiredis frees it once it
  // has more than 16 KiB spare, and a batch's reply grows it again, doubling.
  ctx_->reader->maxbuf = 0;
  redisSetTimeout(ctx_, tv);
  redisEnableKeepAlive(ctx_);
  if (!url_.password.empty()) {
    std::vector<std::string> auth = {"AUTH"};
    if (!url_.user.empty()) auth.push_back(url_.user);
    auth.push_back(url_.password);
    Value v = Command(auth);
    // Never echo the password: the server's message does not contain it.
    if (v.is_error()) {
      Disconnect();
      throw UnavailableError("Redis " + url_.host + ":" + std::to_string(url_.port) +
                             ": authentication failed: " + v.str);
    }
  }
  if (url_.db != 0) {
    Value v = Command({"SELECT", std::to_string(url_.db)});
    if (v.is_error()) {
      Disconnect();
      throw UnavailableError("Redis: SELECT " + std::to_string(url_.db) + " failed: " + v.str);
    }
  }
  if (!url_.sentinels.empty()) {
    // During a failover a sentinel may still name the old master (now a
    // replica, or about to be): write only to a server that says it is master.
    Value role = Command({"ROLE"});
    std::string what = role.elements.empty() ? role.str : role.elements[0].str;
    if (what != "master") Fail("sentinel named it master, but its role is '" + what + "'");
  }
}

Value Connection::ToValue(void* raw) {
  std::unique_ptr<Value> reply(static_cast<Value*>(raw));  // built by kValueFunctions
  if (!reply) Fail("connection lost");
  Value v = std::move(*reply);
  // Errors that mean "this server cannot serve you right now" are outages, not
  // bugs: loading its data after a restart, a replica during failover, a
  // script running too long. The caller retries with backoff.
  if (v.is_error()) {
    for (const char* transient :
         {"LOADING", "MASTERDOWN", "READONLY", "TRYAGAIN", "BUSY ", "CLUSTERDOWN", "NOREPLICAS"}) {
      if (v.str.rfind(transient, 0) == 0) {
        std::string msg = "Redis " + url_.host + ":" + std::to_string(url_.port) + ": " + v.str;
        Disconnect();  // also drops unread pipeline replies; the next call reconnects
        throw UnavailableError(msg);
      }
    }
  }
  return v;
}

Value Connection::Command(const std::vector<std::string>& argv) {
  EnsureConnected();
  std::vector<size_t> lens;
  auto ptrs = Argv(argv, lens);
  return ToValue(redisCommandArgv(ctx_, static_cast<int>(argv.size()), ptrs.data(), lens.data()));
}

std::vector<Value> Connection::Pipeline(const std::vector<std::vector<std::string>>& commands) {
  EnsureConnected();
  std::vector<size_t> lens;
  for (const auto& argv : commands) {
    auto ptrs = Argv(argv, lens);
    if (redisAppendCommandArgv(ctx_, static_cast<int>(argv.size()), ptrs.data(), lens.data()) !=
        REDIS_OK) {
      Fail("cannot queue a pipelined command");
    }
  }
  std::vector<Value> out;
  out.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(ctx_, &raw) != REDIS_OK) Fail("connection lost in a pipeline");
    out.push_back(ToValue(raw));
  }
  return out;
}

Value Connection::Eval(const Script& script, const std::vector<std::string>& keys,
                       const std::vector<std::string>& args) {
  // Pointers into the caller's strings: a batch's arguments are not copied.
  std::vector<std::string_view> views(args.begin(), args.end());
  return EvalViews(script, keys, views);
}

Value Connection::EvalViews(const Script& script, const std::vector<std::string>& keys,
                            const std::vector<std::string_view>& args) {
  const std::string nkeys = std::to_string(keys.size());
  std::vector<std::string_view> argv;
  argv.reserve(3 + keys.size() + args.size());
  argv.push_back("EVALSHA");
  argv.push_back(script.sha1);
  argv.push_back(nkeys);
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  auto run = [&] { return Send(argv); };
  Value v = run();
  if (v.is_error() && v.str.rfind("NOSCRIPT", 0) == 0) {
    Value loaded = Command({"SCRIPT", "LOAD", script.body});
    if (loaded.is_error()) throw CommandError("loading script " + script.name + ": " + loaded.str);
    v = run();
  }
  if (v.is_error()) throw CommandError("script " + script.name + ": " + v.str);
  return v;
}

Value Connection::Send(const std::vector<std::string_view>& argv) {
  EnsureConnected();
  // The protocol by hand: hiredis would build it with a formatted append per
  // argument into a buffer allocated for this call.
  size_t size = 16;
  for (const auto& a : argv) size += a.size() + 24;
  command_.clear();
  command_.reserve(size);
  char num[24];
  auto header = [&](char kind, size_t n) {
    command_ += kind;
    auto [end, ec] = std::to_chars(num, num + sizeof(num), n);
    command_.append(num, static_cast<size_t>(end - num));
    command_ += "\r\n";
  };
  header('*', argv.size());
  for (const auto& a : argv) {
    header('$', a.size());
    command_.append(a);
    command_ += "\r\n";
  }
  if (redisAppendFormattedCommand(ctx_, command_.data(), command_.size()) != REDIS_OK) {
    Fail("cannot send a command");
  }
  // A producer's batch of large payloads can make this megabytes: not kept.
  if (command_.capacity() > (4u << 20)) std::string().swap(command_);
  void* raw = nullptr;
  if (redisGetReply(ctx_, &raw) != REDIS_OK) Fail("connection lost");
  return ToValue(raw);
}

Value Connection::BlockingCommand(const std::vector<std::string>& argv,
                                  std::chrono::milliseconds timeout) {
  EnsureConnected();
  timeval longer = ToTimeval(timeout + timeout_);
  redisSetTimeout(ctx_, longer);
  Value v = Command(argv);
  if (ctx_) redisSetTimeout(ctx_, ToTimeval(timeout_));
  return v;
}

void Connection::Ping() {
  Value v = Command({"PING"});
  if (v.is_error()) throw UnavailableError("Redis PING failed: " + v.str);
}

}  // namespace postwork::redis
