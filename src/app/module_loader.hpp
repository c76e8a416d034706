#pragma once
// Subsystems that most processes never use (the HTTP servers, MIME) live in
// shared modules next to the binary (postwork-http.so, postwork-mail.so) and
// are loaded on first use: a worker that serves no HTTP and sends no mail maps
// neither cpp-httplib nor GMime, nor runs their load-time initialisers.
//
// A module exports two symbols: "<name>_abi" (a NUL-terminated string that
// must equal the binary's, so a module from another build is refused instead
// of crashing) and "<name>_api" (a function returning its entry points). The
// binary exports its own symbols, so a module uses the binary's one copy of
// the logger, metrics and configuration.
#include <filesystem>
#include <string>
#include <string_view>

namespace postwork::app {

// The ABI string a module and the binary must agree on: version, module ABI
// (bump the number when an entry-point table or a type passed through it
// changes), compiler and sanitizer flavour (an ASan binary cannot load a
// plain module). A macro, so that each side compiles its own copy in.
#if defined(__SANITIZE_ADDRESS__)
#define POSTWORK_MODULE_FLAVOUR " asan"
#elif defined(__SANITIZE_THREAD__)
#define POSTWORK_MODULE_FLAVOUR " tsan"
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POSTWORK_MODULE_FLAVOUR " asan"
#elif __has_feature(thread_sanitizer)
#define POSTWORK_MODULE_FLAVOUR " tsan"
#endif
#endif
#ifndef POSTWORK_MODULE_FLAVOUR
#define POSTWORK_MODULE_FLAVOUR ""
#endif
#define POSTWORK_MODULE_ABI(name) \
  "postwork " POSTWORK_VERSION " " name " module-abi 1 " __VERSION__ POSTWORK_MODULE_FLAVOUR

// Owns a dlopen handle. Loaded with RTLD_NODELETE: code of the module may run
// until the process exits (static destructors, threads being joined), so the
// mapping outlives the handle.
class SharedModule {
 public:
  // Loads `path` and checks its "<symbol_prefix>_abi" against `expected_abi`.
  // Throws std::runtime_error naming the file when it is missing, cannot be
  // loaded or comes from another build.
  SharedModule(const std::filesystem::path& path, const std::string& symbol_prefix,
               std::string_view expected_abi);
  ~SharedModule();
  SharedModule(const SharedModule&) = delete;
  SharedModule& operator=(const SharedModule&) = delete;

  // The address of an exported symbol; throws when the module lacks it.
  void* Symbol(const std::string& name) const;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  void* handle_ = nullptr;
};

// The directory of the running executable (/proc/self/exe), where the
// modules are installed next to it.
std::filesystem::path ExecutableDirectory();

// The entry points of module `name`: postwork-<name>.so next to the binary,
// loaded by the first caller (thread-safe; a failed load is retried by the
// next call) and kept for the life of the process.
template <class Api>
const Api& LoadModuleApi(const std::string& name, std::string_view abi) {
  static const SharedModule module(ExecutableDirectory() / ("postwork-" + name + ".so"),
                                   "postwork_" + name, abi);
  using Entry = const Api* (*)();
  static const Api& api = *reinterpret_cast<Entry>(module.Symbol("postwork_" + name + "_api"))();
  return api;
}

}  // namespace postwork::app
