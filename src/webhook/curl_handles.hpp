#pragma once

// Owning wrappers for the libcurl C handles the webhook sender uses, so every
// early return and exception path releases them.

#include <curl/curl.h>

#include <memory>

namespace postwork::webhook {

struct CurlEasyDeleter {
  void operator()(CURL* handle) const noexcept { curl_easy_cleanup(handle); }
};
struct CurlSlistDeleter {
  void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};
struct CurlUrlDeleter {
  void operator()(CURLU* url) const noexcept { curl_url_cleanup(url); }
};
struct CurlStringDeleter {
  void operator()(char* text) const noexcept { curl_free(text); }
};

// curl_global_init, once per process, by the first user of libcurl (webhook
// delivery, SMTP, IMAP) rather than at start-up: it initialises OpenSSL
// (loading its configuration and error strings), which a worker that sends
// nothing need not pay for. It stays initialised for the life of the process:
// cleanup at exit would race with any transfer still running on a detached
// thread. False when it failed.
bool EnsureCurlGlobalInit();

using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;
using CurlSlist = std::unique_ptr<curl_slist, CurlSlistDeleter>;
using CurlUrl = std::unique_ptr<CURLU, CurlUrlDeleter>;
using CurlString = std::unique_ptr<char, CurlStringDeleter>;

// curl_slist_append returns a new head (or null on allocation failure, leaving
// the old list intact), so appending through this keeps ownership in one place.
// Returns false when the allocation failed.
inline bool AppendToSlist(CurlSlist& list, const char* entry) {
  curl_slist* head = curl_slist_append(list.get(), entry);
  if (head == nullptr) return false;
  list.release();
  list.reset(head);
  return true;
}

}  // namespace postwork::webhook
