// Internal to event/: reading a CloudTrail log file or a JSON array of records with one DOM
// parse of the whole input, for handlers that take records parsed (WantsParsedRecords).
//
// Why: the general path splits an input into records with On-Demand (stage 1 over the input,
// then skipping each record), copies each record out and parses it again with the DOM (stage 1
// and stage 2 once more): three passes over the bytes. One DOM parse validates the whole input
// in one go and leaves every record's fields at hand. The text of a record is needed only for
// some (what a scan prints), so it is found again lazily (RecordTexts).
#ifndef TRAILWATCH_EVENT_WHOLE_INPUT_H_
#define TRAILWATCH_EVENT_WHOLE_INPUT_H_

#include <simdjson.h>

#include <cstdint>
#include <string_view>

#include "event/event.h"
#include "event/gzip.h"

namespace trailwatch::event {

// Finds records' texts in an input that a DOM parse accepted, by walking it again with
// On-Demand, forward: records are asked for in input order (asked out of order, it starts over).
class RecordTexts {
 public:
  // `data` (with `capacity` readable bytes, padding included) must outlive the use; `array`:
  // the records are the top-level array, else the "Records" member of the top-level object.
  void Reset(std::string_view data, std::size_t capacity, bool array);
  // Record `index` (counting every element of the array) as compact JSON.
  std::string_view Get(std::uint64_t index, const simdjson::dom::element& element);

 private:
  bool Start();
  bool Seek(std::uint64_t index, std::string_view* raw);

  std::string_view data_;
  std::size_t capacity_ = 0;
  bool array_ = false;
  bool started_ = false;
  bool failed_ = false;
  std::uint64_t next_ = 0;                  // the index *it_ is at
  std::uint64_t held_ = ~std::uint64_t{0};  // the index text_ holds
  simdjson::ondemand::parser parser_;
  simdjson::ondemand::document doc_;
  simdjson::ondemand::array_iterator it_;
  simdjson::ondemand::array_iterator end_;
  PaddedBuffer text_;
};

class WholeInput {
 public:
  // Inputs up to this size are parsed whole (the DOM needs several times the input's size in
  // memory; CloudTrail's own files are far smaller); larger ones go the general way.
  static constexpr std::size_t kMaxBytes = 16u << 20;

  // Parses `data` (a document starting with '{' or '['; `capacity` readable bytes) and, if it is
  // valid JSON and a CloudTrail log file with one "Records" array or an array, delivers its
  // records and returns true. Returns false, having delivered nothing, for anything else
  // (damaged, another format, too large): the caller reads it the general way.
  bool Read(std::string_view data, std::size_t capacity, std::size_t max_record_bytes,
            RecordHandler* handler, ReadResult* result);

 private:
  simdjson::dom::parser parser_;
  RecordTexts texts_;
};

}  // namespace trailwatch::event

#endif  // TRAILWATCH_EVENT_WHOLE_INPUT_H_
