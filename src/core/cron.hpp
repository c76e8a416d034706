#pragma once
// Five-field cron expressions in UTC: minute hour day-of-month month day-of-week,
// with *, lists (1,5), ranges (1-5) and steps (*/15, 0-30/10).
#include <bitset>
#include <cstdint>
#include <string>

#include "nlohmann/json.hpp"

namespace postwork::core {

class CronSchedule {
 public:
  // Throws ConfigError naming the bad field.
  static CronSchedule Parse(const std::string& expr);
  // The first tick strictly after `after_s` (epoch seconds), on a whole minute.
  int64_t Next(int64_t after_s) const;
  const std::string& expr() const { return expr_; }

 private:
  std::string expr_;
  std::bitset<60> minute_;
  std::bitset<24> hour_;
  std::bitset<32> dom_;
  std::bitset<13> month_;
  std::bitset<7> dow_;
  bool dom_any_ = true, dow_any_ = true;
};

struct CronEntry {
  std::string name;
  CronSchedule schedule;
  std::string queue;
  nlohmann::json payload = nlohmann::json::object();
};

}  // namespace postwork::core
