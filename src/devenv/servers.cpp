#include "devenv/servers.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <stdexcept>

#include "devenv/server_files.hpp"
#include "pg/connection.hpp"
#include "postwork/error.hpp"
#include "redis/connection.hpp"
#include "redis/url.hpp"

namespace postwork::embedded {
const std::map<std::string, std::string_view>& aiosmtpd_handlers();
}  // namespace postwork::embedded

namespace postwork::devenv {
namespace fs = std::filesystem;
namespace {

fs::path FindPostgresBin() {
  std::vector<fs::path> found;
  if (fs::exists("/usr/lib/postgresql")) {
    for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql")) {
      if (fs::exists(entry.path() / "bin" / "postgres")) found.push_back(entry.path() / "bin");
    }
  }
  if (found.empty()) {
    throw ConfigError(
        "PostgreSQL server binaries not found under /usr/lib/postgresql; run "
        "scripts/install-deps.sh");
  }
  std::sort(found.begin(), found.end());
  return found.back();
}

// True once something on 127.0.0.1:port answers with an SMTP greeting.
bool SmtpGreets(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{.tv_sec = 1, .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  bool ok = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    char buf[4] = {};
    ok = ::recv(fd, buf, 3, MSG_WAITALL) == 3 && std::string(buf, 3) == "220";
    static constexpr char kQuit[] = "QUIT\r\n";
    (void)!::send(fd, kQuit, sizeof(kQuit) - 1, MSG_NOSIGNAL);
  }
  ::close(fd);
  return ok;
}
}  // namespace

RedisServer::RedisServer(RedisServerOptions options) : options_(std::move(options)) {}
RedisServer::~RedisServer() { Stop(); }

// A port from FreePort() is free when picked, not when the server binds it: a
// server started in parallel may take it first. Then our server exits, and
// until it does a ping would reach the other one. So a server counts as up
// only when the one answering is ours (its pid, its socket directory), and a
// port Start picked is picked again when it was lost that way.
namespace {
constexpr int kPortAttempts = 5;

// Runs `start_once` (false: the port was lost) on `port`, picking a free port
// first when it is 0 and again after each loss, at most kPortAttempts times.
// `auto_port` remembers that the port was picked here; once a start succeeds
// it is cleared, so a restart keeps the port its clients know. `failure`
// describes the last attempt for the error.
void StartOnAPort(int& port, bool& auto_port, const std::function<bool()>& start_once,
                  const std::function<std::string()>& failure) {
  if (port == 0) auto_port = true;
  for (int attempt = 1;; ++attempt) {
    if (auto_port && (port == 0 || attempt > 1)) port = FreePort();
    if (start_once()) {
      auto_port = false;
      return;
    }
    if (!auto_port || attempt == kPortAttempts) throw std::runtime_error(failure());
  }
}
}  // namespace

void RedisServer::Start() {
  fs::create_directories(options_.dir);
  StartOnAPort(
      options_.port, auto_port_, [this] { return StartOnce(); },
      [this] {
        return "redis-server did not start on port " + std::to_string(options_.port) + ": " +
               ReadTail(options_.dir / "redis.log");
      });
}

bool RedisServer::StartOnce() {
  std::vector<std::string> argv = {"redis-server",
                                   "--port",
                                   std::to_string(options_.port),
                                   "--bind",
                                   "127.0.0.1",
                                   "--dir",
                                   options_.dir.string(),
                                   "--save",
                                   "",
                                   "--daemonize",
                                   "no",
                                   "--appendonly",
                                   options_.append_only ? "yes" : "no",
                                   "--appendfsync",
                                   "everysec"};
  if (!options_.password.empty()) argv.insert(argv.end(), {"--requirepass", options_.password});
  argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
  auto log = options_.dir / "redis.log";
  process_ = ChildProcess(SpawnOptions{.argv = argv, .log_file = log.string()});
  redis::RedisUrl url = redis::ParseRedisUrl(this->url());
  const std::string ours = "process_id:" + std::to_string(process_.pid()) + "\r";
  bool up = WaitUntil(
      [&] {
        if (!process_.Running()) return true;
        try {
          redis::Connection conn(url, std::chrono::milliseconds(500));
          if (conn.Command({"INFO", "server"}).str.find(ours) == std::string::npos) return false;
          conn.Ping();  // fails while the server still loads its data (LOADING)
          return true;
        } catch (const std::exception&) {
          return false;
        }
      },
      std::chrono::seconds(20));
  if (up && process_.Running()) return true;
  process_.Stop(std::chrono::seconds(5), SIGKILL);
  return false;
}

