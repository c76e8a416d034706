#pragma once
// A strict parser of the Prometheus text exposition format (0.0.4), for tests:
// it accepts what Prometheus accepts and throws std::runtime_error naming the
// line for anything it would reject, plus the rules of good exposition that
// promtool checks (HELP and TYPE before samples, one TYPE per family, families
// not interleaved, counters ending in _total, histogram buckets cumulative,
// ending in le="+Inf" equal to _count, no duplicate series).
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace postwork::testing {

struct PromSample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct PromFamily {
  std::string name, type, help;
  std::vector<PromSample> samples;
};

class PromText {
 public:
  static PromText Parse(const std::string& text) {
    PromText out;
    out.DoParse(text);
    return out;
  }
  const std::map<std::string, PromFamily>& families() const { return families_; }
  bool Has(const std::string& family) const { return families_.count(family) > 0; }
  const PromFamily& Family(const std::string& name) const {
    auto it = families_.find(name);
    if (it == families_.end()) throw std::runtime_error("no metric family " + name);
    return it->second;
  }
  // The value of the one sample with this name and labels; throws if absent.
  double Value(const std::string& sample,
               const std::map<std::string, std::string>& labels = {}) const {
    for (const auto& [_, f] : families_) {
      for (const auto& s : f.samples) {
        if (s.name == sample && s.labels == labels) return s.value;
      }
    }
    throw std::runtime_error("no sample " + sample);
  }

 private:
  [[noreturn]] void Fail(const std::string& why) const {
    throw std::runtime_error("line " + std::to_string(line_no_) + ": " + why + ": '" + line_ + "'");
  }
  static bool NameChar(char c, bool first, bool colon) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':') ||
           (!first && c >= '0' && c <= '9');
  }
  std::string ReadName(size_t& i, bool colon) const {
    size_t start = i;
    while (i < line_.size() && NameChar(line_[i], i == start, colon)) ++i;
    if (i == start) Fail("expected a name");
    return line_.substr(start, i - start);
  }
  double ReadValue(const std::string& text) const {
    if (text == "+Inf" || text == "Inf") return INFINITY;
    if (text == "-Inf") return -INFINITY;
    if (text == "NaN") return NAN;
    if (text.empty()) Fail("missing value");
    char* end = nullptr;
    double v = std::strtod(text.c_str(), &end);
    if (*end != '\0' || text.find_first_of("xXpP") != std::string::npos)
      Fail("bad number '" + text + "'");
    return v;
  }
  // The family a sample belongs to: histogram suffixes map to their base.
  std::string FamilyOf(const std::string& sample) const {
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      std::string s = suffix;
      if (sample.size() > s.size() && sample.compare(sample.size() - s.size(), s.size(), s) == 0) {
        std::string base = sample.substr(0, sample.size() - s.size());
        auto it = families_.find(base);
        if (it != families_.end() && it->second.type == "histogram") return base;
      }
    }
    return sample;
  }

  void Comment() {
    // "# HELP name text" / "# TYPE name type"; other comments are allowed.
    if (line_.rfind("# HELP ", 0) != 0 && line_.rfind("# TYPE ", 0) != 0) return;
    bool help = line_[2] == 'H';
    size_t i = 7;
    std::string name = ReadName(i, true);
    if (i >= line_.size() || line_[i] != ' ') Fail("expected a space after the name");
    std::string rest = line_.substr(i + 1);
    auto& f = families_[name];
    f.name = name;
    if (closed_.count(name)) Fail("family " + name + " appears twice (interleaved)");
    if (current_ != name && !current_.empty()) closed_.insert(current_);
    current_ = name;
    if (help) {
      if (!f.help.empty()) Fail("second HELP for " + name);
      for (size_t k = 0; k < rest.size(); ++k) {
        if (rest[k] == '\\' &&
            (k + 1 >= rest.size() || (rest[k + 1] != '\\' && rest[k + 1] != 'n'))) {
          Fail("bad escape in HELP");
        }
        if (rest[k] == '\\') ++k;
      }
      f.help = rest;
    } else {
      if (!f.type.empty()) Fail("second TYPE for " + name);
      if (!f.samples.empty()) Fail("TYPE after samples of " + name);
      static const std::set<std::string> kTypes = {"counter", "gauge", "histogram", "summary",
                                                   "untyped"};
      if (!kTypes.count(rest)) Fail("unknown type " + rest);
      f.type = rest;
      if (rest == "counter" &&
          (name.size() <= 6 || name.compare(name.size() - 6, 6, "_total") != 0)) {
        Fail("counter " + name + " should end in _total");
      }
    }
  }

  void Sample() {
    size_t i = 0;
    PromSample s;
    s.name = ReadName(i, true);
    if (i < line_.size() && line_[i] == '{') {
      ++i;
      while (true) {
        if (i < line_.size() && line_[i] == '}') {
          ++i;
          break;
        }
        std::string label = ReadName(i, false);
        if (label.rfind("__", 0) == 0) Fail("reserved label name " + label);
        if (i + 1 >= line_.size() || line_[i] != '=' || line_[i + 1] != '"') Fail("expected =\"");
        i += 2;
        std::string value;
        while (true) {
          if (i >= line_.size()) Fail("unterminated label value");
          char c = line_[i++];
          if (c == '"') break;
          if (c == '\\') {
            if (i >= line_.size()) Fail("dangling escape");
            char e = line_[i++];
            if (e == 'n')
              value += '\n';
            else if (e == '\\' || e == '"')
              value += e;
            else
              Fail("bad escape in a label value");
          } else {
            value += c;
          }
        }
        if (!s.labels.emplace(label, value).second) Fail("duplicate label " + label);
        if (i < line_.size() && line_[i] == ',') {
          ++i;
          continue;
        }
        if (i < line_.size() && line_[i] == '}') {
          ++i;
          break;
        }
        Fail("expected , or }");
      }
    }
    if (i >= line_.size() || line_[i] != ' ') Fail("expected a space before the value");
    std::string rest = line_.substr(i + 1);
    auto sp = rest.find(' ');
    s.value = ReadValue(sp == std::string::npos ? rest : rest.substr(0, sp));
    if (sp != std::string::npos) {
      std::string ts = rest.substr(sp + 1);
      if (ts.empty() || ts.find_first_not_of("-0123456789") != std::string::npos)
        Fail("bad timestamp");
    }
    std::string family = FamilyOf(s.name);
    auto it = families_.find(family);
    if (it == families_.end() || it->second.type.empty()) Fail("sample without a TYPE line");
    if (it->second.help.empty()) Fail("sample without a HELP line");
    if (current_ != family) Fail("sample of " + family + " outside its family's block");
    std::string series = s.name;
    for (const auto& [k, v] : s.labels) series += "|" + k + "=" + v;
    if (!series_.insert(series).second) Fail("duplicate series");
    if (it->second.type == "counter" && (s.value < 0 || std::isnan(s.value)))
      Fail("negative counter");
    it->second.samples.push_back(std::move(s));
  }

  void CheckHistograms() const {
    for (const auto& [name, f] : families_) {
      if (f.type != "histogram") continue;
      // Group by labels other than le.
      std::map<std::map<std::string, std::string>, std::vector<std::pair<double, double>>> buckets;
      std::map<std::map<std::string, std::string>, double> counts;
      for (const auto& s : f.samples) {
        auto labels = s.labels;
        if (s.name == name + "_bucket") {
          auto le = labels.find("le");
          if (le == labels.end()) throw std::runtime_error(name + ": bucket without le");
          double bound = le->second == "+Inf" ? INFINITY : std::strtod(le->second.c_str(), nullptr);
          labels.erase(le);
          buckets[labels].push_back({bound, s.value});
        } else if (s.name == name + "_count") {
          counts[labels] = s.value;
        } else if (s.name != name + "_sum") {
          throw std::runtime_error(name + ": unexpected sample " + s.name);
        }
      }
      for (const auto& [labels, list] : buckets) {
        for (size_t k = 1; k < list.size(); ++k) {
          if (!(list[k].first > list[k - 1].first))
            throw std::runtime_error(name + ": le not increasing");
          if (list[k].second < list[k - 1].second)
            throw std::runtime_error(name + ": buckets not cumulative");
        }
        if (list.empty() || !std::isinf(list.back().first))
          throw std::runtime_error(name + ": no +Inf bucket");
        auto c = counts.find(labels);
        if (c == counts.end() || c->second != list.back().second) {
          throw std::runtime_error(name + ": _count differs from the +Inf bucket");
        }
      }
    }
  }

  void DoParse(const std::string& text) {
    if (!text.empty() && text.back() != '\n')
      throw std::runtime_error("the text must end with a newline");
    size_t pos = 0;
    while (pos < text.size()) {
      size_t nl = text.find('\n', pos);
      line_ = text.substr(pos, nl - pos);
      pos = nl + 1;
      ++line_no_;
      if (line_.empty()) continue;
      if (line_.find('\r') != std::string::npos) Fail("carriage return");
      if (line_[0] == '#') {
        Comment();
      } else {
        Sample();
      }
    }
    CheckHistograms();
  }

  std::map<std::string, PromFamily> families_;
  std::set<std::string> closed_, series_;
  std::string current_, line_;
  int line_no_ = 0;
};

}  // namespace postwork::testing
