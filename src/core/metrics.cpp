#include "core/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace postwork::core::metrics {
namespace {
bool ValidName(const std::string& s, bool allow_colon) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (allow_colon && c == ':') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::string LabelSet(const std::vector<std::string>& names, const LabelValues& values,
                     const std::string& extra_name = "", const std::string& extra_value = "") {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    out += out.empty() ? "{" : ",";
    out += names[i] + "=\"" + EscapeLabelValue(values[i]) + "\"";
  }
  if (!extra_name.empty()) {
    out += out.empty() ? "{" : ",";
    out += extra_name + "=\"" + EscapeLabelValue(extra_value) + "\"";
  }
  if (!out.empty()) out += "}";
  return out;
}

void Header(std::string& out, const std::string& name, const std::string& help, const char* type) {
  out += "# HELP " + name + " " + EscapeHelp(help) + "\n";
  out += "# TYPE " + name + " " + type + "\n";
}

template <typename Child>
void RenderSimple(std::string& out, const Family<Child>& f, const char* type) {
  Header(out, f.name(), f.help(), type);
  for (const auto& [values, child] : f.Children()) {
    out += f.name() + LabelSet(f.label_names(), values) + " " + FormatValue(child->value()) + "\n";
  }
}

void RenderHistogram(std::string& out, const Family<Histogram>& f) {
  Header(out, f.name(), f.help(), "histogram");
  for (const auto& [values, child] : f.Children()) {
    auto s = child->Read();
    for (size_t i = 0; i <= s.bounds.size(); ++i) {
      std::string le = i < s.bounds.size() ? FormatValue(s.bounds[i]) : "+Inf";
      out += f.name() + "_bucket" + LabelSet(f.label_names(), values, "le", le) + " " +
             std::to_string(s.cumulative[i]) + "\n";
    }
    out += f.name() + "_sum" + LabelSet(f.label_names(), values) + " " + FormatValue(s.sum) + "\n";
    out += f.name() + "_count" + LabelSet(f.label_names(), values) + " " + std::to_string(s.count) +
           "\n";
  }
}
}  // namespace

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.0f", v);
    return buf;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  // Shortest text that reads back the same.
  for (int precision = 1; precision < 17; ++precision) {
    char shorter[32];
    std::snprintf(shorter, sizeof(shorter), "%.*g", precision, v);
    if (std::strtod(shorter, nullptr) == v) return shorter;
  }
  return buf;
}

std::string EscapeLabelValue(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string EscapeHelp(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

Histogram::Histogram(const std::vector<double>& bounds)
    : bounds_(bounds), buckets_(new std::atomic<uint64_t>[bounds.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::Observe(double v) {
  // le is inclusive: a value equal to a bound lands in that bound's bucket.
  size_t i =
      static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin());
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot s;
  s.bounds = bounds_;
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  s.count = running;
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

template <typename Child>
Family<Child>::Family(std::string name, std::string help, std::vector<std::string> label_names,
                      std::vector<double> buckets)
    : name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)),
      buckets_(std::move(buckets)) {}

template <typename Child>
Child& Family<Child>::With(const LabelValues& values) {
  if (values.size() != label_names_.size()) {
    throw std::invalid_argument(name_ + ": expected " + std::to_string(label_names_.size()) +
                                " label value(s)");
  }
  std::lock_guard lock(mu_);
  auto& slot = children_[values];
  if (!slot) {
    if constexpr (std::is_same_v<Child, Histogram>) {
      slot = std::make_unique<Histogram>(buckets_);
    } else {
      slot = std::make_unique<Child>();
    }
  }
  return *slot;
}

template <typename Child>
void Family<Child>::Clear() {
  std::lock_guard lock(mu_);
  children_.clear();
}

template <typename Child>
std::vector<std::pair<LabelValues, const Child*>> Family<Child>::Children() const {
  std::lock_guard lock(mu_);
  std::vector<std::pair<LabelValues, const Child*>> out;
  for (const auto& [values, child] : children_) out.emplace_back(values, child.get());
  return out;
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

void Registry::CheckNew(const std::string& name,
                        const std::vector<std::string>& label_names) const {
  if (!ValidName(name, true)) throw std::invalid_argument("invalid metric name '" + name + "'");
  for (const auto& l : label_names) {
    if (!ValidName(l, false) || l.rfind("__", 0) == 0 || l == "le") {
      throw std::invalid_argument(name + ": invalid label name '" + l + "'");
    }
  }
  for (const auto& e : families_) {
    const std::string& existing = e.counter ? e.counter->name()
                                  : e.gauge ? e.gauge->name()
                                            : e.histogram->name();
    if (existing == name) throw std::invalid_argument("metric '" + name + "' registered twice");
  }
}

Family<Counter>& Registry::AddCounter(const std::string& name, const std::string& help,
                                      std::vector<std::string> label_names) {
  std::lock_guard lock(mu_);
  CheckNew(name, label_names);
  Entry e{.type = Type::kCounter};
  e.counter = std::make_unique<Family<Counter>>(name, help, std::move(label_names));
  if (e.counter->label_names().empty()) e.counter->With({});
  families_.push_back(std::move(e));
  return *families_.back().counter;
}

Family<Gauge>& Registry::AddGauge(const std::string& name, const std::string& help,
                                  std::vector<std::string> label_names) {
  std::lock_guard lock(mu_);
  CheckNew(name, label_names);
  Entry e{.type = Type::kGauge};
  e.gauge = std::make_unique<Family<Gauge>>(name, help, std::move(label_names));
  if (e.gauge->label_names().empty()) e.gauge->With({});
  families_.push_back(std::move(e));
  return *families_.back().gauge;
}

Family<Histogram>& Registry::AddHistogram(const std::string& name, const std::string& help,
                                          std::vector<std::string> label_names,
                                          std::vector<double> buckets) {
  std::lock_guard lock(mu_);
  CheckNew(name, label_names);
  if (buckets.empty() || !std::is_sorted(buckets.begin(), buckets.end()) ||
      std::adjacent_find(buckets.begin(), buckets.end()) != buckets.end() ||
      std::isinf(buckets.back())) {
    throw std::invalid_argument(name + ": buckets must be finite and strictly increasing");
  }
  Entry e{.type = Type::kHistogram};
  e.histogram =
      std::make_unique<Family<Histogram>>(name, help, std::move(label_names), std::move(buckets));
  if (e.histogram->label_names().empty()) e.histogram->With({});
  families_.push_back(std::move(e));
  return *families_.back().histogram;
}

std::string Registry::Render() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& e : families_) {
    switch (e.type) {
      case Type::kCounter:
        RenderSimple(out, *e.counter, "counter");
        break;
      case Type::kGauge:
        RenderSimple(out, *e.gauge, "gauge");
        break;
      case Type::kHistogram:
        RenderHistogram(out, *e.histogram);
        break;
    }
  }
  return out;
}

}  // namespace postwork::core::metrics
