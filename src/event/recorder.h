// Internal to event/: how the walkers fill an EventView.
#ifndef TRAILWATCH_EVENT_RECORDER_H_
#define TRAILWATCH_EVENT_RECORDER_H_

#include <simdjson.h>

#include <string_view>

#include "event/event.h"

namespace trailwatch::event {

class Recorder {
 public:
  explicit Recorder(EventView* view) : view_(view) {}

  void Add(std::uint32_t slot, const Value& v) { Link(slot, {v, -1, 0, 0}); }
  // Copies `text` into the view, so it may point into a scratch buffer.
  void AddNumber(std::uint32_t slot, double number, std::string_view text) {
    const auto offset = static_cast<std::uint32_t>(view_->number_text_.size());
    view_->number_text_.append(text);
    Value v;
    v.kind = ValueKind::kNumber;
    v.number = number;
    Link(slot, {v, -1, offset, static_cast<std::uint32_t>(text.size())});
  }
  // Binds number texts once the arena no longer grows.
  void Finish() {
    view_->json_object_ = true;
    for (EventView::Entry& e : view_->entries_) {
      if (e.value.kind == ValueKind::kNumber) {
        e.value.text =
            std::string_view(view_->number_text_).substr(e.number_offset, e.number_length);
      }
    }
  }
  // The message is not a JSON object: forget anything recorded.
  void Fail() {
    view_->json_object_ = false;
    view_->entries_.clear();
    std::fill(view_->heads_.begin(), view_->heads_.end(), -1);
    std::fill(view_->tails_.begin(), view_->tails_.end(), -1);
  }

 private:
  void Link(std::uint32_t slot, EventView::Entry entry) {
    auto& entries = view_->entries_;
    const auto idx = static_cast<std::int32_t>(entries.size());
    entries.push_back(entry);
    std::int32_t& tail = view_->tails_[slot];
    if (tail >= 0) {
      entries[static_cast<std::size_t>(tail)].next = idx;
    } else {
      view_->heads_[slot] = idx;
    }
    tail = idx;
  }
  EventView* view_;
};

// The validating On-Demand walk used when simdjson's DOM refuses a number (beyond 64 bits, or
// malformed). Returns false when the message is not a valid JSON object. Strings recorded
// live in `parser` until its next use.
bool WalkOnDemand(simdjson::ondemand::parser& parser, const PathSet& paths, const char* buffer,
                  std::size_t length, std::size_t capacity, Recorder* recorder);

}  // namespace trailwatch::event

#endif  // TRAILWATCH_EVENT_RECORDER_H_
