#include "handlers/email_common/time_zone.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>

namespace postwork::handlers::email {
namespace {
using std::chrono::days;
using std::chrono::local_seconds;
using std::chrono::seconds;
using std::chrono::sys_days;
using std::chrono::sys_seconds;

// ---- POSIX TZ strings (RFC 8536 section 3.3, POSIX.1 section 8.3) ----

class RuleReader {
 public:
  explicit RuleReader(std::string_view s) : s_(s) {}
  bool done() const { return i_ >= s_.size(); }
  char peek() const { return done() ? '\0' : s_[i_]; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++i_;
    return true;
  }
  void Name() {
    if (eat('<')) {
      while (!done() && peek() != '>') ++i_;
      if (!eat('>')) Fail();
      return;
    }
    size_t start = i_;
    while (!done() && std::isalpha(static_cast<unsigned char>(peek()))) ++i_;
    if (i_ - start < 3) Fail();
  }
  int Number(int max) {
    if (!std::isdigit(static_cast<unsigned char>(peek()))) Fail();
    int n = 0;
    while (std::isdigit(static_cast<unsigned char>(peek()))) {
      n = n * 10 + (s_[i_++] - '0');
      if (n > max) Fail();
    }
    return n;
  }
  // [+-]hh[:mm[:ss]] in seconds.
  int64_t Time(int max_hours) {
    int sign = 1;
    if (eat('-'))
      sign = -1;
    else
      eat('+');
    int64_t v = int64_t{Number(max_hours)} * 3600;
    if (eat(':')) v += Number(59) * 60;
    if (eat(':')) v += Number(59);
    return sign * v;
  }
  PosixTzRule::When Date() {
    PosixTzRule::When w;
    if (eat('M')) {
      w.kind = PosixTzRule::When::Kind::kMonthWeekDay;
      w.month = Number(12);
      if (!eat('.')) Fail();
      w.week = Number(5);
      if (!eat('.')) Fail();
      w.weekday = Number(6);
      if (w.month < 1 || w.week < 1) Fail();
    } else if (eat('J')) {
      w.kind = PosixTzRule::When::Kind::kJulianNoLeap;
      w.day = Number(365);
      if (w.day < 1) Fail();
    } else {
      w.kind = PosixTzRule::When::Kind::kJulianZero;
      w.day = Number(365);
    }
    if (eat('/')) w.time_s = Time(167);
    return w;
  }
  [[noreturn]] void Fail() const {
    throw std::invalid_argument("malformed POSIX TZ rule '" + std::string(s_) + "'");
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

// Midnight (UTC-based day count) of the day a rule names in `year`.
sys_days RuleDay(const PosixTzRule::When& w, int year) {
  using namespace std::chrono;
  switch (w.kind) {
    case PosixTzRule::When::Kind::kMonthWeekDay: {
      auto wd = weekday{static_cast<unsigned>(w.weekday)};
      auto ym = std::chrono::year{year} / month{static_cast<unsigned>(w.month)};
      if (w.week == 5) return sys_days{ym / wd[last]};
      return sys_days{ym / wd[static_cast<unsigned>(w.week)]};
    }
    case PosixTzRule::When::Kind::kJulianNoLeap: {
      // Day 1..365, February 29 never counted.
      sys_days jan1{std::chrono::year{year} / January / 1};
      int d = w.day - 1;
      if (std::chrono::year{year}.is_leap() && w.day >= 60) ++d;
      return jan1 + days{d};
    }
    case PosixTzRule::When::Kind::kJulianZero:
      return sys_days{std::chrono::year{year} / January / 1} + days{w.day};
  }
  return {};
}

int YearOf(int64_t s) {
  auto d = std::chrono::floor<days>(sys_seconds{seconds{s}});
  return static_cast<int>(std::chrono::year_month_day{d}.year());
}

// ---- TZif (RFC 8536) ----

class ByteReader {
 public:
  explicit ByteReader(std::string_view b) : b_(b) {}
  void Need(size_t n) const {
    if (pos_ + n > b_.size()) throw std::invalid_argument("truncated TZif data");
  }
  int64_t Be(size_t width) {
    Need(width);
    uint64_t v = 0;
    for (size_t i = 0; i < width; ++i) v = (v << 8) | static_cast<unsigned char>(b_[pos_ + i]);
    pos_ += width;
    if (width == 4) return static_cast<int32_t>(static_cast<uint32_t>(v));
    return static_cast<int64_t>(v);
  }
  uint8_t Byte() {
    Need(1);
    return static_cast<uint8_t>(b_[pos_++]);
  }
  void Skip(size_t n) {
    Need(n);
    pos_ += n;
  }
  std::string_view Rest() const { return b_.substr(pos_); }
  size_t pos() const { return pos_; }

 private:
  std::string_view b_;
  size_t pos_ = 0;
};

struct TzifHeader {
  char version = 0;
  int64_t isutcnt = 0, isstdcnt = 0, leapcnt = 0, timecnt = 0, typecnt = 0, charcnt = 0;
};

TzifHeader ReadHeader(ByteReader& r) {
  r.Need(44);
  std::string magic;
  for (int i = 0; i < 4; ++i) magic.push_back(static_cast<char>(r.Byte()));
  if (magic != "TZif") throw std::invalid_argument("not a TZif file");
  TzifHeader h;
  h.version = static_cast<char>(r.Byte());
  r.Skip(15);
  h.isutcnt = r.Be(4);
  h.isstdcnt = r.Be(4);
  h.leapcnt = r.Be(4);
  h.timecnt = r.Be(4);
  h.typecnt = r.Be(4);
  h.charcnt = r.Be(4);
  if (h.typecnt < 1 || h.timecnt < 0 || h.charcnt < 0 || h.leapcnt < 0 || h.isutcnt < 0 ||
      h.isstdcnt < 0) {
    throw std::invalid_argument("bad TZif header");
  }
  return h;
}

bool ValidZoneName(const std::string& name) {
  if (name.empty() || name.size() > 128 || name.front() == '/' ||
      name.find("..") != std::string::npos) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' || c == '-' ||
           c == '+';
  });
}
}  // namespace

PosixTzRule PosixTzRule::Parse(std::string_view text) {
  RuleReader r(text);
  PosixTzRule rule;
  r.Name();
  rule.std_offset_s = -r.Time(24);
  if (r.done()) return rule;
  r.Name();
  rule.has_dst = true;
  rule.dst_offset_s = rule.std_offset_s + 3600;
  if (r.peek() != ',' && !r.done()) rule.dst_offset_s = -r.Time(24);
  if (!r.eat(',')) {
    // "EST5EDT" without rules: POSIX leaves them implementation-defined; the
    // current US rules are the usual choice.
    rule.start = {.kind = When::Kind::kMonthWeekDay, .month = 3, .week = 2, .weekday = 0};
    rule.end = {.kind = When::Kind::kMonthWeekDay, .month = 11, .week = 1, .weekday = 0};
    if (!r.done()) r.Fail();
    return rule;
  }
  rule.start = r.Date();
  if (!r.eat(',')) r.Fail();
  rule.end = r.Date();
  if (!r.done()) r.Fail();
  return rule;
}

int64_t PosixTzRule::OffsetAt(int64_t utc_s) const {
  if (!has_dst) return std_offset_s;
  int year = YearOf(utc_s + std_offset_s);
  auto at = [&](const When& w, int64_t offset_before) {
    int64_t day = std::chrono::duration_cast<seconds>(RuleDay(w, year).time_since_epoch()).count();
    return day + w.time_s - offset_before;
  };
  int64_t dst_from = at(start, std_offset_s);  // wall clock in standard time
  int64_t dst_until = at(end, dst_offset_s);   // wall clock in daylight time
  bool dst = dst_from < dst_until ? (utc_s >= dst_from && utc_s < dst_until)
                                  : !(utc_s >= dst_until && utc_s < dst_from);
  return dst ? dst_offset_s : std_offset_s;
}

TimeZone TimeZone::Fixed(std::string name, int64_t offset_s) {
  TimeZone z;
  z.name_ = std::move(name);
  z.initial_offset_ = offset_s;
  return z;
}

TimeZone TimeZone::FromTzif(std::string name, std::string_view bytes) {
  ByteReader r(bytes);
  TzifHeader h = ReadHeader(r);
  size_t width = 4;
  if (h.version >= '2') {
    // Skip the v1 block; the v2+ block has 64-bit times.
    r.Skip(static_cast<size_t>(h.timecnt * 5 + h.typecnt * 6 + h.charcnt + h.leapcnt * 8 +
                               h.isstdcnt + h.isutcnt));
    h = ReadHeader(r);
    width = 8;
  }
  TimeZone z;
  z.name_ = std::move(name);
  std::vector<int64_t> times(static_cast<size_t>(h.timecnt));
  for (auto& t : times) t = r.Be(width);
  std::vector<uint8_t> idx(static_cast<size_t>(h.timecnt));
  for (auto& i : idx) i = r.Byte();
  std::vector<int64_t> type_offsets(static_cast<size_t>(h.typecnt));
  for (auto& off : type_offsets) {
    off = r.Be(4);
    r.Skip(2);  // isdst, desigidx
  }
  r.Skip(static_cast<size_t>(h.charcnt + h.leapcnt * (width + 4) + h.isstdcnt + h.isutcnt));
  z.initial_offset_ = type_offsets[0];
  for (size_t i = 0; i < times.size(); ++i) {
    if (idx[i] >= type_offsets.size()) throw std::invalid_argument("bad TZif type index");
    if (i > 0 && times[i] <= times[i - 1]) throw std::invalid_argument("unsorted TZif transitions");
    z.transitions_.push_back(times[i]);
    z.offsets_.push_back(type_offsets[idx[i]]);
  }
  if (width == 8) {
    std::string_view footer = r.Rest();
    if (footer.size() >= 2 && footer.front() == '\n') {
      footer.remove_prefix(1);
      footer = footer.substr(0, footer.find('\n'));
      if (!footer.empty()) {
        z.rule_ = PosixTzRule::Parse(footer);
        z.has_rule_ = true;
      }
    }
  }
  return z;
}

std::shared_ptr<const TimeZone> TimeZone::Load(const std::string& name) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const TimeZone>> cache;
  std::lock_guard lock(mu);
  if (auto it = cache.find(name); it != cache.end()) return it->second;
  if (!ValidZoneName(name)) throw std::invalid_argument("invalid time zone name '" + name + "'");
  std::shared_ptr<const TimeZone> zone;
  if (name == "UTC" || name == "Etc/UTC") {
    zone = std::make_shared<TimeZone>(Fixed(name, 0));
  } else {
    const char* dir = std::getenv("TZDIR");
    std::string path = std::string(dir && *dir ? dir : "/usr/share/zoneinfo") + "/" + name;
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::invalid_argument("unknown time zone '" + name + "'");
    std::stringstream buf;
    buf << in.rdbuf();
    zone = std::make_shared<TimeZone>(FromTzif(name, buf.str()));
  }
  cache.emplace(name, zone);
  return zone;
}

