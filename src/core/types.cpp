#include "core/types.hpp"

namespace postwork::core {

std::string_view ToString(FinishRecord::Kind kind) {
  switch (kind) {
    case FinishRecord::Kind::kCompleted:
      return "completed";
    case FinishRecord::Kind::kRetry:
      return "retry";
    case FinishRecord::Kind::kReschedule:
      return "reschedule";
    case FinishRecord::Kind::kFailed:
      return "failed";
    case FinishRecord::Kind::kRequeue:
      return "requeue";
    case FinishRecord::Kind::kCancelled:
      return "cancelled";
    case FinishRecord::Kind::kSkip:
      return "skip";
  }
  return "skip";
}

}  // namespace postwork::core
