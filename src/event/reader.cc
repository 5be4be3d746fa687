// Format detection and record splitting. Splitting uses simdjson On-Demand, which finds each
// record's bytes by skipping, without parsing them; each record is validated later, once, when
// the Extractor parses it. Handlers that take parsed records get CloudTrail files and JSON
// arrays parsed whole instead (whole_input.h), when they are valid.
#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cstring>

#include "event/event.h"
#include "event/framing.h"
#include "event/gzip.h"
#include "event/whole_input.h"

namespace trailwatch::event {
namespace od = simdjson::ondemand;

std::string_view InputFormatName(InputFormat format) {
  switch (format) {
    case InputFormat::kEmpty:
      return "empty";
    case InputFormat::kCloudTrail:
      return "CloudTrail log file";
    case InputFormat::kJsonArray:
      return "JSON array";
    case InputFormat::kNdjson:
      return "NDJSON";
    case InputFormat::kObject:
      return "JSON object";
    case InputFormat::kCloudWatchLogs:
      return "CloudWatch Logs events";
    case InputFormat::kEventBridge:
      return "EventBridge event";
    case InputFormat::kDigest:
      return "CloudTrail digest";
    case InputFormat::kUnknown:
      return "unknown";
  }
  return "unknown";
}

namespace {

static_assert(PaddedBuffer::kPadding >= simdjson::SIMDJSON_PADDING);

struct ReaderState {
  ReadOptions options;
  PaddedBuffer decoded;
  PaddedBuffer record;
  od::parser parser;
  od::parser inner;   // the NDJSON sniff
  PaddedBuffer line;  // a streamed line that is a whole CloudTrail file
  WholeInput whole;
};

}  // namespace

namespace {

using internal::FindRecordsArray;
using internal::IsSpace;
using internal::IsTrailFile;
using internal::SkipSpace;
using internal::ValueEnd;

class Splitter {
 public:
  Splitter(ReaderState& im, RecordHandler* handler, ReadResult* result)
      : im_(im), handler_(handler), result_(result) {}

  // Minifies `raw` and hands it on.
  void Emit(std::string_view raw, RecordInfo info) {
    if (raw.size() > im_.options.max_record_bytes) {
      return Malformed(info.index, fmt::format("record is {} bytes; the limit is {}", raw.size(),
                                               im_.options.max_record_bytes));
    }
    im_.record.Resize(raw.size());
    std::size_t out_len = 0;
    if (simdjson::minify(raw.data(), raw.size(), im_.record.data(), out_len) != simdjson::SUCCESS) {
      return Malformed(info.index, "not valid JSON (unterminated string)");
    }
    ++result_->records;
    info.padded = true;  // the record buffer keeps simdjson's padding after the data
    handler_->OnRecord(std::string_view(im_.record.data(), out_len), info);
  }

  void Malformed(std::uint64_t index, std::string_view reason) {
    ++result_->malformed;
    handler_->OnMalformed(index, reason);
  }

  // The input is damaged from here on; what came before was delivered. Reported once per
  // input, and not at all when the damage is the end of a truncated gzip stream, which was
  // reported already.
  void Broken(std::uint64_t index, simdjson::error_code error) {
    if (!result_->status.ok()) return;
    const std::string reason =
        fmt::format("invalid JSON at record {}: {}; the rest of the input is skipped", index,
                    simdjson::error_message(error));
    Malformed(kWholeInput, reason);
    result_->status = Status::Corruption(reason);
  }