int64_t TimeZone::OffsetAt(sys_seconds utc) const {
  int64_t t = utc.time_since_epoch().count();
  if (transitions_.empty() || t < transitions_.front()) {
    return transitions_.empty() && has_rule_ ? rule_.OffsetAt(t) : initial_offset_;
  }
  if (t >= transitions_.back() && has_rule_) return rule_.OffsetAt(t);
  auto it = std::upper_bound(transitions_.begin(), transitions_.end(), t);
  return offsets_[static_cast<size_t>(it - transitions_.begin()) - 1];
}

local_seconds TimeZone::ToLocal(sys_seconds utc) const {
  return local_seconds{utc.time_since_epoch() + seconds{OffsetAt(utc)}};
}

sys_seconds TimeZone::ToUtc(local_seconds local) const {
  int64_t l = local.time_since_epoch().count();
  // The offsets in force a day either side cover every real transition.
  int64_t before = OffsetAt(sys_seconds{seconds{l - 86400}});
  int64_t after = OffsetAt(sys_seconds{seconds{l + 86400}});
  for (int64_t off : {before, after}) {  // first occurrence first
    int64_t u = l - off;
    if (OffsetAt(sys_seconds{seconds{u}}) == off) return sys_seconds{seconds{u}};
  }
  // In the gap: read the wall time with the offset from before the jump.
  return sys_seconds{seconds{l - before}};
}

}  // namespace postwork::handlers::email
