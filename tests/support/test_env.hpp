#pragma once
// Real servers for integration tests. `make test` starts one private Redis and
// one private PostgreSQL (POSTWORK_TEST_REDIS_URL, POSTWORK_TEST_DATABASE_URL);
// each test binary gets a fresh database and a Redis database of its own.
// Run directly, a binary starts private servers by itself.
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "devenv/process.hpp"
#include "pg/connection.hpp"
#include "redis/connection.hpp"

namespace postwork::testing {

struct TestServers {
  std::string redis_url;     // with a /db of this binary's own
  std::string database_url;  // a fresh, migrated database
};

// Created once per binary; torn down at exit.
const TestServers& Servers();
// Empties this binary's Redis database and every job table.
void ResetState();

// Polls `cond` every 10 ms; false after `timeout`.
bool WaitFor(const std::function<bool()>& cond,
             std::chrono::milliseconds timeout = std::chrono::seconds(30));

// One query's first cell (or "" when no row).
std::string QueryValue(const std::string& sql, const pg::Params& params = {});
int64_t QueryInt(const std::string& sql, const pg::Params& params = {});

// `build/postwork ARGS...` with the test servers in its environment.
devenv::ChildProcess StartPostwork(const std::vector<std::string>& args,
                                   const std::string& log_file = "");
// Runs a command to completion (at most 120 s); {exit code, stdout+stderr}.
// `env`: extra NAME=VALUE entries.
std::pair<int, std::string> RunCommand(const std::vector<std::string>& argv,
                                       const std::vector<std::string>& env = {});
// Runs `postwork ARGS...` to completion; returns {exit code, stdout+stderr}.
std::pair<int, std::string> RunPostwork(const std::vector<std::string>& args);

redis::Connection& Redis();

// A whole file's text ("" when it cannot be read), e.g. a worker's log.
std::string Slurp(const std::string& file);

// A folder /tmp/postwork-<tag>-XXXXXX, readable by the unprivileged user
// PostgreSQL runs as when the tests run as root; removed with its contents.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& tag);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace postwork::testing