  // Damaged JSON (truncated, unbalanced, garbage): On-Demand refuses such input before the
  // first record, so scan the array at `data[pos]` (just after its '[') by hand, tracking
  // strings and nesting, and deliver every complete element from the `skip`-th on. Elements
  // are still validated one by one later (the Extractor parses each record).
  void Salvage(std::string_view data, std::size_t pos, std::uint64_t skip, std::uint64_t base = 0) {
    std::uint64_t index = base;  // elements are numbered from `base`, `skip` included
    const std::size_t n = data.size();
    bool first = true;
    while (true) {
      pos = SkipSpace(data, pos);
      if (pos >= n) return Broken(index, simdjson::INCOMPLETE_ARRAY_OR_OBJECT);
      if (data[pos] == ']') {
        // The array is whole, so the damage is inside its records (each is validated when it is
        // parsed) or after it; only the latter is a problem of the input.
        std::size_t after = SkipSpace(data, pos + 1);
        const bool object = after < n && data[after] == '}';
        if (object) after = SkipSpace(data, after + 1);
        if (after < n && object && IsTrailFile(data.substr(after))) {
          return Concatenated(data.substr(after), index);  // the next CloudTrail file
        }
        if (after < n) return Broken(index, simdjson::TRAILING_CONTENT);
        return;
      }
      if (!first) {
        if (data[pos] != ',') return Broken(index, simdjson::TAPE_ERROR);  // a missing comma
        pos = SkipSpace(data, pos + 1);
        if (pos >= n) return Broken(index, simdjson::INCOMPLETE_ARRAY_OR_OBJECT);
      }
      first = false;
      const char c0 = data[pos];
      if (c0 != '{' && c0 != '[' && c0 != '"' && c0 != '-' && c0 != 't' && c0 != 'f' && c0 != 'n' &&
          !(c0 >= '0' && c0 <= '9')) {
        return Broken(index, simdjson::TAPE_ERROR);  // no JSON value where one must be
      }
      const std::size_t begin = pos;
      pos = ValueEnd(data, pos);
      if (pos == std::string_view::npos) {
        return Broken(index, simdjson::INCOMPLETE_ARRAY_OR_OBJECT);
      }
      if (index++ < skip) continue;
      if (data[begin] == '{') {
        Emit(data.substr(begin, pos - begin), {index - 1, -1});
      } else {
        Malformed(index - 1, "record is not a JSON object");
      }
    }
  }

  void Ndjson(std::string_view data) {
    result_->format = InputFormat::kNdjson;
    std::uint64_t index = 0;
    std::size_t pos = 0;
    while (pos < data.size()) {
      std::size_t nl = data.find('\n', pos);
      if (nl == std::string_view::npos) nl = data.size();
      std::string_view line = data.substr(pos, nl - pos);
      const std::size_t line_pos = pos;
      pos = nl + 1;
      std::size_t b = SkipSpace(line, 0);
      std::size_t e = line.size();
      while (e > b && IsSpace(line[e - 1])) --e;
      if (b == e) continue;
      const std::string_view text = line.substr(b, e - b);
      if (IsTrailFile(text)) {  // CloudTrail files one per line
        // The line's bytes are followed by the rest of the buffer and its padding.
        TrailLine(text, data.size() - (line_pos + b) + PaddedBuffer::kPadding, &index);
        continue;
      }
      Emit(text, {index++, -1});
    }
  }

  // A line that is a whole CloudTrail log file: its records; damage is one problem of the line.
  void TrailLine(std::string_view text, std::size_t capacity, std::uint64_t* index) {
    if (auto err = TrailFile(text, capacity, index); err != simdjson::SUCCESS) {
      Malformed((*index)++, fmt::format("damaged CloudTrail log file on this line: {}",
                                        simdjson::error_message(err)));
    }
  }

  // A CloudTrail log file that is one of several values (`zcat *.json.gz`, one per line or one
  // after another): its records, numbered on from `*index`. `capacity`: readable bytes from
  // `value.data()`, padding included.
  simdjson::error_code TrailFile(std::string_view value, std::size_t capacity,
                                 std::uint64_t* index) {
    od::document doc;
    od::object top;
    if (auto err = im_.parser.iterate(value.data(), value.size(), capacity).get(doc)) return err;
    if (auto err = doc.get_object().get(top)) return err;
    for (auto field : top) {
      std::string_view key;
      if (auto err = field.unescaped_key().get(key)) return err;
      if (key != "Records") continue;  // a digest's or a future member: not records
      od::array arr;
      if (auto err = field.value().get_array().get(arr)) return err;
      if (auto err = Records(arr, index)) return err;
    }
    return doc.current_location().error() == simdjson::OUT_OF_BOUNDS ? simdjson::SUCCESS
                                                                     : simdjson::TRAILING_CONTENT;
  }

