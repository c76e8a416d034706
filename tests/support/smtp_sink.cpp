#include "support/smtp_sink.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "devenv/servers.hpp"
#include "support/self_signed_cert.hpp"

extern char** environ;

namespace postwork::test_support {
namespace {

using Clock = std::chrono::steady_clock;
// Between polls of a condition (port accepting, file appeared); not a wait for
// an assumed duration.
constexpr std::chrono::milliseconds kPollInterval{20};

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

sockaddr_in Loopback(uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

// Lets the kernel pick a free port. Another process could grab it before the
// server binds; the readiness check below would then time out loudly.
uint16_t FreeLoopbackPort() {
  Fd fd(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in addr = Loopback(0);
  socklen_t len = sizeof(addr);
  if (fd.get() < 0 || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error(std::string("SmtpSink: cannot find a free port: ") + std::strerror(errno));
  }
  return ntohs(addr.sin_port);
}

// True once the server accepts a connection and (unless the connection starts
// with a TLS handshake, which this probe does not speak) sends its 220 greeting.
bool Ready(uint16_t port, bool expect_greeting) {
  Fd fd(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in addr = Loopback(port);
  if (fd.get() < 0 || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return false;
  }
  if (!expect_greeting) return true;
  timeval tv{.tv_sec = 2, .tv_usec = 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  char buf[512];
  ssize_t n = ::recv(fd.get(), buf, sizeof(buf), 0);
  bool ok = n >= 3 && std::string_view(buf, 3) == "220";
  if (ok) {
    constexpr std::string_view kQuit = "QUIT\r\n";
    (void)!::send(fd.get(), kQuit.data(), kQuit.size(), MSG_NOSIGNAL);
  }
  return ok;
}

// Debian's interpreter has python3-aiosmtpd; a pyenv shim first on PATH may
// not. POSTWORK_PYTHON overrides.
std::string PythonExecutable() {
  if (const char* env = std::getenv("POSTWORK_PYTHON"); env != nullptr && *env != '\0') return env;
  if (::access("/usr/bin/python3", X_OK) == 0) return "/usr/bin/python3";
  if (const char* path = std::getenv("PATH")) {
    std::stringstream dirs(path);
    for (std::string dir; std::getline(dirs, dir, ':');) {
      std::string candidate = dir + "/python3";
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
  }
  throw std::runtime_error("SmtpSink: python3 not found");
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

SmtpSink::SmtpSink(Handler handler, Tls tls, std::filesystem::path delivery_root) : tls_(tls) {
  std::string templ = (std::filesystem::temp_directory_path() / "postwork-smtp-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) {
    throw std::runtime_error(std::string("SmtpSink: mkdtemp failed: ") + std::strerror(errno));
  }
  dir_ = templ;
  try {
    Start(handler, tls, delivery_root);
    WaitUntilAccepting(std::chrono::seconds(20));
  } catch (...) {
    Stop();
    throw;
  }
}

SmtpSink::~SmtpSink() { Stop(); }

void SmtpSink::Start(Handler handler, Tls tls, const std::filesystem::path& delivery_root) {
  port_ = FreeLoopbackPort();
  std::string python = PythonExecutable();
  std::string listen = "127.0.0.1:" + std::to_string(port_);
  std::string maildir = (dir_ / "maildir").string();
  std::string handler_class = handler == Handler::kMailbox    ? "aiosmtpd.handlers.Mailbox"
                              : handler == Handler::kScripted ? "postwork_smtp_handlers.ScriptedMailbox"
                                                              : devenv::kMaildirDeliveryHandler;
  if (handler == Handler::kMaildirDelivery) {
    if (delivery_root.empty()) throw std::runtime_error("SmtpSink: kMaildirDelivery needs a root");
    maildir = delivery_root.string();
    devenv::WriteMaildirDeliveryModule(dir_);  // the product's handler, embedded in postwork_lib
  }
  std::string log = (dir_ / "server.log").string();
  std::vector<std::string> args = {python, "-m", "aiosmtpd", "-n", "-l", listen};
  if (tls != Tls::kNone) {
    std::string key = (dir_ / "key.pem").string();
    WriteSelfSignedCert(cert_path(), key);
    bool implicit = tls == Tls::kImplicit;
    args.insert(args.end(), {implicit ? "--smtpscert" : "--tlscert", cert_path().string(),
                             implicit ? "--smtpskey" : "--tlskey", key});
  }
  args.insert(args.end(), {"-c", handler_class, maildir});

  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view entry(*e);
    if (entry.rfind("PYTHONPATH=", 0) == 0 || entry.rfind("PYTHONDONTWRITEBYTECODE=", 0) == 0) continue;
    env_strings.emplace_back(entry);
  }
  env_strings.push_back(std::string("PYTHONPATH=") + POSTWORK_SOURCE_DIR + "/tests/support:" +
                        dir_.string());
  env_strings.push_back("PYTHONDONTWRITEBYTECODE=1");  // keep the source tree clean

  // Everything the child needs is prepared before fork(): only
  // async-signal-safe calls may run between fork() and exec().
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("SmtpSink: fork failed: ") + std::strerror(errno));
  if (pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
      ::close(fd);
    }
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  pid_ = pid;
}

void SmtpSink::WaitUntilAccepting(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("SmtpSink: aiosmtpd exited during startup: " + Log());
    }
    if (Ready(port_, tls_ != Tls::kImplicit)) return;
    std::this_thread::sleep_for(kPollInterval);
  }
  throw std::runtime_error("SmtpSink: aiosmtpd did not accept connections on port " +
                           std::to_string(port_) + ": " + Log());
}

void SmtpSink::Stop() noexcept {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    auto deadline = Clock::now() + std::chrono::seconds(5);
    bool reaped = false;
    while (Clock::now() < deadline) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        reaped = true;
        break;
      }
      std::this_thread::sleep_for(kPollInterval);
    }
    if (!reaped) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    pid_ = -1;
  }
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

std::vector<std::string> SmtpSink::Messages() const {
  std::vector<std::filesystem::path> files;
  for (const char* sub : {"new", "cur"}) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir_ / "maildir" / sub, ec)) {
      if (entry.is_regular_file()) files.push_back(entry.path());
    }
  }
  // Maildir names start with the delivery time in seconds, then a counter;
  // order by mtime first so messages in different seconds sort correctly.
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) {
    std::error_code ec;
    auto ta = std::filesystem::last_write_time(a, ec);
    auto tb = std::filesystem::last_write_time(b, ec);
    return ta != tb ? ta < tb : a.filename() < b.filename();
  });
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(ReadFile(f));
  return out;
}

bool SmtpSink::WaitForMessages(size_t count, std::chrono::milliseconds timeout) const {
  auto deadline = Clock::now() + timeout;
  while (true) {
    if (Messages().size() >= count) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(kPollInterval);
  }
}

std::string SmtpSink::Log() const { return ReadFile(dir_ / "server.log"); }

}  // namespace postwork::test_support
