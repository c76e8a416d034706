#pragma once
// The table people read and the JSON machines read; with a peer, the
// postwork / peer ratios against the targets of issue 7.
#include <ostream>
#include <string>
#include <vector>

#include "bench/result.hpp"

namespace postwork::bench {

struct Machine {
  unsigned cores = 0;
  std::string cpu_model;
  double ram_gib = 0;
  std::string date_utc;  // when the run started
};
Machine DescribeMachine();

struct Report {
  Machine machine;
  int runs = 0;
  int payload_bytes = 0;            // --payload-bytes (0: every payload is {})
  std::vector<RunResult> postwork;  // medians, one per scenario
  std::vector<RunResult> peer;      // medians of the peer, same order (may be empty)
  std::vector<std::vector<RunResult>> postwork_runs, peer_runs;
  std::vector<std::pair<std::string, std::string>> pending;  // scenario, why not run
};

void PrintTable(std::ostream& out, const Report& report);
nlohmann::json ReportJson(const Report& report);

}  // namespace postwork::bench
