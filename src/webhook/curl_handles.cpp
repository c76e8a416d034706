#include "webhook/curl_handles.hpp"

namespace postwork::webhook {

bool EnsureCurlGlobalInit() {
  static const CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
  return rc == CURLE_OK;
}

}  // namespace postwork::webhook
