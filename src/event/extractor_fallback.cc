// The validating On-Demand walk, for the rare message whose numbers simdjson's DOM refuses.
// It visits every value (that is what makes it validating, and why it is slower than the DOM
// path), carrying the *set* of trie nodes that apply, because On-Demand values can be read
// only once.
#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <string>

#include "event/recorder.h"

namespace trailwatch::event {
namespace od = simdjson::ondemand;
namespace {

using Node = PathSet::Node;

// RFC 8259 number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool IsJsonNumber(std::string_view s) {
  std::size_t i = 0;
  const std::size_t n = s.size();
  auto digits = [&] {
    const std::size_t b = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') ++i;
    return i - b;
  };
  if (i < n && s[i] == '-') ++i;
  if (i < n && s[i] == '0') {
    ++i;
  } else if (digits() == 0) {
    return false;
  }
  if (i < n && s[i] == '.') {
    ++i;
    if (digits() == 0) return false;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  return i == n;
}

class OnDemandWalker {
 public:
  OnDemandWalker(const PathSet& paths, Recorder* recorder)
      : nodes_(paths.nodes()), recorder_(recorder) {}

  bool WalkObject(od::object obj, std::size_t begin, std::size_t end) {
    for (auto field : obj) {
      std::string_view key;
      if (field.error() != simdjson::SUCCESS) return false;
      if (field.unescaped_key().get(key) != simdjson::SUCCESS) return false;
      const std::size_t child_begin = stack_.size();
      for (std::size_t i = begin; i < end; ++i) {
        const Node& n = nodes_[stack_[i]];
        if (const std::int32_t child = n.FindKey(key); child >= 0) {
          stack_.push_back(static_cast<std::uint32_t>(child));
        }
        if (n.any_child >= 0) stack_.push_back(static_cast<std::uint32_t>(n.any_child));
      }
      od::value child;
      if (field.value().get(child) != simdjson::SUCCESS) return false;
      const bool ok = Walk(child, child_begin, stack_.size());
      stack_.resize(child_begin);
      if (!ok) return false;
    }
    return true;
  }

  void Start() { stack_.assign(1, 0); }

 private:
  bool WalkArray(od::array arr, std::size_t begin, std::size_t end) {
    std::uint32_t index = 0;
    for (auto element : arr) {
      od::value child;
      if (element.get(child) != simdjson::SUCCESS) return false;
      const std::size_t child_begin = stack_.size();
      for (std::size_t i = begin; i < end; ++i) {
        const Node& n = nodes_[stack_[i]];
        auto it = std::lower_bound(n.indexes.begin(), n.indexes.end(), index,
                                   [](const auto& p, std::uint32_t k) { return p.first < k; });
        if (it != n.indexes.end() && it->first == index) stack_.push_back(it->second);
        if (n.any_child >= 0) stack_.push_back(static_cast<std::uint32_t>(n.any_child));
      }
      const bool ok = Walk(child, child_begin, stack_.size());
      stack_.resize(child_begin);
      if (!ok) return false;
      ++index;
    }
    return true;
  }

  bool Walk(od::value value, std::size_t begin, std::size_t end) {
    od::json_type type;
    if (value.type().get(type) != simdjson::SUCCESS) return false;
    Value v;
    switch (type) {
      case od::json_type::object: {
        v.kind = ValueKind::kObject;
        RecordAll(v, begin, end);
        od::object obj;
        return value.get_object().get(obj) == simdjson::SUCCESS && WalkObject(obj, begin, end);
      }
      case od::json_type::array: {
        v.kind = ValueKind::kArray;
        RecordAll(v, begin, end);
        od::array arr;
        return value.get_array().get(arr) == simdjson::SUCCESS && WalkArray(arr, begin, end);
      }
      case od::json_type::string:
        v.kind = ValueKind::kString;
        if (value.get_string().get(v.text) != simdjson::SUCCESS) return false;
        break;
      case od::json_type::number: {
        std::string_view raw = value.raw_json_token();
        while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\t' || raw.back() == '\n' ||
                                raw.back() == '\r')) {
          raw.remove_suffix(1);
        }
        if (!IsJsonNumber(raw)) return false;
        double number = 0;
        auto [ptr, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), number);
        if (ec == std::errc::result_out_of_range) {
          number = std::strtod(std::string(raw).c_str(), nullptr);  // saturates to inf or 0
        }
        for (std::size_t i = begin; i < end; ++i) {
          for (std::uint32_t slot : nodes_[stack_[i]].slots)
            recorder_->AddNumber(slot, number, raw);
        }
        return true;
      }
      case od::json_type::boolean:
        v.kind = ValueKind::kBool;
        if (value.get_bool().get(v.boolean) != simdjson::SUCCESS) return false;
        v.text = v.boolean ? "true" : "false";
        break;
      case od::json_type::null: {
        bool is_null = false;
        if (value.is_null().get(is_null) != simdjson::SUCCESS || !is_null) return false;
        v.kind = ValueKind::kNull;
        break;
      }
    }
    RecordAll(v, begin, end);
    return true;
  }

  void RecordAll(const Value& v, std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      for (std::uint32_t slot : nodes_[stack_[i]].slots) recorder_->Add(slot, v);
    }
  }

  const std::vector<Node>& nodes_;
  Recorder* recorder_;
  std::vector<std::uint32_t> stack_;  // state sets of the values being walked, by depth
};

}  // namespace

bool WalkOnDemand(od::parser& parser, const PathSet& paths, const char* buffer, std::size_t length,
                  std::size_t capacity, Recorder* recorder) {
  od::document doc;
  if (parser.iterate(buffer, length, capacity).get(doc) != simdjson::SUCCESS) return false;
  od::object root;
  if (doc.get_object().get(root) != simdjson::SUCCESS) return false;
  OnDemandWalker walker(paths, recorder);
  walker.Start();
  if (!walker.WalkObject(root, 0, 1)) return false;
  // Anything but white space after the object makes the message something other than JSON.
  return doc.current_location().error() == simdjson::OUT_OF_BOUNDS;
}

}  // namespace trailwatch::event