  // Each element of an array (at `arr`) is one record; `*index` counts them. Returns the
  // error that stopped the walk, if any; the caller decides how to go on.
  simdjson::error_code Records(od::array arr, std::uint64_t* index) {
    for (auto element : arr) {
      od::value v;
      if (auto err = element.get(v); err != simdjson::SUCCESS) return err;
      od::json_type type;
      if (auto err = v.type().get(type); err != simdjson::SUCCESS) return err;
      if (type != od::json_type::object) {
        if (type == od::json_type::array) {  // consume it
          od::array skipped;
          std::string_view ignored;
          if (auto err = v.get_array().get(skipped); err != simdjson::SUCCESS) return err;
          if (auto err = skipped.raw_json().get(ignored); err != simdjson::SUCCESS) return err;
        }
        Malformed((*index)++, "record is not a JSON object");
        continue;
      }
      od::object obj;
      std::string_view raw;
      if (auto err = v.get_object().get(obj); err != simdjson::SUCCESS) return err;
      if (auto err = obj.raw_json().get(raw); err != simdjson::SUCCESS) return err;
      Emit(raw, {(*index)++, -1});
    }
    return simdjson::SUCCESS;
  }

  // CloudWatch Logs: each event's `message` (a string) is a record, kept exactly.
  void LogEvents(od::array arr) {
    std::uint64_t index = 0;
    for (auto element : arr) {
      od::value value;
      od::json_type type;
      if (auto err = element.get(value); err != simdjson::SUCCESS) return Broken(index, err);
      if (auto err = value.type().get(type); err != simdjson::SUCCESS) return Broken(index, err);
      if (type != od::json_type::object) {
        std::string_view ignored;
        if (type == od::json_type::array) {
          od::array skipped;
          if (value.get_array().get(skipped) != simdjson::SUCCESS ||
              skipped.raw_json().get(ignored) != simdjson::SUCCESS) {
            return Broken(index, simdjson::TAPE_ERROR);
          }
        }
        Malformed(index++, "log event is not a JSON object");
        continue;
      }
      od::object ev;
      if (auto err = value.get_object().get(ev); err != simdjson::SUCCESS) {
        return Broken(index, err);
      }
      RecordInfo info{index++, -1};
      std::string_view message;
      bool have_message = false;
      for (auto field : ev) {
        std::string_view key;
        if (auto err = field.unescaped_key().get(key); err != simdjson::SUCCESS) {
          return Broken(info.index, err);
        }
        if (key == "message") {
          if (field.value().get_string().get(message) == simdjson::SUCCESS) have_message = true;
        } else if (key == "timestamp") {
          std::int64_t ts = 0;
          if (field.value().get_int64().get(ts) == simdjson::SUCCESS) info.timestamp_ms = ts;
        }
      }
      if (!have_message) {
        Malformed(info.index, "log event has no string 'message'");
        continue;
      }
      if (message.size() > im_.options.max_record_bytes) {
        Malformed(info.index, "message is larger than the record limit");
        continue;
      }
      // `message` lives in the parser's string buffer until the next document; copy it out
      // because the handler may parse with other parsers.
      im_.record.Assign(message);
      ++result_->records;
      handler_->OnRecord(im_.record.view(), info);
    }
  }

