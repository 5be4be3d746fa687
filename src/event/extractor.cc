// The On-Demand walk. It visits an event's members in document order with a *set* of trie
// nodes, because On-Demand values can be read only once: when $.a.b and $.*.c both apply to
// member "a", its value is walked once for both.
#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <string>

#include "event/event.h"

namespace trailwatch::event {
namespace od = simdjson::ondemand;

struct Extractor::Impl {
  od::parser parser;
  std::unique_ptr<char[]> buffer;
  std::size_t capacity = 0;
  std::vector<std::uint32_t> stack;  // state sets of the nodes being walked, by depth
};

namespace {
using Node = PathSet::Node;
}  // namespace

namespace internal {

namespace {
bool TrimmedNumber(std::string_view raw, std::string_view* text, double* number) {
  while (!raw.empty() &&
         (raw.back() == ' ' || raw.back() == '\t' || raw.back() == '\n' || raw.back() == '\r')) {
    raw.remove_suffix(1);
  }
  *text = raw;
  auto [ptr, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), *number);
  if (ec == std::errc::result_out_of_range) {
    // JSON allows numbers beyond double's range; strtod saturates to infinity or zero.
    *number = std::strtod(std::string(raw).c_str(), nullptr);
    return true;
  }
  return ec == std::errc() && ptr == raw.data() + raw.size();
}

}  // namespace

class Walker {
 public:
  Walker(const PathSet& paths, EventView* view, std::vector<std::uint32_t>* stack)
      : nodes_(paths.nodes()), view_(view), stack_(stack) {}

  // Walks `value` for the nodes stack_[begin, end). Returns false on malformed JSON.
  bool Walk(od::value value, std::size_t begin, std::size_t end) {
    od::json_type type;
    if (value.type().get(type) != simdjson::SUCCESS) return false;
    bool record = false;
    bool descend = false;
    for (std::size_t i = begin; i < end; ++i) {
      const Node& n = nodes_[(*stack_)[i]];
      record |= !n.slots.empty();
      descend |= n.has_children();
    }
    Value v;
    switch (type) {
      case od::json_type::object:
        v.kind = ValueKind::kObject;
        if (record) RecordAll(v, begin, end);
        if (descend) {
          od::object obj;
          if (value.get_object().get(obj) != simdjson::SUCCESS) return false;
          return WalkObject(obj, begin, end);
        }
        return true;
      case od::json_type::array:
        v.kind = ValueKind::kArray;
        if (record) RecordAll(v, begin, end);
        if (descend) {
          od::array arr;
          if (value.get_array().get(arr) != simdjson::SUCCESS) return false;
          return WalkArray(arr, begin, end);
        }
        return true;
      case od::json_type::string:
        if (!record) return true;
        v.kind = ValueKind::kString;
        if (value.get_string().get(v.text) != simdjson::SUCCESS) return false;
        break;
      case od::json_type::number: {
        if (!record) return true;
        v.kind = ValueKind::kNumber;
        std::string_view raw = value.raw_json_token();
        if (raw.empty() || !TrimmedNumber(raw, &v.text, &v.number)) return false;
        break;
      }
      case od::json_type::boolean:
        if (!record) return true;
        v.kind = ValueKind::kBool;
        if (value.get_bool().get(v.boolean) != simdjson::SUCCESS) return false;
        v.text = v.boolean ? "true" : "false";
        break;
      case od::json_type::null: {
        if (!record) return true;
        if (!value.is_null()) return false;
        v.kind = ValueKind::kNull;
        break;
      }
    }
    RecordAll(v, begin, end);
    return true;
  }

