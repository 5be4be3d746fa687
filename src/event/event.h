// event: what one log event exposes to compiled filter programs.
//
// A log event is a message string. Programs that read JSON name the fields they need as
// JsonPaths; all paths of all programs that run on an event go into one PathSet (a trie). An
// Extractor parses the message once with simdjson (which validates all of it), follows the
// trie over the parsed document, and records every value it lands on in an EventView.
// Programs then read values by slot number without touching the JSON again.
//
// Ownership and lifetime: an EventView borrows from its Extractor (string values live in the
// extractor's buffers) and is valid until the next Extract() on that extractor.
//
// Thread safety: PathSet is immutable after Build() and may be shared by all threads.
// Extractor and EventView are per-thread scratch; they hold no locks.
#ifndef TRAILWATCH_EVENT_EVENT_H_
#define TRAILWATCH_EVENT_EVENT_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace simdjson::dom {
class element;
}

namespace trailwatch::event {

// One step of a selector such as $.a[0].*: a member name, an array index, or a wildcard that
// matches every child (array element or object member).
struct PathStep {
  enum class Kind : std::uint8_t { kKey, kIndex, kAnyChild };
  Kind kind = Kind::kKey;
  std::string key;          // kKey
  std::uint32_t index = 0;  // kIndex

  friend bool operator==(const PathStep&, const PathStep&) = default;
};

struct JsonPath {
  std::vector<PathStep> steps;

  // "$.a.b[0].*" form; keys that are not [A-Za-z0-9_-]+ are written as ['key'].
  std::string ToString() const;
  friend bool operator==(const JsonPath&, const JsonPath&) = default;
};

// Assigns slot numbers to distinct paths. Programs compiled against one registry share slots,
// so an event is walked once for all of them.
class PathRegistry {
 public:
  // Returns the slot of `path`, adding it if new.
  std::uint32_t Add(const JsonPath& path);
  const std::vector<JsonPath>& paths() const { return paths_; }

 private:
  std::vector<JsonPath> paths_;
};

class PathSet;
class Recorder;
class RecordTexts;

// A record the Reader took from an input it parsed (and so validated) whole, in one pass: its
// fields are read from that parse, and its text is found again in the input only when
// something asks for it (matched records, usually). Valid only during
// RecordHandler::OnParsedRecord.
class ParsedRecord {
 public:
  ParsedRecord(const simdjson::dom::element* element, RecordTexts* texts, std::uint64_t index)
      : element_(element), texts_(texts), index_(index) {}
  // The record as compact JSON, exactly what RecordHandler::OnRecord would have been given;
  // kJsonPadding readable bytes follow it. Valid until the next record's json().
  std::string_view json() const;
  const simdjson::dom::element& element() const { return *element_; }

 private:
  const simdjson::dom::element* element_;
  RecordTexts* texts_;
  std::uint64_t index_;
};

// A record's text, either at hand or still to be found (see ParsedRecord).
class RecordText {
 public:
  RecordText(std::string_view text) : text_(text) {}            // NOLINT: implicit on purpose
  RecordText(const ParsedRecord& record) : record_(&record) {}  // NOLINT
  std::string_view get() const { return record_ != nullptr ? record_->json() : text_; }
  // The parsed record behind it, if any: its fields need no second parse.
  const ParsedRecord* parsed() const { return record_; }

 private:
  std::string_view text_;
  const ParsedRecord* record_ = nullptr;
};

enum class ValueKind : std::uint8_t { kNull, kBool, kNumber, kString, kObject, kArray };

// A value found at a path. For objects and arrays only the kind is recorded.
struct Value {
  ValueKind kind = ValueKind::kNull;
  // kString: the unescaped string; kNumber: the number's canonical text (integers in
  // decimal, other numbers in the shortest form that reads back as the same double; numbers
  // beyond 64-bit range as written); kBool: "true" or "false"; otherwise empty.
  std::string_view text;
  double number = 0;     // kNumber only
  bool boolean = false;  // kBool only
};

// Delimited (space-separated) fields of the message, computed when a PathSet asks for them.
struct DelimitedField {
  std::string_view value;   // without surrounding [ ] or " "
  std::uint32_t begin = 0;  // byte offset of the field's first character in the message
};

class EventView {
 public:
  std::string_view message() const { return record_ != nullptr ? record_->json() : message_; }
  // True when the message is one JSON object (with nothing but white space around it).
  bool is_json_object() const { return json_object_; }

  // Calls fn(const Value&) for each value found at `slot`, in document order, until fn
  // returns true; returns whether it did. Never allocates.
  template <typename Fn>
  bool AnyValue(std::uint32_t slot, Fn&& fn) const {
    for (std::int32_t i = heads_[slot]; i >= 0; i = entries_[static_cast<std::size_t>(i)].next) {
      if (fn(entries_[static_cast<std::size_t>(i)].value)) return true;
    }
    return false;
  }
  bool HasValue(std::uint32_t slot) const { return heads_[slot] >= 0; }

