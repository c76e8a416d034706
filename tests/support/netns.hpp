#pragma once
// Test "hosts" made of Linux network namespaces: each host is a namespace with
// two veth pairs to the test process's namespace, one that reaches Redis and
// one that reaches PostgreSQL, so a test can cut either path or both. A cut is
// a link taken down on the test's side (no netem here): packets are dropped
// silently, like a pulled cable, and established TCP connections survive a
// short cut by retransmitting after the heal.
//
// Needs root (CAP_SYS_ADMIN + CAP_NET_ADMIN) and iproute2; NetnsUnavailable()
// says why not, for GTEST_SKIP.
#include <memory>
#include <string>
#include <vector>

#include "devenv/process.hpp"
#include "test_env.hpp"  // RunCommand

namespace postwork::testing {

// "" when this process can create namespaces and veth pairs, else the reason.
std::string NetnsUnavailable();

// One veth pair: host_* on the test's side, ns_* inside the namespace.
struct VethLink {
  std::string host_if, ns_if;
  std::string host_addr, ns_addr;  // a /30 of their own
};

enum class Path { kRedis, kPostgres, kBoth };

class NetworkNamespace {
 public:
  // `subnet` is the third octet of 10.213.<subnet>.0/24 (one per test process:
  // see PickSubnet); `index` numbers the hosts of that process (0..31).
  NetworkNamespace(int subnet, int index);
  ~NetworkNamespace();
  NetworkNamespace(const NetworkNamespace&) = delete;
  NetworkNamespace& operator=(const NetworkNamespace&) = delete;

  const std::string& name() const { return name_; }
  const VethLink& redis_link() const { return redis_; }
  const VethLink& postgres_link() const { return postgres_; }

  // Link down (Partition) or up again (Heal) on the test's side.
  void Partition(Path path = Path::kBoth);
  void Heal(Path path = Path::kBoth);

  // Starts a process inside the namespace (`ip netns exec NAME ...`, which
  // execs in place: the child's pid is the program's).
  devenv::ChildProcess Start(devenv::SpawnOptions options) const;

 private:
  void SetLink(const VethLink& link, bool up);
  void Teardown() noexcept;

  std::string name_;
  VethLink redis_, postgres_;
};

// A free 10.213.X.0/24 for this process: starts from the pid so parallel test
// processes pick different ones, and skips any already on an interface.
int PickSubnet();

}  // namespace postwork::testing
