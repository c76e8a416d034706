#pragma once
// A small "data centre" for partition tests: N hosts (network namespaces) and
// one private Redis and one private PostgreSQL that listen on 127.0.0.1 (for
// the test itself) and on the test-side address of every host's link, so each
// host reaches them over links a test can cut.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "devenv/servers.hpp"
#include "netns.hpp"

namespace postwork::testing {

class NetnsLab {
 public:
  // Creates the namespaces, starts both servers and migrates the database.
  explicit NetnsLab(int hosts);
  ~NetnsLab();

  int hosts() const { return static_cast<int>(hosts_.size()); }
  NetworkNamespace& host(int i) { return *hosts_.at(static_cast<size_t>(i)); }
  const std::filesystem::path& dir() const { return dir_; }

  // As seen from the test's own namespace.
  std::string redis_url() const { return redis_->url(); }
  std::string database_url() const { return postgres_->url(); }
  // As seen from inside host i, over its own links.
  std::string RedisUrlFor(int i) const;
  std::string DatabaseUrlFor(int i) const;

  // `postwork ARGS...` inside host i with that host's URLs in its environment;
  // output goes to dir()/LOG_NAME.
  devenv::ChildProcess StartPostwork(int i, const std::vector<std::string>& args,
                                     const std::string& log_name);
  // `postwork ARGS...` to completion in the test's own namespace.
  std::pair<int, std::string> RunPostwork(const std::vector<std::string>& args) const;
  // Heals every link (a test that failed mid-partition leaves none cut).
  void HealAll();
  // Kills everything still running in the hosts and makes them anew: a TCP
  // connection a killed worker left behind (its data still retransmitted by
  // the kernel) can then never reach the servers in a later test.
  void RebuildHosts();
  // Empties Redis and the job tables.
  void Reset();

 private:
  std::filesystem::path dir_;
  int subnet_ = 0;
  std::vector<std::unique_ptr<NetworkNamespace>> hosts_;
  std::unique_ptr<devenv::RedisServer> redis_;
  std::unique_ptr<devenv::PostgresServer> postgres_;
};

}  // namespace postwork::testing
