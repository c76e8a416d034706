#include "support/imap_server.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace postwork::test_support {
namespace fs = std::filesystem;
namespace {

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void WriteFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("ImapServer: cannot write " + path.string());
}

std::string ConfigText(const fs::path& dir, uint16_t port, const std::string& user,
                       const std::string& group) {
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
    << "mail_location = maildir:" << d << "/mail/%u\n"
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

ImapServer::ImapServer(std::vector<ImapUser> users) {
  std::string templ = (fs::temp_directory_path() / "postwork-imap-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) {
    throw std::runtime_error(std::string("ImapServer: mkdtemp failed: ") + std::strerror(errno));
  }
  dir_ = templ;
  uid_ = ::geteuid();
  gid_ = ::getegid();
  if (uid_ == 0) {
    // Dovecot serves no mail as root: everything belongs to `nobody`.
    passwd* pw = ::getpwnam("nobody");
    if (pw == nullptr) throw std::runtime_error("ImapServer: running as root and no 'nobody' user");
    uid_ = pw->pw_uid;
    gid_ = pw->pw_gid;
  }
  if (passwd* pw = ::getpwuid(uid_)) user_name_ = pw->pw_name;
  if (group* gr = ::getgrgid(gid_)) group_name_ = gr->gr_name;
  if (user_name_.empty() || group_name_.empty()) {
    throw std::runtime_error("ImapServer: cannot name the user/group that runs dovecot");
  }
  port_ = static_cast<uint16_t>(devenv::FreePort());
  WriteConfig(users);
  process_ = devenv::ChildProcess(devenv::SpawnOptions{
      .argv = {"/usr/sbin/dovecot", "-F", "-c", (dir_ / "dovecot.conf").string()},
      .log_file = (dir_ / "stdout.log").string(),
      .uid = uid_,
      .gid = gid_});
  bool up = devenv::WaitUntil([&] { return !process_.Running() || devenv::PortOpen(port_); },
                              std::chrono::seconds(20));
  if (!up || !process_.Running()) {
    std::string log = Log();
    process_.Stop();
    throw std::runtime_error("ImapServer: dovecot did not start: " + log);
  }
}

ImapServer::~ImapServer() {
  process_.Stop(std::chrono::seconds(5));
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

void ImapServer::WriteConfig(const std::vector<ImapUser>& users) {
  for (const char* sub : {"run", "state", "mail", "home"}) fs::create_directories(dir_ / sub);
  std::string passwd;
  for (const auto& u : users) passwd += u.address + ":{PLAIN}" + u.password + "\n";
  WriteFile(dir_ / "passwd", passwd);
  WriteFile(dir_ / "dovecot.conf", ConfigText(dir_, port_, user_name_, group_name_));
  for (const auto& entry : fs::recursive_directory_iterator(dir_)) {
    if (::lchown(entry.path().c_str(), uid_, gid_) != 0) {
      throw std::runtime_error("ImapServer: cannot chown " + entry.path().string());
    }
  }
  if (::chown(dir_.c_str(), uid_, gid_) != 0) {
    throw std::runtime_error("ImapServer: cannot chown " + dir_.string());
  }
}

void ImapServer::DeliverToJunk(const std::string& address) {
  std::ofstream out(mail_root() / "junk-recipients", std::ios::app);
  out << address << "\n";
}

fs::path ImapServer::FolderPath(const std::string& address, const std::string& folder) const {
  fs::path box = mail_root() / address;
  return folder == "INBOX" ? box : box / ("." + folder);
}

std::vector<MaildirMessage> ImapServer::Messages(const std::string& address,
                                                 const std::string& folder) const {
  std::vector<MaildirMessage> out;
  for (const char* sub : {"new", "cur"}) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(FolderPath(address, folder) / sub, ec)) {
      if (!entry.is_regular_file()) continue;
      std::string name = entry.path().filename().string();
      size_t info = name.find(":2,");
      out.push_back({.bytes = ReadFile(entry.path()),
                     .flags = info == std::string::npos ? "" : name.substr(info + 3),
                     .is_new = std::string_view(sub) == "new"});
    }
  }
  return out;
}

bool ImapServer::WaitForMessages(const std::string& address, const std::string& folder,
                                 size_t count, std::chrono::milliseconds timeout) const {
  return devenv::WaitUntil([&] { return Messages(address, folder).size() >= count; }, timeout);
}

std::string ImapServer::Log() const {
  return ReadFile(dir_ / "dovecot.log") + ReadFile(dir_ / "stdout.log");
}

}  // namespace postwork::test_support