  std::span<const DelimitedField> delimited_fields() const { return fields_; }

 private:
  friend class Extractor;
  friend class Recorder;
  struct Entry {
    Value value;
    std::int32_t next = -1;
    std::uint32_t number_offset = 0;  // kNumber: text in number_text_, bound after the walk
    std::uint32_t number_length = 0;
  };
  std::string_view message_;
  const ParsedRecord* record_ = nullptr;  // the message is its text, found when asked for
  bool json_object_ = false;
  std::vector<std::int32_t> heads_;  // per slot: first entry, -1 if none
  std::vector<std::int32_t> tails_;
  std::vector<Entry> entries_;
  std::string number_text_;
  std::vector<DelimitedField> fields_;
};

// The compiled trie over all paths of a registry. Immutable.
class PathSet {
 public:
  // `want_delimited_fields`: also split the message into space-delimited fields.
  static std::shared_ptr<const PathSet> Build(std::span<const JsonPath> paths,
                                              bool want_delimited_fields);
  std::size_t slot_count() const { return slot_count_; }
  bool wants_json() const { return slot_count_ > 0; }
  bool wants_delimited_fields() const { return want_fields_; }

  struct Node {
    std::vector<std::uint32_t> slots;                              // paths that end here
    std::vector<std::pair<std::string, std::uint32_t>> keys;       // sorted by key
    std::vector<std::pair<std::uint32_t, std::uint32_t>> indexes;  // sorted by index
    std::int32_t any_child = -1;
    // Open-addressing table over `keys` (indexes into it, -1 = empty; size a power of two), so
    // that the members of an event that no path names cost one probe each.
    std::vector<std::int32_t> table;
    // Bit n set: some key is n bytes long (n >= 63: bit 63). Most members of an event are
    // turned away by their length alone, before any hashing.
    std::uint64_t key_lengths = 0;
    bool has_children() const { return !keys.empty() || !indexes.empty() || any_child >= 0; }
    static std::uint64_t LengthBit(std::size_t n) {
      return std::uint64_t{1} << std::min<std::size_t>(n, 63);
    }
    // The child for member `key`, or -1.
    std::int32_t FindKey(std::string_view key) const {
      if ((key_lengths & LengthBit(key.size())) == 0) return -1;
      const std::size_t mask = table.size() - 1;
      for (std::size_t i = HashKey(key) & mask;; i = (i + 1) & mask) {
        const std::int32_t k = table[i];
        if (k < 0) return -1;
        const auto& entry = keys[static_cast<std::size_t>(k)];
        if (entry.first == key) return static_cast<std::int32_t>(entry.second);
      }
    }
  };
  // Reads at most 16 bytes of the key (its first and last 8), whatever its length: keys that
  // differ only in the middle share a bucket, and the probe compares whole keys.
  static std::size_t HashKey(std::string_view key) {
    const std::size_t n = key.size();
    const char* p = key.data();
    std::uint64_t a = 0, b = 0;
    if (n >= 8) {
      std::memcpy(&a, p, 8);
      std::memcpy(&b, p + n - 8, 8);
    } else if (n >= 4) {
      std::uint32_t x = 0, y = 0;
      std::memcpy(&x, p, 4);
      std::memcpy(&y, p + n - 4, 4);
      a = x;
      b = y;
    } else if (n > 0) {
      a = static_cast<unsigned char>(p[0]) |
          (std::uint64_t{static_cast<unsigned char>(p[n / 2])} << 8) |
          (std::uint64_t{static_cast<unsigned char>(p[n - 1])} << 16);
    }
    const std::uint64_t h = (a * 0x9E3779B97F4A7C15ull) ^ ((b + n) * 0xC2B2AE3D27D4EB4Full);
    return static_cast<std::size_t>(h ^ (h >> 31));
  }
  const std::vector<Node>& nodes() const { return nodes_; }  // nodes()[0] is the root ($)

 private:
  std::vector<Node> nodes_;
  std::size_t slot_count_ = 0;
  bool want_fields_ = false;
};

// Splits a message into space-delimited fields as CloudWatch Logs does: fields are separated
// by runs of spaces or tabs; text inside [ ] or " " is one field. Appends to `out`.
void SplitDelimited(std::string_view message, std::vector<DelimitedField>* out);

// Bytes simdjson may read past the end of the data it parses.
inline constexpr std::size_t kJsonPadding = 64;

// Walks messages. One per thread; reuses its buffers, so steady-state extraction does not
// allocate. The whole message is validated (simdjson DOM), not only the members the paths
// name: a message with malformed JSON anywhere is not a JSON object.
class Extractor {
 public:
  Extractor();
  ~Extractor();
  Extractor(const Extractor&) = delete;
  Extractor& operator=(const Extractor&) = delete;

