#pragma once
// A small thread-safe metrics registry: counters, gauges and histograms with
// labels, rendered in the Prometheus text exposition format (version 0.0.4).
// Recording is lock-free once a labelled child exists; looking a child up by
// its label values takes the family's mutex, so hot paths keep the reference.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace postwork::core::metrics {

using LabelValues = std::vector<std::string>;

class Counter {
 public:
  void Inc(double by = 1.0) { value_.fetch_add(by, std::memory_order_relaxed); }
  // For a total kept elsewhere (it must only grow): mirrors it at scrape time.
  void MirrorTotal(double total) { value_.store(total, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double by) { value_.fetch_add(by, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Histogram {
 public:
  // `bounds`: upper bounds, strictly increasing, without +Inf.
  explicit Histogram(const std::vector<double>& bounds);
  void Observe(double v);

  struct Snapshot {
    std::vector<double> bounds;        // as given
    std::vector<uint64_t> cumulative;  // per bound, then one for +Inf
    double sum = 0;
    uint64_t count = 0;  // == cumulative.back()
  };
  Snapshot Read() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1 (overflow)
  std::atomic<double> sum_{0.0};
};

enum class Type { kCounter, kGauge, kHistogram };

// One metric name with its help text, label names and a child per set of
// label values.
template <typename Child>
class Family {
 public:
  Family(std::string name, std::string help, std::vector<std::string> label_names,
         std::vector<double> buckets = {});
  // The child for these label values (as many as label names), created on first use.
  Child& With(const LabelValues& values);
  // Drops every child (for gauges recomputed at each scrape).
  void Clear();

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  // Children sorted by label values.
  std::vector<std::pair<LabelValues, const Child*>> Children() const;

 private:
  std::string name_, help_;
  std::vector<std::string> label_names_;
  std::vector<double> buckets_;
  mutable std::mutex mu_;
  std::map<LabelValues, std::unique_ptr<Child>> children_;
};

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Names and labels follow Prometheus rules (std::invalid_argument otherwise);
  // a family without labels gets its one child at once, so it shows as 0.
  Family<Counter>& AddCounter(const std::string& name, const std::string& help,
                              std::vector<std::string> label_names = {});
  Family<Gauge>& AddGauge(const std::string& name, const std::string& help,
                          std::vector<std::string> label_names = {});
  Family<Histogram>& AddHistogram(const std::string& name, const std::string& help,
                                  std::vector<std::string> label_names,
                                  std::vector<double> buckets);

  // Every family in registration order, text format 0.0.4.
  std::string Render() const;

 private:
  void CheckNew(const std::string& name, const std::vector<std::string>& label_names) const;

  mutable std::mutex mu_;
  struct Entry {
    Type type;
    std::unique_ptr<Family<Counter>> counter;
    std::unique_ptr<Family<Gauge>> gauge;
    std::unique_ptr<Family<Histogram>> histogram;
  };
  std::vector<Entry> families_;
};

// "1", "0.25", "+Inf", "NaN": the format's float syntax.
std::string FormatValue(double v);
// Label values escape \ " and newline; help text escapes \ and newline.
std::string EscapeLabelValue(const std::string& v);
std::string EscapeHelp(const std::string& v);

// The text format's content type.
inline constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace postwork::core::metrics
