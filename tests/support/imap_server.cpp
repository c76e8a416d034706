#include "support/imap_server.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "devenv/server_files.hpp"

namespace postwork::test_support {
namespace fs = std::filesystem;

ImapServer::ImapServer(std::vector<ImapUser> users) {
  std::string templ = (fs::temp_directory_path() / "postwork-imap-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) {
    throw std::runtime_error(std::string("ImapServer: mkdtemp failed: ") + std::strerror(errno));
  }
  dir_ = templ;
  try {
    server_ = std::make_unique<devenv::DovecotServer>(
        devenv::DovecotServerOptions{.dir = dir_, .users = std::move(users)});
    server_->Start();
  } catch (...) {
    server_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
    throw;
  }
}

ImapServer::~ImapServer() {
  server_.reset();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::vector<MaildirMessage> ImapServer::Messages(const std::string& address,
                                                 const std::string& folder) const {
  fs::path box = mail_root() / address;
  fs::path path = folder == "INBOX" ? box : box / ("." + folder);
  std::vector<MaildirMessage> out;
  for (const char* sub : {"new", "cur"}) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(path / sub, ec)) {
      if (!entry.is_regular_file()) continue;
      std::string name = entry.path().filename().string();
      size_t info = name.find(":2,");
      out.push_back({.bytes = devenv::ReadTextFile(entry.path()),
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

}  // namespace postwork::test_support
