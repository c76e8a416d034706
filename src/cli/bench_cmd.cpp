// `postwork bench`: the scenarios of issue 7 on private Redis + PostgreSQL
// (fsync on, pg_stat_statements loaded), each run several times, the median
// printed as a table (or JSON). With --peer, the same scenarios run through a
// peer system's script in alternation (bench/compare.sh runs BullMQ this way).
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>

#include "app/log.hpp"
#include "bench/peer.hpp"
#include "bench/report.hpp"
#include "bench/scenarios.hpp"
#include "cli/context.hpp"
#include "devenv/servers.hpp"
#include "pg/migrator.hpp"
#include "postwork/error.hpp"

namespace postwork::cli {
namespace fs = std::filesystem;
namespace {
struct BenchFlags {
  bool quick = false;
  int runs = 0;
  std::vector<std::string> scenarios;
  std::string peer, peer_name = "peer";
  bool destroy_data = false;
  bool keep = false;
  std::string json_file;
  int payload_bytes = 0;
};

// A scratch folder for server data and logs, removed at the end.
struct ScratchDir {
  fs::path path;
  bool keep = false;
  ScratchDir() {
    char tmpl[] = "/tmp/postwork-bench-XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    path = tmpl;
    ::chmod(path.c_str(), 0755);  // PostgreSQL runs unprivileged when we are root
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!keep) fs::remove_all(path, ec);
  }
};

std::vector<bench::ScenarioSpec> Selected(const BenchFlags& f) {
  auto all = bench::DefaultScenarios(f.quick);
  // email-send builds its own campaign payloads.
  for (auto& s : all) {
    if (s.name != "email-send") s.payload_bytes = f.payload_bytes;
  }
  if (f.scenarios.empty()) return all;
  std::vector<bench::ScenarioSpec> out;
  for (const auto& name : f.scenarios) {
    auto it = std::find_if(all.begin(), all.end(), [&](const auto& s) { return s.name == name; });
    if (it == all.end()) {
      std::string names;
      for (const auto& s : all) names += " " + s.name;
      throw ConfigError("--scenario: unknown '" + name + "' (one of:" + names + ")");
    }
    out.push_back(*it);
  }
  return out;
}

bench::Report RunAll(const bench::BenchEnv& env, const BenchFlags& f,
                     const std::vector<bench::ScenarioSpec>& specs) {
  bench::Report report{
      .machine = bench::DescribeMachine(), .runs = f.runs, .payload_bytes = f.payload_bytes};
  report.postwork_runs.resize(specs.size());
  if (!f.peer.empty()) report.peer_runs.resize(specs.size());
  const bench::PeerOptions peer{.name = f.peer_name, .command = f.peer};
  auto progress = [](int run, const bench::RunResult& r) {
    std::cerr << "  run " << run << "  " << r.system << "  " << r.scenario << ": "
              << static_cast<int64_t>(r.jobs_per_s.value_or(0)) << " jobs/s";
    if (r.p99_ms) std::cerr << ", p99 " << *r.p99_ms << " ms";
    if (r.detail.contains("sink_cores")) {
      // email-send: which side is the limit, in CPU cores busy over the window.
      std::cerr << std::fixed << std::setprecision(2) << " (cores busy: worker "
                << r.detail["worker_cores"].get<double>() << ", SMTP sink "
                << r.detail["sink_cores"].get<double>() << ")" << std::defaultfloat;
    }
    std::cerr << "\n";
  };
  for (int run = 1; run <= f.runs; ++run) {
    for (size_t i = 0; i < specs.size(); ++i) {
      // Alternate who goes first, so neither always meets a warmer machine.
      bool peer_first = !f.peer.empty() && run % 2 == 0;
      for (int turn = 0; turn < (f.peer.empty() || !specs[i].peer ? 1 : 2); ++turn) {
        if ((turn == 0) != peer_first || !specs[i].peer) {
          auto r = bench::RunScenario(env, specs[i]);
          progress(run, r);
          report.postwork_runs[i].push_back(std::move(r));
        } else {
          auto r = bench::RunPeer(env, peer, specs[i]);
          progress(run, r);
          report.peer_runs[i].push_back(std::move(r));
        }
      }
    }
  }
  for (const auto& runs : report.postwork_runs) report.postwork.push_back(bench::Median(runs));
  // Scenarios the peer does not run (worker-tenants) have no peer column.
  std::erase_if(report.peer_runs, [](const auto& runs) { return runs.empty(); });
  for (const auto& runs : report.peer_runs) report.peer.push_back(bench::Median(runs));
  report.pending = bench::PendingScenarios();
  return report;
}

void Prepare(const std::string& database_url) {
  pg::Connection conn(database_url);
  pg::Migrator(conn).Up();
  try {
    conn.Exec("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
  } catch (const std::exception&) {
    // Not preloaded (someone else's server): statements are counted as transactions.
  }
}
}  // namespace

void AddBench(CLI::App& app, Context& ctx, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "bench", "Benchmark scenarios on private Redis + PostgreSQL (fsync on); prints a table");
  auto f = std::make_shared<BenchFlags>();
  cmd->add_flag("--quick", f->quick, "Small sizes, one run (CI)");
  cmd->add_option("--runs", f->runs,
                  "Runs per scenario; the median is reported (3, or 1 with --quick)")
      ->check(CLI::Range(1, 50));
  cmd->add_option("--scenario", f->scenarios,
                  "Only these scenarios (repeat or comma list): queue-add, queue-add-bulk, "
                  "worker-generic, worker-concurrent, worker-tenants, latency, email-send")
      ->delimiter(',');
  cmd->add_flag("--json", ctx.json, "JSON instead of the table");
  cmd->add_option("--peer", f->peer,
                  "Also run every scenario through this shell command, alternating "
                  "(bench/compare.sh)");
  cmd->add_option("--peer-name", f->peer_name, "Name of the peer system in the output");
  cmd->add_flag("--destroy-data", f->destroy_data,
                "Allow --redis-url/--database-url: bench FLUSHALLs that Redis and truncates "
                "the job tables");
  cmd->add_option("--json-file", f->json_file, "Also write the JSON report to this file");
  cmd->add_option("--payload-bytes", f->payload_bytes,
                  "Each job's payload: {\"body\": \"<this many bytes>\"} instead of {} "
                  "(the peer gets the same)")
      ->check(CLI::Range(0, 1 << 20));
  cmd->add_flag("--keep", f->keep, "Keep the scratch folder (server data, worker logs)");
  cmd->callback([&ctx, &exit_code, f] {
    log::Setup(ctx.log_level.value_or("warn"), ctx.log_format.value_or("auto"));
    if (f->runs == 0) f->runs = f->quick ? 1 : 3;
    auto specs = Selected(*f);
    ScratchDir scratch;
    scratch.keep = f->keep;
    bench::BenchEnv env{.binary = fs::read_symlink("/proc/self/exe").string(),
                        .work_dir = scratch.path};
    std::unique_ptr<devenv::RedisServer> redis;
    std::unique_ptr<devenv::PostgresServer> postgres;
    if (ctx.redis_url || ctx.database_url) {
      // Only servers named on this command line, never ones from the
      // environment or a config file: the runs wipe them.
      if (!ctx.redis_url || !ctx.database_url) {
        throw ConfigError("bench: give both --redis-url and --database-url, or neither");
      }
      if (!f->destroy_data) {
        throw ConfigError(
            "bench flushes that Redis and truncates the job tables of that "
            "database: add --destroy-data if that is what you want");
      }
      env.redis_url = *ctx.redis_url;
      env.database_url = *ctx.database_url;
    } else {
      redis = std::make_unique<devenv::RedisServer>(
          devenv::RedisServerOptions{.dir = scratch.path / "redis"});
      fs::create_directories(scratch.path / "pg");
      ::chmod((scratch.path / "pg").c_str(), 0755);
      postgres = std::make_unique<devenv::PostgresServer>(devenv::PostgresServerOptions{
          .data_dir = scratch.path / "pg" / "data",
          .fsync = true,
          .settings = {"shared_preload_libraries=pg_stat_statements",
                       "pg_stat_statements.track=top", "pg_stat_statements.track_utility=on"}});
      redis->Start();
      postgres->Start();
      env.redis_url = redis->url();
      env.database_url = postgres->url();
      env.postgres_pid = postgres->pid();
      std::cerr << "postwork bench: Redis " << redis->url() << ", PostgreSQL " << postgres->url()
                << " (fsync on), scratch " << scratch.path.string() << "\n";
    }
    Prepare(env.database_url);
    auto report = RunAll(env, *f, specs);
    if (!f->json_file.empty()) {
      std::ofstream(f->json_file) << bench::ReportJson(report).dump(2) << "\n";
    }
    if (ctx.json) {
      std::cout << bench::ReportJson(report).dump(2) << "\n";
    } else {
      bench::PrintTable(std::cout, report);
    }
    if (postgres) postgres->Stop();
    if (redis) redis->Stop();
    exit_code = 0;
  });
}

}  // namespace postwork::cli