  // A damaged document: if it is a CloudTrail log file, salvage its complete records.
  void DamagedDocument(std::string_view data, simdjson::error_code error) {
    const std::size_t records = FindRecordsArray(data);
    if (records != std::string_view::npos) {
      result_->format = InputFormat::kCloudTrail;
      return Salvage(data, records, 0);
    }
    // Values one after another (`jq` output), damaged further on: the first is whole and
    // something follows it. Deliver the values before the damage.
    const std::size_t first = ValueEnd(data, 0);
    if (first != std::string_view::npos && SkipSpace(data, first) < data.size()) {
      result_->format = InputFormat::kNdjson;
      return Concatenated(data);
    }
    Broken(0, error);
  }

  // A document that starts with '{': classify by its top-level keys, then split.
  void Document(std::string_view data, std::size_t capacity) {
    od::document doc;
    if (auto err = im_.parser.iterate(data.data(), data.size(), capacity).get(doc);
        err != simdjson::SUCCESS) {
      return DamagedDocument(data, err);
    }
    bool records = false, digest = false, events = false, log_events = false, detail = false;
    {
      od::object obj;
      if (auto err = doc.get_object().get(obj); err != simdjson::SUCCESS) {
        return DamagedDocument(data, err);
      }
      for (auto field : obj) {
        std::string_view key;
        if (auto err = field.unescaped_key().get(key); err != simdjson::SUCCESS) {
          return DamagedDocument(data, err);
        }
        od::json_type type;
        if (auto err = field.value().type().get(type); err != simdjson::SUCCESS) {
          return DamagedDocument(data, err);
        }
        if (key == "Records" && type == od::json_type::array) {
          // A CloudTrail log file: read its records now rather than skipping the whole array
          // to classify and then walking it again (this pass is a fifth of a scan's time).
          result_->format = InputFormat::kCloudTrail;
          od::array arr;
          std::uint64_t index = 0;
          simdjson::error_code err = field.value().get_array().get(arr);
          if (err == simdjson::SUCCESS) err = Records(arr, &index);
          if (err != simdjson::SUCCESS) {
            const std::size_t start = FindRecordsArray(data);
            if (start == std::string_view::npos) return Broken(index, err);
            return Salvage(data, start, index);
          }
          records = true;
          continue;
        }
        digest |= key == "logFiles" || key == "digestPublicKeyFingerprint";
        events |= key == "events" && type == od::json_type::array;
        log_events |= key == "logEvents" && type == od::json_type::array;
        detail |= key == "detail-type";
      }
    }
    if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) {
      if (records) {
        // More CloudTrail files follow (`zcat *.json.gz > all.json`), maybe damaged ones.
        const std::size_t end = ValueEnd(data, 0);
        if (end == std::string_view::npos || end >= data.size()) {
          return Broken(result_->records + result_->malformed, simdjson::TRAILING_CONTENT);
        }
        return Concatenated(data.substr(end), result_->records + result_->malformed);
      }
      result_->format = InputFormat::kNdjson;
      return Concatenated(data);  // `jq` output: several values one after another
    }
    if (records) return;
    if (digest && !records) {
      result_->format = InputFormat::kDigest;
      return;
    }
    if (!records && !events && !log_events && !detail) {
      result_->format = InputFormat::kObject;
      return Emit(data, {0, -1});
    }
    doc.rewind();
    od::object obj;
    if (auto err = doc.get_object().get(obj); err != simdjson::SUCCESS) return Broken(0, err);
    for (auto field : obj) {
      std::string_view key;
      if (auto err = field.unescaped_key().get(key); err != simdjson::SUCCESS) {
        return Broken(0, err);
      }
      // (A CloudTrail file's Records were read in the classification pass.)
      if (key == "events" || key == "logEvents") {
        result_->format = InputFormat::kCloudWatchLogs;
        od::array arr;
        if (auto err = field.value().get_array().get(arr); err != simdjson::SUCCESS) {
          return Broken(0, err);
        }
        return LogEvents(arr);
      }
      if (!events && !log_events && key == "detail") {
        result_->format = InputFormat::kEventBridge;
        od::object d;
        std::string_view raw;
        if (field.value().get_object().get(d) != simdjson::SUCCESS ||
            d.raw_json().get(raw) != simdjson::SUCCESS) {
          return Malformed(0, "EventBridge 'detail' is not an object");
        }
        return Emit(raw, {0, -1});
      }
    }
  }

