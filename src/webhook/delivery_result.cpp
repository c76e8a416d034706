#include "webhook/delivery_result.hpp"

namespace postwork::webhook {

std::string_view ToString(DeliveryKind kind) {
  switch (kind) {
    case DeliveryKind::kDelivered: return "delivered";
    case DeliveryKind::kRetry: return "retry";
    case DeliveryKind::kDisable: return "disable";
    case DeliveryKind::kPermanent: return "permanent";
  }
  return "unknown";
}

DeliveryKind ClassifyStatus(long status_code) {
  if (status_code >= 200 && status_code <= 299) return DeliveryKind::kDelivered;
  if (status_code == 410) return DeliveryKind::kDisable;
  // Request Timeout and Too Many Requests describe the receiver's state, not
  // a problem with the request, so the same request may succeed later.
  if (status_code == 408 || status_code == 429) return DeliveryKind::kRetry;
  if (status_code >= 500 && status_code <= 599) return DeliveryKind::kRetry;
  // Remaining 4xx mean the request itself is unacceptable; 3xx would need a
  // redirect we deliberately do not follow (it could point anywhere, including
  // internal addresses); 1xx and out-of-range codes are protocol violations.
  return DeliveryKind::kPermanent;
}

}  // namespace postwork::webhook
