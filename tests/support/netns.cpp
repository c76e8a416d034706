#include "netns.hpp"

#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace postwork::testing {
namespace {

std::string Address(int subnet, int host) {
  return "10.213." + std::to_string(subnet) + "." + std::to_string(host);
}

void Must(const std::vector<std::string>& argv) {
  auto [code, out] = RunCommand(argv);
  if (code != 0) {
    std::string cmd;
    for (const auto& a : argv) cmd += a + " ";
    throw std::runtime_error("`" + cmd + "` failed (" + std::to_string(code) + "): " + out);
  }
}

}  // namespace

std::string NetnsUnavailable() {
  static const std::string reason = [] {
    if (::geteuid() != 0) return std::string("network namespaces need root (euid is not 0)");
    std::string probe = "pw" + std::to_string(::getpid()) + "probe";
    auto [code, out] = RunCommand({"ip", "netns", "add", probe});
    if (code == 127) return std::string("`ip` (iproute2) is not installed");
    if (code != 0) return "`ip netns add` failed: " + out;
    RunCommand({"ip", "netns", "del", probe});
    return std::string();
  }();
  return reason;
}

int PickSubnet() {
  auto [code, out] = RunCommand({"ip", "-o", "-4", "addr", "show"});
  if (code != 0) throw std::runtime_error("`ip addr show` failed: " + out);
  int start = static_cast<int>(::getpid() % 254) + 1;
  for (int i = 0; i < 254; ++i) {
    int subnet = (start + i - 1) % 254 + 1;
    if (out.find(" 10.213." + std::to_string(subnet) + ".") == std::string::npos) return subnet;
  }
  throw std::runtime_error("no free 10.213.X.0/24 for the test hosts");
}

NetworkNamespace::NetworkNamespace(int subnet, int index) {
  if (index < 0 || index > 31) throw std::invalid_argument("NetworkNamespace: index 0..31");
  std::string tag = "pw" + std::to_string(::getpid());
  std::string n = std::to_string(index);
  name_ = tag + "h" + n;
  int base = index * 8;
  redis_ = {.host_if = tag + "r" + n,
            .ns_if = tag + "R" + n,
            .host_addr = Address(subnet, base + 1),
            .ns_addr = Address(subnet, base + 2)};
  postgres_ = {.host_if = tag + "p" + n,
               .ns_if = tag + "P" + n,
               .host_addr = Address(subnet, base + 5),
               .ns_addr = Address(subnet, base + 6)};
  try {
    Must({"ip", "netns", "add", name_});
    Must({"ip", "-n", name_, "link", "set", "lo", "up"});
    for (const VethLink* link : {&redis_, &postgres_}) {
      Must({"ip", "link", "add", link->host_if, "type", "veth", "peer", "name", link->ns_if,
            "netns", name_});
      Must({"ip", "addr", "add", link->host_addr + "/30", "dev", link->host_if});
      Must({"ip", "-n", name_, "addr", "add", link->ns_addr + "/30", "dev", link->ns_if});
      Must({"ip", "-n", name_, "link", "set", link->ns_if, "up"});
      Must({"ip", "link", "set", link->host_if, "up"});
    }
  } catch (...) {
    Teardown();
    throw;
  }
}

NetworkNamespace::~NetworkNamespace() { Teardown(); }

void NetworkNamespace::Teardown() noexcept {
  try {
    // Whatever still runs inside (a worker a failed assertion left behind)
    // would keep the namespace alive: kill it first.
    auto [code, out] = RunCommand({"ip", "netns", "pids", name_});
    if (code == 0) {
      std::istringstream pids(out);
      for (pid_t pid; pids >> pid;) ::kill(pid, SIGKILL);
    }
    RunCommand({"ip", "link", "del", redis_.host_if});
    RunCommand({"ip", "link", "del", postgres_.host_if});
    RunCommand({"ip", "netns", "del", name_});
  } catch (...) {
  }
}

void NetworkNamespace::SetLink(const VethLink& link, bool up) {
  Must({"ip", "link", "set", link.host_if, up ? "up" : "down"});
}

void NetworkNamespace::Partition(Path path) {
  if (path != Path::kPostgres) SetLink(redis_, false);
  if (path != Path::kRedis) SetLink(postgres_, false);
}

void NetworkNamespace::Heal(Path path) {
  if (path != Path::kPostgres) SetLink(redis_, true);
  if (path != Path::kRedis) SetLink(postgres_, true);
}

devenv::ChildProcess NetworkNamespace::Start(devenv::SpawnOptions options) const {
  options.argv.insert(options.argv.begin(), {"ip", "netns", "exec", name_});
  return devenv::ChildProcess(options);
}

}  // namespace postwork::testing