  // Several JSON values one after another; each object is a record, each array holds records.
  // `data` must end where the padded buffer's data ends. Framed by ValueEnd, not by simdjson's
  // document stream, whose iterator takes quadratic time on some damaged input.
  void Concatenated(std::string_view data, std::uint64_t index = 0) {
    std::size_t pos = SkipSpace(data, 0);
    while (pos < data.size()) {
      const std::size_t end = ValueEnd(data, pos);
      if (end == std::string_view::npos) {
        if (const std::string_view last = data.substr(pos); IsTrailFile(last)) {
          // A CloudTrail file cut short at the end: its whole records still count.
          return Salvage(last, FindRecordsArray(last), index, index);
        }
        return Broken(index, simdjson::INCOMPLETE_ARRAY_OR_OBJECT);
      }
      if (end == pos) return Broken(index, simdjson::TAPE_ERROR);  // a stray ',', ']' or '}'
      const std::string_view src = data.substr(pos, end - pos);
      if (src.front() == '[') {
        // `cat *.json` of JSON-array files: every array's elements are records.
        od::document doc;
        od::array arr;
        simdjson::error_code err =
            im_.parser.iterate(src.data(), src.size(), data.size() - pos + PaddedBuffer::kPadding)
                .get(doc);
        if (err == simdjson::SUCCESS) err = doc.get_array().get(arr);
        if (err == simdjson::SUCCESS) err = Records(arr, &index);
        if (err != simdjson::SUCCESS) return Broken(index, err);
      } else if (src.front() != '{') {
        Malformed(index++, "record is not a JSON object");
      } else if (IsTrailFile(src)) {
        if (auto err = TrailFile(src, data.size() - pos + PaddedBuffer::kPadding, &index)) {
          return Broken(index, err);
        }
      } else {
        Emit(src, {index++, -1});
      }
      pos = SkipSpace(data, end);
    }
  }

 private:
  ReaderState& im_;
  RecordHandler* handler_;
  ReadResult* result_;
};

// NDJSON when there are several lines and one of the first three non-blank lines is, alone, a
// complete JSON object (so one damaged first line does not hide the rest of the file).
bool LooksLikeNdjson(std::string_view data, od::parser& parser) {
  const std::size_t first_nl = data.find('\n');
  if (first_nl == std::string_view::npos || SkipSpace(data, first_nl) >= data.size()) {
    return false;
  }
  std::size_t pos = 0;
  PaddedBuffer line;
  for (int tried = 0; tried < 3 && pos < data.size();) {
    std::size_t nl = data.find('\n', pos);
    if (nl == std::string_view::npos) nl = data.size();
    std::string_view text = data.substr(pos, nl - pos);
    pos = nl + 1;
    const std::size_t b = SkipSpace(text, 0);
    if (b >= text.size()) continue;
    ++tried;
    line.Assign(text.substr(b));
    od::document doc;
    od::object obj;
    std::string_view raw;
    if (parser.iterate(line.data(), line.size(), line.capacity_with_padding()).get(doc) ==
            simdjson::SUCCESS &&
        doc.get_object().get(obj) == simdjson::SUCCESS &&
        obj.raw_json().get(raw) == simdjson::SUCCESS &&
        doc.current_location().error() == simdjson::OUT_OF_BOUNDS) {
      return true;
    }
  }
  return false;
}

}  // namespace

struct Reader::Impl : ReaderState {};

Reader::Reader(ReadOptions options) : impl_(std::make_unique<Impl>()) { impl_->options = options; }
Reader::~Reader() = default;

std::size_t Reader::max_input_bytes() const { return impl_->options.max_input_bytes; }
std::size_t Reader::max_record_bytes() const { return impl_->options.max_record_bytes; }

