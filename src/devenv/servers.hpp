#pragma once
// Private Redis and PostgreSQL servers on free loopback ports, for `postwork dev`,
// `postwork services` and the integration tests.
#include <filesystem>
#include <string>
#include <vector>

#include "devenv/process.hpp"

namespace postwork::devenv {

struct RedisServerOptions {
  std::filesystem::path dir;  // data (AOF/RDB) and log
  int port = 0;               // 0 = a free port
  bool append_only = false;   // AOF everysec, for restart tests
  std::string password{};     // requirepass; url() then carries it
  std::vector<std::string> extra_args;
};

class RedisServer {
 public:
  explicit RedisServer(RedisServerOptions options);
  ~RedisServer();
  void Start();
  void Stop();
  void Kill();  // SIGKILL, for crash tests
  void Restart() {
    Stop();
    Start();
  }
  std::string url() const {
    return "redis://" + (options_.password.empty() ? "" : ":" + options_.password + "@") +
           "127.0.0.1:" + std::to_string(options_.port);
  }
  int port() const { return options_.port; }
  pid_t pid() const { return process_.pid(); }

 private:
  bool StartOnce();  // false: the port was taken before the server bound it
  RedisServerOptions options_;
  ChildProcess process_;
  bool auto_port_ = false;  // picked by Start (may be picked again until it binds)
};

struct PostgresServerOptions {
  std::filesystem::path data_dir;  // initdb'd on first start, reused after
  int port = 0;
  std::string database = "postwork";
  bool fsync = true;
  std::vector<std::string> settings;  // extra "name=value" server settings (-c)
};

class PostgresServer {
 public:
  explicit PostgresServer(PostgresServerOptions options);
  ~PostgresServer();
  void Start();
  void Stop();
  void Restart() {
    Stop();
    Start();
  }
  // postgresql://postwork@127.0.0.1:PORT/DB
  std::string url(const std::string& database = "") const;
  int port() const { return options_.port; }
  pid_t pid() const { return process_.pid(); }  // the postmaster

 private:
  void InitDb();
  bool StartOnce();  // false: the port was taken before the server bound it
  PostgresServerOptions options_;
  ChildProcess process_;
  bool auto_port_ = false;  // picked by Start (may be picked again until it binds)
  std::filesystem::path bin_dir_;
  std::optional<uid_t> uid_;
  std::optional<gid_t> gid_;
};

// A local SMTP server that accepts every message: Debian's aiosmtpd
// (`python3 -m aiosmtpd`). The dev demo's accounts send here, so `postwork
// dev` never mails the world; so do `postwork bench`'s (email-send).
//   kSingleMaildir   aiosmtpd.handlers.Mailbox: everything in maildir/new
//   kPerRecipient    postwork_maildir.MaildirDelivery (share/aiosmtpd, embedded
//                    in the binary): each recipient's copy in
//                    maildir/<address>/, the layout DovecotServer serves;
//                    addresses listed in maildir/junk-recipients get it in
//                    their .Junk/ folder
//   kCountOnly       postwork_count.CountingSink (embedded too): stores
//                    nothing, counts accepted messages in maildir/count
struct SmtpSinkOptions {
  enum class Delivery { kSingleMaildir, kPerRecipient, kCountOnly };
  // Created; the Maildir, the root of the Maildirs, or (kCountOnly) the
  // folder of the count file.
  std::filesystem::path maildir;
  int port = 0;  // 0 = a free port
  Delivery delivery = Delivery::kSingleMaildir;
};

// The aiosmtpd handler class (`-c`) of per-recipient delivery, and the module
// it needs on PYTHONPATH: WriteMaildirDeliveryModule(dir) writes the embedded
// postwork_maildir.py into dir.
inline constexpr const char* kMaildirDeliveryHandler = "postwork_maildir.MaildirDelivery";
void WriteMaildirDeliveryModule(const std::filesystem::path& dir);

class SmtpSinkServer {
 public:
  explicit SmtpSinkServer(SmtpSinkOptions options);
  ~SmtpSinkServer();
  void Start();
  void Stop();
  int port() const { return options_.port; }
  pid_t pid() const { return process_.pid(); }
  const std::filesystem::path& maildir() const { return options_.maildir; }
  // Messages accepted so far: files in the new/ and cur/ folders under
  // maildir, or (kCountOnly) the sink's own count.
  size_t MessageCount() const;

 private:
  SmtpSinkOptions options_;
  ChildProcess process_;
};

}  // namespace postwork::devenv