void RedisServer::Stop() { process_.Stop(std::chrono::seconds(10)); }
void RedisServer::Kill() { process_.Stop(std::chrono::seconds(5), SIGKILL); }

PostgresServer::PostgresServer(PostgresServerOptions options) : options_(std::move(options)) {
  bin_dir_ = FindPostgresBin();
  if (::geteuid() == 0) {
    // PostgreSQL refuses to run as root: use an unprivileged account.
    for (const char* name : {"postgres", "nobody"}) {
      if (passwd* pw = ::getpwnam(name)) {
        uid_ = pw->pw_uid;
        gid_ = pw->pw_gid;
        break;
      }
    }
    if (!uid_) throw std::runtime_error("running as root and no 'postgres' or 'nobody' user");
  }
}
PostgresServer::~PostgresServer() { Stop(); }

void PostgresServer::InitDb() {
  fs::create_directories(options_.data_dir);
  fs::permissions(options_.data_dir, fs::perms::owner_all, fs::perm_options::replace);
  if (uid_) ChownTree(options_.data_dir, *uid_, *gid_);
  auto log = options_.data_dir.parent_path() / "initdb.log";
  ChildProcess initdb(SpawnOptions{
      .argv = {(bin_dir_ / "initdb").string(), "-D", options_.data_dir.string(), "-U", "postwork",
               "--auth=trust", "-E", "UTF8", "--locale=C", "--no-instructions"},
      .log_file = log.string(),
      .uid = uid_,
      .gid = gid_});
  auto status = initdb.Wait(std::chrono::minutes(2));
  if (!status || *status != 0) {
    throw std::runtime_error("initdb failed: " + ReadTail(log));
  }
}

void PostgresServer::Start() {
  if (!fs::exists(options_.data_dir / "PG_VERSION")) InitDb();
  StartOnAPort(
      options_.port, auto_port_, [this] { return StartOnce(); },
      [this] {
        return "postgres did not start on port " + std::to_string(options_.port) + ": " +
               ReadTail(options_.data_dir.parent_path() / "postgres.log");
      });
  pg::Connection admin(url("postgres"));
  auto r = admin.Exec("SELECT 1 FROM pg_database WHERE datname = $1", {options_.database});
  if (r.rows() == 0) admin.Exec("CREATE DATABASE \"" + options_.database + "\"");
}

bool PostgresServer::StartOnce() {
  auto log = options_.data_dir.parent_path() / "postgres.log";
  const std::string sockets = options_.data_dir.string();
  std::vector<std::string> argv = {(bin_dir_ / "postgres").string(),
                                   "-D",
                                   options_.data_dir.string(),
                                   "-p",
                                   std::to_string(options_.port),
                                   "-c",
                                   "listen_addresses=127.0.0.1",
                                   "-c",
                                   "unix_socket_directories=" + sockets,
                                   "-c",
                                   std::string("fsync=") + (options_.fsync ? "on" : "off"),
                                   "-c",
                                   "max_connections=300",
                                   "-c",
                                   "shared_buffers=128MB"};
  for (const auto& setting : options_.settings) {
    argv.push_back("-c");
    argv.push_back(setting);
  }
  process_ = ChildProcess(
      SpawnOptions{.argv = argv,
                   .log_file = log.string(),
                   .uid = uid_,
                   .gid = gid_,
                   .parent_death_signal = SIGQUIT});  // PostgreSQL's immediate shutdown
  bool up = WaitUntil(
      [&] {
        if (!process_.Running()) return true;
        try {
          pg::Connection conn(url("postgres"));
          // Ours, not another server that holds the port we were given.
          return conn.Exec("SHOW unix_socket_directories").Get(0, 0) == sockets;
        } catch (const std::exception&) {
          return false;
        }
      },
      std::chrono::seconds(60));
  if (up && process_.Running()) return true;
  process_.Stop(std::chrono::seconds(5), SIGKILL);
  return false;
}

