#include "webhook/event.hpp"

#include <fmt/format.h>

namespace postwork::webhook {

std::string FormatCreatedAt(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  const auto seconds = floor<std::chrono::seconds>(time);
  const auto day = floor<days>(seconds);
  const year_month_day date{day};
  const hh_mm_ss clock{seconds - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     clock.hours().count(), clock.minutes().count(), clock.seconds().count());
}

std::string BuildEventBody(const Event& event) {
  // ordered_json keeps the documented key order; plain json would sort keys.
  nlohmann::ordered_json body;
  body["id"] = event.id;
  body["type"] = event.type;
  body["created_at"] = FormatCreatedAt(event.time);
  body["data"] = event.data;
  return body.dump();
}

}  // namespace postwork::webhook