  bool WalkObject(od::object obj, std::size_t begin, std::size_t end) {
    for (auto field : obj) {
      std::string_view key;
      if (field.error() != simdjson::SUCCESS) return false;
      if (field.unescaped_key().get(key) != simdjson::SUCCESS) return false;
      const std::size_t child_begin = stack_->size();
      for (std::size_t i = begin; i < end; ++i) {
        const Node& n = nodes_[(*stack_)[i]];
        auto it = std::lower_bound(n.keys.begin(), n.keys.end(), key,
                                   [](const auto& kv, std::string_view k) { return kv.first < k; });
        if (it != n.keys.end() && it->first == key) stack_->push_back(it->second);
        if (n.any_child >= 0) stack_->push_back(static_cast<std::uint32_t>(n.any_child));
      }
      const std::size_t child_end = stack_->size();
      if (child_begin != child_end) {
        od::value child;
        if (field.value().get(child) != simdjson::SUCCESS) return false;
        bool ok = Walk(child, child_begin, child_end);
        stack_->resize(child_begin);
        if (!ok) return false;
      }
    }
    return true;
  }

  bool WalkArray(od::array arr, std::size_t begin, std::size_t end) {
    std::uint32_t index = 0;
    for (auto element : arr) {
      od::value child;
      if (element.get(child) != simdjson::SUCCESS) return false;
      const std::size_t child_begin = stack_->size();
      for (std::size_t i = begin; i < end; ++i) {
        const Node& n = nodes_[(*stack_)[i]];
        auto it = std::lower_bound(n.indexes.begin(), n.indexes.end(), index,
                                   [](const auto& kv, std::uint32_t k) { return kv.first < k; });
        if (it != n.indexes.end() && it->first == index) stack_->push_back(it->second);
        if (n.any_child >= 0) stack_->push_back(static_cast<std::uint32_t>(n.any_child));
      }
      const std::size_t child_end = stack_->size();
      if (child_begin != child_end) {
        bool ok = Walk(child, child_begin, child_end);
        stack_->resize(child_begin);
        if (!ok) return false;
      }
      ++index;
    }
    return true;
  }

 private:
  void RecordAll(const Value& v, std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      for (std::uint32_t slot : nodes_[(*stack_)[i]].slots) Record(slot, v);
    }
  }

  void Record(std::uint32_t slot, const Value& v) { view_->Append(slot, v); }

  const std::vector<Node>& nodes_;
  EventView* view_;
  std::vector<std::uint32_t>* stack_;
};

}  // namespace internal

Extractor::Extractor() : impl_(std::make_unique<Impl>()) {}
Extractor::~Extractor() = default;

void Extractor::Extract(const PathSet& paths, std::string_view message, EventView* view) {
  view->message_ = message;
  view->json_object_ = false;
  view->entries_.clear();
  view->heads_.assign(paths.slot_count(), -1);
  view->tails_.assign(paths.slot_count(), -1);
  view->fields_.clear();
  if (paths.wants_delimited_fields()) SplitDelimited(message, &view->fields_);
  if (!paths.wants_json()) return;

  // On-Demand needs SIMDJSON_PADDING readable bytes past the end; copy into a reused buffer.
  Impl& im = *impl_;
  if (!im.buffer || im.capacity < message.size()) {
    im.capacity = std::max(message.size(), im.capacity * 2);
    im.buffer = std::make_unique<char[]>(im.capacity + simdjson::SIMDJSON_PADDING);
  }
  if (!message.empty()) std::memcpy(im.buffer.get(), message.data(), message.size());
  std::memset(im.buffer.get() + message.size(), 0, simdjson::SIMDJSON_PADDING);

  auto fail = [view] {
    view->entries_.clear();
    std::fill(view->heads_.begin(), view->heads_.end(), -1);
  };
  od::document doc;
  if (im.parser.iterate(im.buffer.get(), message.size(), im.capacity + simdjson::SIMDJSON_PADDING)
          .get(doc) != simdjson::SUCCESS) {
    return fail();
  }
  od::object root;
  if (doc.get_object().get(root) != simdjson::SUCCESS) return fail();
  im.stack.clear();
  im.stack.push_back(0);
  internal::Walker walker(paths, view, &im.stack);
  // Anything but white space after the object makes the message something other than JSON.
  if (!walker.WalkObject(root, 0, 1) || doc.current_location().error() != simdjson::OUT_OF_BOUNDS)
    return fail();
  view->json_object_ = true;
}

}  // namespace trailwatch::event