// SIGINT = PostgreSQL's "fast" shutdown: clean, without waiting for clients.
void PostgresServer::Stop() { process_.Stop(std::chrono::seconds(30), SIGINT); }

std::string PostgresServer::url(const std::string& database) const {
  return "postgresql://postwork@127.0.0.1:" + std::to_string(options_.port) + "/" +
         (database.empty() ? options_.database : database);
}

SmtpSinkServer::SmtpSinkServer(SmtpSinkOptions options) : options_(std::move(options)) {}
SmtpSinkServer::~SmtpSinkServer() { Stop(); }

namespace {
constexpr const char* kCountingHandler = "postwork_count.CountingSink";

// Writes one of the embedded share/aiosmtpd modules into dir.
void WriteHandlerModule(const fs::path& dir, const std::string& module) {
  const auto& files = embedded::aiosmtpd_handlers();
  auto found = files.find(module);
  if (found == files.end()) throw std::logic_error(module + " is not embedded");
  fs::create_directories(dir);
  WriteTextFile(dir / module, std::string(found->second));
}
}  // namespace

void WriteMaildirDeliveryModule(const fs::path& dir) {
  WriteHandlerModule(dir, "postwork_maildir.py");
}

void SmtpSinkServer::Start() {
  using Delivery = SmtpSinkOptions::Delivery;
  fs::create_directories(options_.maildir);
  std::vector<std::string> env;
  std::string handler = "aiosmtpd.handlers.Mailbox";
  std::string handler_arg = options_.maildir.string();
  if (options_.delivery != Delivery::kSingleMaildir) {
    bool count_only = options_.delivery == Delivery::kCountOnly;
    fs::path module_dir = options_.maildir.parent_path() / "smtp-sink";
    WriteHandlerModule(module_dir, count_only ? "postwork_count.py" : "postwork_maildir.py");
    env = {"PYTHONPATH=" + module_dir.string(), "PYTHONDONTWRITEBYTECODE=1"};
    handler = count_only ? kCountingHandler : kMaildirDeliveryHandler;
    if (count_only) handler_arg = (options_.maildir / "count").string();
  } else {
    for (const char* sub : {"new", "cur", "tmp"}) fs::create_directories(options_.maildir / sub);
  }
  if (options_.port == 0) options_.port = FreePort();
  auto log = options_.maildir.parent_path() / "smtp-sink.log";
  process_ = ChildProcess(SpawnOptions{
      .argv = {"/usr/bin/python3", "-m", "aiosmtpd", "-n", "-l",
               "127.0.0.1:" + std::to_string(options_.port), "-c", handler, handler_arg},
      .log_file = log.string(),
      .env = env});
  bool up = WaitUntil([&] { return !process_.Running() || SmtpGreets(options_.port); },
                      std::chrono::seconds(20));
  if (!up || !process_.Running()) {
    throw std::runtime_error(
        "the SMTP sink (python3 -m aiosmtpd, package python3-aiosmtpd) did "
        "not start on port " +
        std::to_string(options_.port) + ": " + ReadTail(log));
  }
}

void SmtpSinkServer::Stop() { process_.Stop(std::chrono::seconds(5)); }

size_t SmtpSinkServer::MessageCount() const {
  if (options_.delivery == SmtpSinkOptions::Delivery::kCountOnly) {
    std::ifstream in(options_.maildir / "count");
    size_t messages = 0;
    in >> messages;
    return messages;
  }
  size_t n = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(options_.maildir, ec), end; !ec && it != end;
       it.increment(ec)) {
    auto folder = it->path().parent_path().filename();
    if (it->is_regular_file(ec) && (folder == "new" || folder == "cur")) ++n;
  }
  return n;
}

}  // namespace postwork::devenv
