// What the timeline tells about an event — who, what, where, when — for the alarm lines'
// contributing events and the detections' alerts alike. Its paths live in a registry of their
// own and are read only for events a rule matched (few), from a second extraction, so that the
// per-event walk carries just the rules' own paths.
#ifndef TRAILWATCH_APP_EVENT_DESCRIPTION_H_
#define TRAILWATCH_APP_EVENT_DESCRIPTION_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "detect/detect.h"
#include "event/event.h"

namespace trailwatch::app {

class EventDescription {
 public:
  EventDescription();  // registers the described fields
  // Another path to read with them (a detection's GroupBy); before Finish(). Returns its slot.
  std::uint32_t Add(const event::JsonPath& path);
  void Finish();

  // Reads events against a finished description (which must outlive it). One per thread.
  class Reader {
   public:
    explicit Reader(const EventDescription& description) : d_(description) {}
    void Extract(const event::RecordText& json);
    // The first scalar value at `slot` of the last extracted event, or "".
    std::string Get(std::uint32_t slot) const;
    detect::EventFields Fields(std::int64_t time_ms) const;
    // {"eventTime":…,"principal":…,"accessKeyId":…,…}: the fields that are present. The
    // principal falls back to userIdentity.invokedBy, then to userIdentity.type.
    std::string Summary() const;

   private:
    std::string Resource() const;
    const EventDescription& d_;
    event::Extractor extractor_;
    event::EventView view_;
  };

 private:
  event::PathRegistry registry_;
  std::uint32_t event_time_, principal_, access_key_, identity_type_, invoked_by_, event_source_,
      event_name_, source_ip_, user_agent_, error_code_, event_id_, region_, account_;
  // What the call acted on, most specific first: the secret, then the usual request
  // parameters of the services CIS watches, then the first of `resources`.
  std::vector<std::uint32_t> resource_;
  std::shared_ptr<const event::PathSet> paths_;
};

}  // namespace trailwatch::app

#endif  // TRAILWATCH_APP_EVENT_DESCRIPTION_H_
