// libcurl, loaded on first use. The binary is not linked against libcurl: it
// defines the libcurl functions it calls (these), and the first call loads
// libcurl.so.4 with dlopen and forwards every call to it from then on.
//
// Why: libcurl brings a chain of libraries (RTMP, SSH2, nghttp2, IDN2, PSL,
// ...) that a process maps at start-up when it is linked against it; the rest
// of the chain (GnuTLS, LDAP, GSSAPI) comes with libpq anyway. Loading it on
// first use saved 0.5-0.7 MiB of each worker's RSS (docs/benchmarks.md,
// eleventh session). Only SMTP, IMAP and webhook deliveries use it, so a
// worker that runs none of them never maps it. The MIME and HTTP code is kept
// out the same way, as modules (app/module_loader.hpp); libcurl needs no
// module of its own because its interface is already a small C API.
//
// The forwarding keeps libcurl's own contract: curl_easy_setopt passes its
// one variadic argument on with the type the option's number range says
// (long, object pointer, function pointer, curl_off_t, blob), exactly as
// libcurl reads it back. A libcurl that cannot be loaded is an exception
// naming the library and the loader's reason, thrown from the first call.
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <dlfcn.h>

#include <cstdarg>
#include <stdexcept>
#include <string>

#ifndef POSTWORK_LIBCURL_SONAME
#define POSTWORK_LIBCURL_SONAME "libcurl.so.4"
#endif

namespace {

using GenericFunction = void (*)();

struct CurlApi {
  CURLcode (*global_init)(long);
  CURL* (*easy_init)();
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...);
  CURLcode (*easy_perform)(CURL*);
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...);
  void (*easy_cleanup)(CURL*);
  const char* (*easy_strerror)(CURLcode);
  CURLHcode (*easy_header)(CURL*, const char*, size_t, unsigned int, int, curl_header**);
  curl_slist* (*slist_append)(curl_slist*, const char*);
  void (*slist_free_all)(curl_slist*);
  CURLU* (*url)();
  void (*url_cleanup)(CURLU*);
  CURLUcode (*url_set)(CURLU*, CURLUPart, const char*, unsigned int);
  CURLUcode (*url_get)(CURLU*, CURLUPart, char**, unsigned int);
  const char* (*url_strerror)(CURLUcode);
  time_t (*getdate)(const char*, const time_t*);
  void (*free)(void*);
};

template <class Fn>
void Bind(void* lib, const char* name, Fn& slot) {
  void* sym = dlsym(lib, name);
  if (sym == nullptr) {
    throw std::runtime_error(std::string(POSTWORK_LIBCURL_SONAME " has no ") + name);
  }
  slot = reinterpret_cast<Fn>(sym);
}

CurlApi LoadCurl() {
  // RTLD_LOCAL: libcurl's symbols stay out of the global namespace, so its
  // own calls and every other library resolve to libcurl, never to these.
  void* lib = dlopen(POSTWORK_LIBCURL_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  if (lib == nullptr) {
    const char* why = dlerror();
    throw std::runtime_error(std::string("cannot load " POSTWORK_LIBCURL_SONAME
                                         " (SMTP, IMAP and webhook deliveries need it): ") +
                             (why != nullptr ? why : "unknown error"));
  }
  CurlApi api{};
  Bind(lib, "curl_global_init", api.global_init);
  Bind(lib, "curl_easy_init", api.easy_init);
  Bind(lib, "curl_easy_setopt", api.easy_setopt);
  Bind(lib, "curl_easy_perform", api.easy_perform);
  Bind(lib, "curl_easy_getinfo", api.easy_getinfo);
  Bind(lib, "curl_easy_cleanup", api.easy_cleanup);
  Bind(lib, "curl_easy_strerror", api.easy_strerror);
  Bind(lib, "curl_easy_header", api.easy_header);
  Bind(lib, "curl_slist_append", api.slist_append);
  Bind(lib, "curl_slist_free_all", api.slist_free_all);
  Bind(lib, "curl_url", api.url);
  Bind(lib, "curl_url_cleanup", api.url_cleanup);
  Bind(lib, "curl_url_set", api.url_set);
  Bind(lib, "curl_url_get", api.url_get);
  Bind(lib, "curl_url_strerror", api.url_strerror);
  Bind(lib, "curl_getdate", api.getdate);
  Bind(lib, "curl_free", api.free);
  return api;
}

// Loaded by the first caller (a function-local static: thread-safe, and a
// failed load throws and is tried again by the next call).
const CurlApi& Curl() {
  static const CurlApi api = LoadCurl();
  return api;
}

}  // namespace

extern "C" {

CURLcode curl_global_init(long flags) { return Curl().global_init(flags); }

CURL* curl_easy_init() { return Curl().easy_init(); }

CURLcode curl_easy_setopt(CURL* handle, CURLoption option, ...) {
  const CurlApi& api = Curl();
  va_list args;
  va_start(args, option);
  CURLcode rc;
  const int kind = static_cast<int>(option);
  if (kind < CURLOPTTYPE_OBJECTPOINT) {
    rc = api.easy_setopt(handle, option, va_arg(args, long));
  } else if (kind < CURLOPTTYPE_FUNCTIONPOINT) {
    rc = api.easy_setopt(handle, option, va_arg(args, void*));
  } else if (kind < CURLOPTTYPE_OFF_T) {
    rc = api.easy_setopt(handle, option, va_arg(args, GenericFunction));
  } else if (kind < CURLOPTTYPE_BLOB) {
    rc = api.easy_setopt(handle, option, va_arg(args, curl_off_t));
  } else {
    rc = api.easy_setopt(handle, option, va_arg(args, void*));
  }
  va_end(args);
  return rc;
}

CURLcode curl_easy_perform(CURL* handle) { return Curl().easy_perform(handle); }

CURLcode curl_easy_getinfo(CURL* handle, CURLINFO info, ...) {
  const CurlApi& api = Curl();
  va_list args;
  va_start(args, info);
  // Every CURLINFO takes one pointer to where the answer goes.
  CURLcode rc = api.easy_getinfo(handle, info, va_arg(args, void*));
  va_end(args);
  return rc;
}

void curl_easy_cleanup(CURL* handle) {
  if (handle != nullptr) Curl().easy_cleanup(handle);
}

const char* curl_easy_strerror(CURLcode code) { return Curl().easy_strerror(code); }

CURLHcode curl_easy_header(CURL* easy, const char* name, size_t index, unsigned int origin,
                           int request, curl_header** hout) {
  return Curl().easy_header(easy, name, index, origin, request, hout);
}

curl_slist* curl_slist_append(curl_slist* list, const char* data) {
  return Curl().slist_append(list, data);
}

void curl_slist_free_all(curl_slist* list) {
  if (list != nullptr) Curl().slist_free_all(list);
}

CURLU* curl_url() { return Curl().url(); }

void curl_url_cleanup(CURLU* handle) {
  if (handle != nullptr) Curl().url_cleanup(handle);
}

CURLUcode curl_url_set(CURLU* handle, CURLUPart what, const char* part, unsigned int flags) {
  return Curl().url_set(handle, what, part, flags);
}

CURLUcode curl_url_get(CURLU* handle, CURLUPart what, char** part, unsigned int flags) {
  return Curl().url_get(handle, what, part, flags);
}

const char* curl_url_strerror(CURLUcode code) { return Curl().url_strerror(code); }

time_t curl_getdate(const char* p, const time_t* unused) { return Curl().getdate(p, unused); }

void curl_free(void* p) {
  if (p != nullptr) Curl().free(p);
}

}  // extern "C"
