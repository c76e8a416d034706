#include "app/module_loader.hpp"

#include <dlfcn.h>

#include <stdexcept>
#include <system_error>

namespace postwork::app {
namespace {

std::string DlError() {
  const char* e = ::dlerror();
  return e != nullptr ? e : "unknown error";
}

}  // namespace

SharedModule::SharedModule(const std::filesystem::path& path, const std::string& symbol_prefix,
                           std::string_view expected_abi)
    : path_(path) {
  std::error_code ec;
  if (!std::filesystem::exists(path_, ec)) {
    throw std::runtime_error("module " + path_.filename().string() + " is missing: expected at " +
                             path_.string() + " (install it next to the postwork binary)");
  }
  // RTLD_LOCAL: the module's own symbols do not leak into later lookups.
  handle_ = ::dlopen(path_.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  if (handle_ == nullptr) {
    throw std::runtime_error("module " + path_.string() + " cannot be loaded: " + DlError());
  }
  const auto* abi = static_cast<const char*>(::dlsym(handle_, (symbol_prefix + "_abi").c_str()));
  if (abi == nullptr || std::string_view(abi) != expected_abi) {
    std::string found = abi == nullptr ? "none" : std::string(abi);
    ::dlclose(handle_);
    handle_ = nullptr;
    throw std::runtime_error("module " + path_.string() + " is from another build (ABI '" + found +
                             "', this binary needs '" + std::string(expected_abi) +
                             "'): install the module built with this binary");
  }
}

SharedModule::~SharedModule() {
  if (handle_ != nullptr) ::dlclose(handle_);
}

void* SharedModule::Symbol(const std::string& name) const {
  void* p = ::dlsym(handle_, name.c_str());
  if (p == nullptr) {
    throw std::runtime_error("module " + path_.string() + " lacks symbol " + name);
  }
  return p;
}

std::filesystem::path ExecutableDirectory() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error("cannot read /proc/self/exe: " + ec.message());
  return exe.parent_path();
}

}  // namespace postwork::app