  // Fills `view` with the values of `paths` found in `message`. `message` must outlive the
  // view's use. A message that is not a JSON object yields is_json_object() == false and no
  // values. `padded`: kJsonPadding readable bytes follow `message`, so it is parsed in place
  // instead of being copied.
  void Extract(const PathSet& paths, std::string_view message, EventView* view,
               bool padded = false);
  // The same for a record the Reader parsed already: nothing is parsed again. The view is
  // valid while `record` is.
  void Extract(const PathSet& paths, const ParsedRecord& record, EventView* view);

 private:
  static void Reset(const PathSet& paths, std::string_view message, const ParsedRecord* record,
                    EventView* view);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ---------------------------------------------------------------------------------------------
// Reading inputs: bytes → records.
//
// The format is detected from content, never from names: gzip (also multi-member) by its magic
// bytes, then a CloudTrail log file {"Records":[...]}, a JSON array of records, NDJSON, a
// single record, CloudWatch Logs output (`aws logs filter-log-events` / `get-log-events`, or a
// subscription DATA_MESSAGE: each event's `message` is the record), an EventBridge event (its
// `detail` is the record), or a CloudTrail digest file (recognised and skipped).

enum class InputFormat : std::uint8_t {
  kEmpty,
  kCloudTrail,
  kJsonArray,
  kNdjson,
  kObject,
  kCloudWatchLogs,
  kEventBridge,
  kDigest,
  kUnknown,
};
std::string_view InputFormatName(InputFormat format);

struct RecordInfo {
  std::uint64_t index = 0;         // 0-based position of the record in its input
  std::int64_t timestamp_ms = -1;  // CloudWatch Logs `timestamp`, when the input has one
  // The record's bytes are followed by at least kJsonPadding readable bytes, so the Extractor
  // may parse them in place.
  bool padded = false;
};

// The index OnMalformed() gets when the input as a whole is damaged (truncated gzip, too large,
// not JSON at all) rather than one record.
inline constexpr std::uint64_t kWholeInput = ~std::uint64_t{0};

// Receives the records of one input, in input order.
class RecordHandler {
 public:
  virtual ~RecordHandler() = default;
  // `json` is the record as compact JSON (CloudWatch Logs messages exactly as stored). Valid
  // only during the call.
  virtual void OnRecord(std::string_view json, const RecordInfo& info) = 0;
  // Whether the handler reads records' fields itself (Extractor): then the Reader may parse a
  // whole input at once and hand its records over parsed (OnParsedRecord), which is cheaper
  // than finding each record's text and parsing that again.
  virtual bool WantsParsedRecords() const { return false; }
  virtual void OnParsedRecord(const ParsedRecord& record, const RecordInfo& info) {
    RecordInfo padded = info;
    padded.padded = true;
    OnRecord(record.json(), padded);
  }
  // Something that is not a record: the reader skips it and goes on where it can.
  virtual void OnMalformed(std::uint64_t index, std::string_view reason) = 0;
};

struct ReadOptions {
  // Records larger than this are reported as malformed and skipped.
  std::size_t max_record_bytes = 32u << 20;
  // Decoded inputs larger than this are refused (a gzip bomb must not exhaust memory).
  std::size_t max_input_bytes = 1u << 30;
};

struct ReadResult {
  InputFormat format = InputFormat::kUnknown;
  std::uint64_t records = 0;
  std::uint64_t malformed = 0;
  std::uint64_t decoded_bytes = 0;
  // Not OK when the input as a whole was damaged (truncated gzip, invalid JSON structure);
  // records before the damage were still delivered. Every problem was also passed to
  // RecordHandler::OnMalformed.
  Status status;
};

// Decodes inputs. One per thread; reuses its buffers.
class Reader {
 public:
  explicit Reader(ReadOptions options = {});
  ~Reader();
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  ReadResult Read(std::string_view bytes, RecordHandler* handler);

  // Reads from a file descriptor until end of file, in bounded memory when the content is
  // NDJSON (gzip'ed or not): records are delivered as lines arrive. Other formats are single
  // JSON documents; they are gathered (up to max_input_bytes) and read as by Read().
  // `bytes_read` receives the number of bytes taken from `fd`.
  ReadResult ReadStream(int fd, RecordHandler* handler, std::uint64_t* bytes_read);

 private:
  // One NDJSON line (may be blank: then nothing is delivered; may be a whole CloudTrail log
  // file: then its records, numbered from `index`).
  ReadResult ReadLine(std::string_view line, std::uint64_t index, RecordHandler* handler);
  std::size_t max_input_bytes() const;
  std::size_t max_record_bytes() const;

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace trailwatch::event

#endif  // TRAILWATCH_EVENT_EVENT_H_
