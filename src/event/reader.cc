// Format detection and record splitting. Splitting uses simdjson On-Demand, which finds each
// record's bytes by skipping, without parsing them; each record is validated later, once, when
// the Extractor parses it.
#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cstring>

#include "event/event.h"
#include "event/gzip.h"

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

struct ReaderState {
  ReadOptions options;
  PaddedBuffer decoded;
  PaddedBuffer record;
  od::parser parser;
  od::parser inner;  // the NDJSON sniff
};

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::size_t SkipSpace(std::string_view s, std::size_t i) {
  while (i < s.size() && IsSpace(s[i])) ++i;
  return i;
}

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
    handler_->OnRecord(std::string_view(im_.record.data(), out_len), info);
  }

  void Malformed(std::uint64_t index, std::string_view reason) {
    ++result_->malformed;
    handler_->OnMalformed(index, reason);
  }

  // The input is damaged from here on; what came before was delivered.
  void Broken(std::uint64_t index, simdjson::error_code error) {
    const std::string reason =
        fmt::format("invalid JSON at record {}: {}; the rest of the input is skipped", index,
                    simdjson::error_message(error));
    Malformed(kWholeInput, reason);
    if (result_->status.ok()) result_->status = Status::Corruption(reason);
  }

  void Ndjson(std::string_view data) {
    result_->format = InputFormat::kNdjson;
    std::uint64_t index = 0;
    std::size_t pos = 0;
    while (pos < data.size()) {
      std::size_t nl = data.find('\n', pos);
      if (nl == std::string_view::npos) nl = data.size();
      std::string_view line = data.substr(pos, nl - pos);
      pos = nl + 1;
      std::size_t b = SkipSpace(line, 0);
      std::size_t e = line.size();
      while (e > b && IsSpace(line[e - 1])) --e;
      if (b == e) continue;
      Emit(line.substr(b, e - b), {index++, -1});
    }
  }

  // Each element of an array (at `arr`) is one record; indexes continue from `*next`.
  void Records(od::array arr, std::uint64_t* next = nullptr) {
    std::uint64_t local = 0;
    std::uint64_t& index = next ? *next : local;
    for (auto element : arr) {
      od::value v;
      if (auto err = element.get(v); err != simdjson::SUCCESS) return Broken(index, err);
      od::json_type type;
      if (auto err = v.type().get(type); err != simdjson::SUCCESS) return Broken(index, err);
      if (type != od::json_type::object) {
        // Skip it; raw_json_token() consumes scalars, get_array() consumes arrays.
        if (type == od::json_type::array) {
          od::array skipped;
          if (auto err = v.get_array().get(skipped); err == simdjson::SUCCESS) {
            std::string_view ignored;
            if (auto e2 = skipped.raw_json().get(ignored); e2 != simdjson::SUCCESS) {
              return Broken(index, e2);
            }
          }
        }
        Malformed(index++, "record is not a JSON object");
        continue;
      }
      od::object obj;
      std::string_view raw;
      if (auto err = v.get_object().get(obj); err != simdjson::SUCCESS) return Broken(index, err);
      if (auto err = obj.raw_json().get(raw); err != simdjson::SUCCESS) return Broken(index, err);
      Emit(raw, {index++, -1});
    }
  }

  // CloudWatch Logs: each event's `message` (a string) is a record, kept exactly.
  void LogEvents(od::array arr) {
    std::uint64_t index = 0;
    for (auto element : arr) {
      od::object ev;
      if (auto err = element.get_object().get(ev); err != simdjson::SUCCESS) {
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

  // A document that starts with '{': classify by its top-level keys, then split.
  void Document(std::string_view data, std::size_t capacity) {
    od::document doc;
    if (auto err = im_.parser.iterate(data.data(), data.size(), capacity).get(doc);
        err != simdjson::SUCCESS) {
      return Broken(0, err);
    }
    bool records = false, digest = false, events = false, log_events = false, detail = false;
    {
      od::object obj;
      if (auto err = doc.get_object().get(obj); err != simdjson::SUCCESS) return Broken(0, err);
      for (auto field : obj) {
        std::string_view key;
        if (auto err = field.unescaped_key().get(key); err != simdjson::SUCCESS) {
          return Broken(0, err);
        }
        od::json_type type;
        if (auto err = field.value().type().get(type); err != simdjson::SUCCESS) {
          return Broken(0, err);
        }
        records |= key == "Records" && type == od::json_type::array;
        digest |= key == "logFiles" || key == "digestPublicKeyFingerprint";
        events |= key == "events" && type == od::json_type::array;
        log_events |= key == "logEvents" && type == od::json_type::array;
        detail |= key == "detail-type";
      }
    }
    if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) {
      result_->format = InputFormat::kNdjson;
      return Concatenated(data);  // `jq` output: several values one after another
    }
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
      if (records && key == "Records") {
        result_->format = InputFormat::kCloudTrail;
        od::array arr;
        if (auto err = field.value().get_array().get(arr); err != simdjson::SUCCESS) {
          return Broken(0, err);
        }
        return Records(arr);
      }
      if (!records && (key == "events" || key == "logEvents")) {
        result_->format = InputFormat::kCloudWatchLogs;
        od::array arr;
        if (auto err = field.value().get_array().get(arr); err != simdjson::SUCCESS) {
          return Broken(0, err);
        }
        return LogEvents(arr);
      }
      if (!records && !events && !log_events && key == "detail") {
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
  // `data` must end where the padded buffer's data ends.
  void Concatenated(std::string_view data, std::uint64_t index = 0) {
    od::document_stream stream;
    const std::size_t batch = std::max<std::size_t>(data.size(), 1 << 20);
    if (auto err = im_.parser.iterate_many(data.data(), data.size(), batch).get(stream);
        err != simdjson::SUCCESS) {
      return Broken(0, err);
    }
    for (auto it = stream.begin(); it != stream.end(); ++it) {
      if (it.error() != simdjson::SUCCESS) return Broken(index, it.error());
      std::string_view src = it.source();
      std::size_t b = SkipSpace(src, 0);
      if (b < src.size() && src[b] == '[') {
        // `cat *.json` of JSON-array files: every array's elements are records.
        od::document_reference doc;
        od::array arr;
        if (auto err = (*it).get(doc); err != simdjson::SUCCESS) return Broken(index, err);
        if (auto err = doc.get_array().get(arr); err != simdjson::SUCCESS) {
          return Broken(index, err);
        }
        Records(arr, &index);
        if (!result_->status.ok()) return;
        continue;
      }
      if (b < src.size() && src[b] != '{') {
        Malformed(index++, "record is not a JSON object");
        continue;
      }
      Emit(src.substr(b), {index++, -1});
    }
    if (stream.truncated_bytes() > 0) Broken(index, simdjson::INCOMPLETE_ARRAY_OR_OBJECT);
  }

 private:
  ReaderState& im_;
  RecordHandler* handler_;
  ReadResult* result_;
};

// NDJSON when the first line alone is a complete JSON object and more lines follow.
bool LooksLikeNdjson(std::string_view data, std::size_t pos, od::parser& parser) {
  const std::size_t nl = data.find('\n', pos);
  if (nl == std::string_view::npos || SkipSpace(data, nl) >= data.size()) return false;
  PaddedBuffer line;
  line.Assign(data.substr(pos, nl - pos));
  od::document doc;
  od::object obj;
  std::string_view raw;
  return parser.iterate(line.data(), line.size(), line.capacity_with_padding()).get(doc) ==
             simdjson::SUCCESS &&
         doc.get_object().get(obj) == simdjson::SUCCESS &&
         obj.raw_json().get(raw) == simdjson::SUCCESS &&
         doc.current_location().error() == simdjson::OUT_OF_BOUNDS;
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
  Splitter(*impl_, handler, &result).Emit(line.substr(b, e - b), {index, -1});
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
    od::document doc;
    od::array arr;
    if (auto err = im.parser.iterate(data.data(), data.size(), im.decoded.capacity_with_padding())
                       .get(doc);
        err != simdjson::SUCCESS) {
      split.Broken(0, err);
    } else if (auto err2 = doc.get_array().get(arr); err2 != simdjson::SUCCESS) {
      split.Broken(0, err2);
    } else {
      std::uint64_t next = 0;
      split.Records(arr, &next);
      const char* rest = nullptr;
      if (result.status.ok() && doc.current_location().get(rest) == simdjson::SUCCESS) {
        // More documents follow (`cat *.json`): read them one after another.
        const auto offset = static_cast<std::size_t>(rest - data.data());
        split.Concatenated(data.substr(offset), next);
      }
    }
  } else if (data[pos] == '{') {
    if (LooksLikeNdjson(data, pos, im.inner)) {
      split.Ndjson(data.substr(pos));
    } else {
      split.Document(data, im.decoded.capacity_with_padding());
    }
  } else {
    result.format = InputFormat::kUnknown;
    split.Malformed(kWholeInput,
                    "not JSON (neither a CloudTrail log file, a JSON array, NDJSON nor "
                    "CloudWatch Logs output)");
  }
  return result;
}

}  // namespace trailwatch::event
