#include "devenv/dovecot_server.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "devenv/server_files.hpp"
#include "postwork/error.hpp"

namespace postwork::devenv {
namespace fs = std::filesystem;
namespace {
constexpr const char* kDovecot = "/usr/sbin/dovecot";

std::string ConfigText(const fs::path& dir, const fs::path& mail_root, int port,
                       const std::string& user, const std::string& group) {
  std::string d = dir.string();
  std::ostringstream c;
  c << "protocols = imap\n"
    << "listen = 127.0.0.1\n"
    << "base_dir = " << d << "/run\n"
    << "state_dir = " << d << "/state\n"
    << "log_path = " << d << "/dovecot.log\n"
    << "ssl = no\n"
    << "disable_plaintext_auth = no\n"
    << "auth_mechanisms = plain login\n"
    << "mail_location = maildir:" << mail_root.string() << "/%u\n"
    << "default_internal_user = " << user << "\n"
    << "default_internal_group = " << group << "\n"
    << "default_login_user = " << user << "\n"
    << "first_valid_uid = 1\n"
    << "passdb {\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u " << d
    << "/passwd\n}\n"
    << "userdb {\n  driver = static\n  args = uid=" << user << " gid=" << group << " home=" << d
    << "/home/%u\n}\n"
    << "service imap-login {\n  chroot =\n  inet_listener imap {\n    address = 127.0.0.1\n"
    << "    port = " << port << "\n  }\n  inet_listener imaps {\n    port = 0\n  }\n}\n"
    << "service anvil {\n  chroot =\n}\n"
    << "service auth {\n  user = " << user << "\n}\n"
    << "service auth-worker {\n  user = " << user << "\n}\n"
    << "service stats {\n  user = " << user << "\n}\n"
    << "namespace inbox {\n  inbox = yes\n"
    << "  mailbox Junk {\n    special_use = \\Junk\n    auto = create\n  }\n}\n";
  return c.str();
}
}  // namespace

DovecotServer::DovecotServer(DovecotServerOptions options) : options_(std::move(options)) {
  if (options_.mail_root.empty()) options_.mail_root = options_.dir / "mail";
  uid_ = ::geteuid();
  gid_ = ::getegid();
  if (uid_ == 0) {
    passwd* pw = ::getpwnam("nobody");
    if (pw == nullptr) throw std::runtime_error("dovecot: running as root and no 'nobody' user");
    uid_ = pw->pw_uid;
    gid_ = pw->pw_gid;
  }
  if (passwd* pw = ::getpwuid(uid_)) user_name_ = pw->pw_name;
  if (group* gr = ::getgrgid(gid_)) group_name_ = gr->gr_name;
  if (user_name_.empty() || group_name_.empty()) {
    throw std::runtime_error("dovecot: cannot name the user/group that runs it");
  }
}

DovecotServer::~DovecotServer() { Stop(); }

void DovecotServer::WriteConfig() const {
  const fs::path& dir = options_.dir;
  for (const char* sub : {"run", "state", "home"}) fs::create_directories(dir / sub);
  fs::create_directories(options_.mail_root);
  // Plain-text passwords in a file only the server's user may read: they are
  // generated for this server (the dev demo makes new ones on every start).
  std::string passwd;
  for (const auto& u : options_.users) passwd += u.address + ":{PLAIN}" + u.password + "\n";
  WriteTextFile(dir / "passwd", passwd);
  fs::permissions(dir / "passwd", fs::perms::owner_read | fs::perms::owner_write,
                  fs::perm_options::replace);
  WriteTextFile(dir / "dovecot.conf",
                ConfigText(dir, options_.mail_root, options_.port, user_name_, group_name_));
  ChownTree(dir, uid_, gid_);
  // The Maildirs too (they may live elsewhere, and hold mail from earlier runs).
  ChownTree(options_.mail_root, uid_, gid_);
}

void DovecotServer::Start() {
  if (::access(kDovecot, X_OK) != 0) {
    throw ConfigError(std::string(kDovecot) + " not found (package dovecot-imapd)");
  }
  if (options_.port == 0) options_.port = FreePort();
  WriteConfig();
  process_ = ChildProcess(
      SpawnOptions{.argv = {kDovecot, "-F", "-c", (options_.dir / "dovecot.conf").string()},
                   .log_file = (options_.dir / "stdout.log").string(),
                   .uid = uid_,
                   .gid = gid_});
  bool up = WaitUntil([&] { return !process_.Running() || PortOpen(options_.port); },
                      std::chrono::seconds(20));
  if (!up || !process_.Running()) {
    std::string log = Log();
    process_.Stop();
    throw std::runtime_error("dovecot did not start on port " + std::to_string(options_.port) +
                             ": " + log);
  }
}

void DovecotServer::Stop() { process_.Stop(std::chrono::seconds(5)); }

void DovecotServer::DeliverToJunk(const std::string& address) {
  fs::path file = options_.mail_root / "junk-recipients";
  std::set<std::string> listed;
  std::istringstream in(ReadTextFile(file));
  for (std::string line; std::getline(in, line);) listed.insert(line);
  if (listed.count(address) > 0) return;
  fs::create_directories(options_.mail_root);
  std::ofstream out(file, std::ios::app);
  out << address << "\n";
  if (!out) throw std::runtime_error("cannot write " + file.string());
}

std::string DovecotServer::Log() const {
  return ReadTextFile(options_.dir / "dovecot.log") + ReadTextFile(options_.dir / "stdout.log");
}

}  // namespace postwork::devenv
