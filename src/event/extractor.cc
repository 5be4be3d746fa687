// The DOM walk: simdjson parses (and so validates) the whole message into a tape, then the
// path trie is followed over it. A value reached by several trie nodes ($.a.b and $.*.b) is
// simply visited once per node.
#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "event/event.h"
#include "event/recorder.h"

namespace trailwatch::event {
namespace dom = simdjson::dom;

struct Extractor::Impl {
  dom::parser parser;
  simdjson::ondemand::parser fallback;
  std::unique_ptr<char[]> buffer;
  std::size_t capacity = 0;
};

namespace {

using Node = PathSet::Node;

class DomWalker {
 public:
  DomWalker(const PathSet& paths, Recorder* recorder)
      : nodes_(paths.nodes()), recorder_(recorder) {}

  void Walk(dom::element e, std::uint32_t node_id) {
    const Node& n = nodes_[node_id];
    if (!n.slots.empty()) Record(e, n.slots);
    if (!n.has_children()) return;
    if (e.type() == dom::element_type::OBJECT) {
      for (dom::key_value_pair kv : dom::object(e)) {
        if (const std::int32_t child = n.FindKey(kv.key); child >= 0) {
          Walk(kv.value, static_cast<std::uint32_t>(child));
        }
        if (n.any_child >= 0) Walk(kv.value, static_cast<std::uint32_t>(n.any_child));
      }
    } else if (e.type() == dom::element_type::ARRAY) {
      std::uint32_t index = 0;
      for (dom::element child : dom::array(e)) {
        auto it = std::lower_bound(n.indexes.begin(), n.indexes.end(), index,
                                   [](const auto& p, std::uint32_t k) { return p.first < k; });
        if (it != n.indexes.end() && it->first == index) Walk(child, it->second);
        if (n.any_child >= 0) Walk(child, static_cast<std::uint32_t>(n.any_child));
        ++index;
      }
    }
  }

 private:
  void Record(dom::element e, const std::vector<std::uint32_t>& slots) {
    Value v;
    char digits[32];
    std::to_chars_result written{digits, std::errc()};
    switch (e.type()) {
      case dom::element_type::OBJECT:
        v.kind = ValueKind::kObject;
        break;
      case dom::element_type::ARRAY:
        v.kind = ValueKind::kArray;
        break;
      case dom::element_type::STRING:
        v.kind = ValueKind::kString;
        v.text = e.get_string().value_unsafe();
        break;
      case dom::element_type::BOOL:
        v.kind = ValueKind::kBool;
        v.boolean = e.get_bool().value_unsafe();
        v.text = v.boolean ? "true" : "false";
        break;
      case dom::element_type::NULL_VALUE:
        v.kind = ValueKind::kNull;
        break;
      case dom::element_type::INT64: {
        const std::int64_t i = e.get_int64().value_unsafe();
        written = std::to_chars(digits, digits + sizeof digits, i);
        v.number = static_cast<double>(i);
        break;
      }
      case dom::element_type::UINT64: {
        const std::uint64_t u = e.get_uint64().value_unsafe();
        written = std::to_chars(digits, digits + sizeof digits, u);
        v.number = static_cast<double>(u);
        break;
      }
      case dom::element_type::DOUBLE:
        v.number = e.get_double().value_unsafe();
        written = std::to_chars(digits, digits + sizeof digits, v.number);
        break;
    }
    const bool number = e.type() == dom::element_type::INT64 ||
                        e.type() == dom::element_type::UINT64 ||
                        e.type() == dom::element_type::DOUBLE;
    for (std::uint32_t slot : slots) {
      if (number) {
        recorder_->AddNumber(
            slot, v.number,
            std::string_view(digits, static_cast<std::size_t>(written.ptr - digits)));
      } else {
        recorder_->Add(slot, v);
      }
    }
  }

  const std::vector<Node>& nodes_;
  Recorder* recorder_;
};

}  // namespace

Extractor::Extractor() : impl_(std::make_unique<Impl>()) {}
Extractor::~Extractor() = default;

static_assert(kJsonPadding >= simdjson::SIMDJSON_PADDING);

void Extractor::Reset(const PathSet& paths, std::string_view message, const ParsedRecord* record,
                      EventView* view) {
  view->message_ = message;
  view->record_ = record;
  view->json_object_ = false;
  view->entries_.clear();
  view->number_text_.clear();
  view->heads_.assign(paths.slot_count(), -1);
  view->tails_.assign(paths.slot_count(), -1);
  view->fields_.clear();
}

void Extractor::Extract(const PathSet& paths, const ParsedRecord& record, EventView* view) {
  Reset(paths, {}, &record, view);
  if (paths.wants_delimited_fields()) SplitDelimited(record.json(), &view->fields_);
  if (!paths.wants_json()) return;
  Recorder recorder(view);
  DomWalker(paths, &recorder).Walk(record.element(), 0);
  recorder.Finish();
}

void Extractor::Extract(const PathSet& paths, std::string_view message, EventView* view,
                        bool padded) {
  Reset(paths, message, nullptr, view);
  if (paths.wants_delimited_fields()) SplitDelimited(message, &view->fields_);
  if (!paths.wants_json()) return;

  // simdjson reads SIMDJSON_PADDING bytes past the end; unless the caller guarantees them,
  // copy into a reused padded buffer.
  Impl& im = *impl_;
  const char* data = message.data();
  std::size_t capacity = message.size() + kJsonPadding;
  if (!padded) {
    if (!im.buffer || im.capacity < message.size()) {
      im.capacity = std::max(message.size(), im.capacity * 2);
      im.buffer = std::make_unique<char[]>(im.capacity + simdjson::SIMDJSON_PADDING);
    }
    if (!message.empty()) std::memcpy(im.buffer.get(), message.data(), message.size());
    std::memset(im.buffer.get() + message.size(), 0, simdjson::SIMDJSON_PADDING);
    data = im.buffer.get();
    capacity = im.capacity + simdjson::SIMDJSON_PADDING;
  }

  Recorder recorder(view);
  dom::element root;
  const auto error = im.parser.parse(data, message.size(), false).get(root);
  if (error == simdjson::NUMBER_ERROR || error == simdjson::NUMBER_OUT_OF_RANGE) {
    // Valid JSON may hold numbers the DOM cannot (1e400, 30-digit integers); an attacker must
    // not be able to hide an event from JSON patterns that way.
    if (WalkOnDemand(im.fallback, paths, data, message.size(), capacity, &recorder)) {
      recorder.Finish();
    } else {
      recorder.Fail();
    }
    return;
  }
  if (error != simdjson::SUCCESS || root.type() != dom::element_type::OBJECT) {
    recorder.Fail();
    return;
  }
  DomWalker(paths, &recorder).Walk(root, 0);
  recorder.Finish();
}

}  // namespace trailwatch::event
