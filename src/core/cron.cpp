#include "core/cron.hpp"

#include <ctime>
#include <sstream>
#include <vector>

#include "postwork/error.hpp"

namespace postwork::core {
namespace {
int ParseNumber(const std::string& s, const std::string& field) {
  // At most 4 digits: no cron field goes past 59, and a bound keeps std::stoi
  // from throwing out_of_range (not a ConfigError) and `v += step` below from
  // overflowing.
  if (s.empty() || s.size() > 4 || s.find_first_not_of("0123456789") != std::string::npos) {
    throw ConfigError("invalid cron " + field + " value '" + s + "'");
  }
  return std::stoi(s);
}

template <size_t N>
bool ParseField(const std::string& text, int lo, int hi, std::bitset<N>& bits,
                const std::string& field) {
  bool any = text == "*";
  std::stringstream parts(text);
  std::string part;
  while (std::getline(parts, part, ',')) {
    int step = 1;
    if (auto slash = part.find('/'); slash != std::string::npos) {
      step = ParseNumber(part.substr(slash + 1), field);
      if (step < 1) throw ConfigError("invalid cron " + field + " step in '" + text + "'");
      part = part.substr(0, slash);
    }
    int from = lo, to = hi;
    if (part != "*") {
      if (auto dash = part.find('-'); dash != std::string::npos) {
        from = ParseNumber(part.substr(0, dash), field);
        to = ParseNumber(part.substr(dash + 1), field);
      } else {
        from = to = ParseNumber(part, field);
        if (step > 1) to = hi;
      }
    }
    if (from < lo || to > (field == "day-of-week" ? 7 : hi) || from > to) {
      throw ConfigError("cron " + field + " '" + text + "' is out of range " + std::to_string(lo) +
                        "-" + std::to_string(hi));
    }
    // 7 is Sunday too, as in Vixie cron.
    for (int v = from; v <= to; v += step) bits.set(static_cast<size_t>(field == "day-of-week" ? v % 7 : v));
  }
  return any;
}
}  // namespace

CronSchedule CronSchedule::Parse(const std::string& expr) {
  std::stringstream in(expr);
  std::vector<std::string> f;
  std::string part;
  while (in >> part) f.push_back(part);
  if (f.size() != 5) {
    throw ConfigError("invalid cron expression '" + expr +
                      "': expected 5 fields (minute hour day-of-month month day-of-week)");
  }
  CronSchedule s;
  s.expr_ = expr;
  ParseField(f[0], 0, 59, s.minute_, "minute");
  ParseField(f[1], 0, 23, s.hour_, "hour");
  s.dom_any_ = ParseField(f[2], 1, 31, s.dom_, "day-of-month");
  ParseField(f[3], 1, 12, s.month_, "month");
  s.dow_any_ = ParseField(f[4], 0, 6, s.dow_, "day-of-week");
  return s;
}

int64_t CronSchedule::Next(int64_t after_s) const {
  int64_t t = (after_s / 60 + 1) * 60;
  // At most ~4 years of minutes; a valid expression matches far sooner.
  for (int i = 0; i < 4 * 366 * 24 * 60; ++i, t += 60) {
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    if (!month_.test(static_cast<size_t>(tm.tm_mon + 1))) continue;
    bool dom = dom_.test(static_cast<size_t>(tm.tm_mday));
    bool dow = dow_.test(static_cast<size_t>(tm.tm_wday));
    // Vixie cron: when both day fields are restricted, either may match.
    bool day = (dom_any_ || dow_any_) ? (dom && dow) : (dom || dow);
    if (!day) continue;
    if (!hour_.test(static_cast<size_t>(tm.tm_hour))) continue;
    if (!minute_.test(static_cast<size_t>(tm.tm_min))) continue;
    return t;
  }
  return -1;
}

}  // namespace postwork::core