ReadResult Reader::ReadLine(std::string_view line, std::uint64_t index, RecordHandler* handler) {
  ReadResult result;
  result.format = InputFormat::kNdjson;
  std::size_t b = SkipSpace(line, 0);
  std::size_t e = line.size();
  while (e > b && IsSpace(line[e - 1])) --e;
  if (b == e) return result;
  Splitter split(*impl_, handler, &result);
  const std::string_view text = line.substr(b, e - b);
  if (IsTrailFile(text)) {
    impl_->line.Assign(text);  // the stream's buffer has no padding
    split.TrailLine(impl_->line.view(), impl_->line.capacity_with_padding(), &index);
    return result;
  }
  split.Emit(text, {index, -1});
  return result;
}

ReadResult Reader::Read(std::string_view bytes, RecordHandler* handler) {
  Impl& im = *impl_;
  ReadResult result;
  if (IsGzip(bytes)) {
    result.status = Gunzip(bytes, &im.decoded, im.options.max_input_bytes);
    if (!result.status.ok()) {
      ++result.malformed;
      handler->OnMalformed(kWholeInput, result.status.message());
    }
  } else {
    im.decoded.Assign(bytes);
  }
  if (im.decoded.size() > im.options.max_input_bytes) {
    result.status = Status::ResourceExhausted(
        fmt::format("input decodes to more than {} bytes", im.options.max_input_bytes));
    ++result.malformed;
    handler->OnMalformed(kWholeInput, result.status.message());
    return result;
  }
  std::string_view data = im.decoded.view();
  result.decoded_bytes = data.size();
  std::size_t pos = 0;
  if (data.substr(0, 3) == "\xEF\xBB\xBF") pos = 3;  // UTF-8 byte order mark
  pos = SkipSpace(data, pos);
  Splitter split(im, handler, &result);
  if (pos >= data.size()) {
    result.format = InputFormat::kEmpty;
  } else if (data[pos] == '[') {
    result.format = InputFormat::kJsonArray;
    data = data.substr(pos);  // simdjson must not see a byte order mark
    if (handler->WantsParsedRecords() &&
        im.whole.Read(data, im.decoded.capacity_with_padding() - pos, im.options.max_record_bytes,
                      handler, &result)) {
      return result;
    }
    od::document doc;
    od::array arr;
    std::uint64_t next = 0;
    simdjson::error_code err =
        im.parser.iterate(data.data(), data.size(), im.decoded.capacity_with_padding() - pos)
            .get(doc);
    if (err == simdjson::SUCCESS) err = doc.get_array().get(arr);
    if (err == simdjson::SUCCESS) err = split.Records(arr, &next);
    const char* rest = nullptr;
    if (err != simdjson::SUCCESS) {
      split.Salvage(data, 1, next);
    } else if (doc.current_location().get(rest) == simdjson::SUCCESS) {
      // More documents follow (`cat *.json`): read them one after another.
      split.Concatenated(data.substr(static_cast<std::size_t>(rest - data.data())), next);
    }
  } else if (data[pos] == '{') {
    data = data.substr(pos);  // simdjson must not see a byte order mark
    if (LooksLikeNdjson(data, im.inner)) {
      split.Ndjson(data);
    } else if (handler->WantsParsedRecords() && FindRecordsArray(data) != std::string_view::npos &&
               im.whole.Read(data, im.decoded.capacity_with_padding() - pos,
                             im.options.max_record_bytes, handler, &result)) {
      return result;
    } else {
      split.Document(data, im.decoded.capacity_with_padding() - pos);
    }
  } else {
    result.format = InputFormat::kUnknown;
    result.status = Status::Corruption("not JSON");
    split.Malformed(kWholeInput,
                    "not JSON (neither a CloudTrail log file, a JSON array, NDJSON nor "
                    "CloudWatch Logs output)");
  }
  return result;
}

}  // namespace trailwatch::event
