// Reader::ReadStream: stdin and inputs too large to hold, in bounded memory for NDJSON.
#include <fmt/format.h>
#include <simdjson.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>

#include "event/event.h"
#include "event/framing.h"
#include "event/gzip.h"

namespace trailwatch::event {
namespace {

constexpr std::size_t kChunk = 1 << 20;

using internal::IsSpace;

// Raw bytes from a descriptor, inflated when they start with the gzip magic.
class Source {
 public:
  explicit Source(int fd) : fd_(fd), raw_(kChunk, '\0') {}
  ~Source() {
    if (gzip_) inflateEnd(&zs_);
  }
  Source(const Source&) = delete;
  Source& operator=(const Source&) = delete;

  // Appends up to about kChunk decoded bytes to `out`. Returns false at the end (or on error,
  // with status() set).
  bool Next(std::string* out) {
    while (true) {
      if (avail_ == 0 && !eof_) Fill();
      if (first_) {
        first_ = false;
        gzip_ = IsGzip(std::string_view(raw_.data() + pos_, avail_));
        if (gzip_ && inflateInit2(&zs_, 16 + MAX_WBITS) != Z_OK) {
          status_ = Status::Internal("zlib init failed");
          return false;
        }
      }
      if (!gzip_) {
        if (avail_ == 0) return false;
        out->append(raw_.data() + pos_, avail_);
        pos_ += avail_;
        avail_ = 0;
        return true;
      }
      if (avail_ == 0 && eof_) {
        if (in_member_) {
          status_ = Status::Corruption(
              fmt::format("truncated gzip data after {} decoded bytes", decoded_));
        }
        return false;
      }
      char buf[1 << 16];
      zs_.next_in = reinterpret_cast<Bytef*>(raw_.data() + pos_);
      zs_.avail_in = static_cast<uInt>(avail_);
      zs_.next_out = reinterpret_cast<Bytef*>(buf);
      zs_.avail_out = sizeof buf;
      const int rc = inflate(&zs_, Z_NO_FLUSH);
      const std::size_t used = avail_ - zs_.avail_in;
      pos_ += used;
      avail_ -= used;
      const std::size_t produced = sizeof buf - zs_.avail_out;
      decoded_ += produced;
      out->append(buf, produced);
      in_member_ = true;
      if (rc == Z_STREAM_END) {
        in_member_ = false;
        if (inflateReset(&zs_) != Z_OK) return false;
      } else if (rc != Z_OK && !(rc == Z_BUF_ERROR && zs_.avail_in == 0)) {
        status_ = Status::Corruption(fmt::format("damaged gzip data after {} decoded bytes ({})",
                                                 decoded_, zs_.msg ? zs_.msg : "inflate error"));
        return false;
      }
      if (produced > 0) return true;
    }
  }

  std::uint64_t bytes_read() const { return bytes_read_; }
  std::uint64_t decoded() const { return gzip_ ? decoded_ : bytes_read_; }
  const Status& status() const { return status_; }

 private:
  void Fill() {
    pos_ = 0;
    ssize_t n;
    do {
      n = ::read(fd_, raw_.data(), raw_.size());
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      status_ = Status::IoError(fmt::format("read error: {}", std::strerror(errno)));
      eof_ = true;
      avail_ = 0;
      return;
    }
    if (n == 0) eof_ = true;
    avail_ = static_cast<std::size_t>(n);
    bytes_read_ += avail_;
  }

  int fd_;
  std::string raw_;
  std::size_t pos_ = 0;
  std::size_t avail_ = 0;
  bool eof_ = false;
  bool first_ = true;
  bool gzip_ = false;
  bool in_member_ = false;
  z_stream zs_{};
  std::uint64_t bytes_read_ = 0;
  std::uint64_t decoded_ = 0;
  Status status_;
};

// Is the first line a complete JSON object with more text after it?
bool FirstLineIsObject(std::string_view data, bool at_eof) {
  std::size_t b = 0;
  while (b < data.size() && IsSpace(data[b])) ++b;
  if (b >= data.size() || data[b] != '{') return false;
  const std::size_t nl = data.find('\n', b);
  if (nl == std::string_view::npos) return false;
  std::size_t rest = nl;
  while (rest < data.size() && IsSpace(data[rest])) ++rest;
  if (rest >= data.size() && at_eof) return false;  // a single line: not a stream of records
  PaddedBuffer line;
  line.Assign(data.substr(b, nl - b));
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  return parser.parse(line.data(), line.size(), false).get(e) == simdjson::SUCCESS &&
         e.type() == simdjson::dom::element_type::OBJECT;
}

// Passes records on with their index moved by `base`: a stream of several files numbers its
// records as one input.
class Renumbered final : public RecordHandler {
 public:
  explicit Renumbered(RecordHandler* to) : to_(to) {}
  void OnRecord(std::string_view json, const RecordInfo& info) override {
    to_->OnRecord(json, Moved(info));
  }
  bool WantsParsedRecords() const override { return to_->WantsParsedRecords(); }
  void OnParsedRecord(const ParsedRecord& record, const RecordInfo& info) override {
    to_->OnParsedRecord(record, Moved(info));
  }
  void OnMalformed(std::uint64_t index, std::string_view reason) override {
    to_->OnMalformed(index == kWholeInput ? index : index + base, reason);
  }
  std::uint64_t base = 0;

 private:
  RecordInfo Moved(RecordInfo info) const {
    info.index += base;
    return info;
  }
  RecordHandler* to_;
};

bool StartsWithTrailFile(std::string_view data) {
  std::size_t b = 0;
  while (b < data.size() && IsSpace(data[b])) ++b;
  return internal::IsTrailFile(data.substr(b));
}

// CloudTrail log files one after another (`zcat *.json.gz | trailwatch scan -`): each file is
// read as soon as it is complete, so memory holds one file rather than the stream.
ReadResult ReadTrailFiles(Reader& reader, std::size_t limit, Source& source, std::string& pending,
                          bool more, RecordHandler* handler) {
  ReadResult total;
  total.format = InputFormat::kCloudTrail;
  Renumbered renumbered(handler);
  auto add = [&](const ReadResult& r) {
    total.records += r.records;
    total.malformed += r.malformed;
    total.decoded_bytes += r.decoded_bytes;
    if (total.status.ok() && !r.status.ok()) total.status = r.status;
    renumbered.base += r.records + r.malformed;
  };
  std::size_t start = 0;
  std::size_t scan_from = 0;  // an unfinished file is framed again once pending has doubled
  while (true) {
    while (start < pending.size() && IsSpace(pending[start])) ++start;
    if (start > 0) {  // the file before is done with
      pending.erase(0, start);
      scan_from -= std::min(scan_from, start);
      start = 0;
    }
    if (pending.empty()) {
      if (!more) break;
      more = source.Next(&pending);
      continue;
    }
    const char first = pending[0];
    const bool container = first == '{' || first == '[';
    std::size_t end =
        pending.size() >= scan_from || !more ? internal::ValueEnd(pending, 0) : std::string::npos;
    if (!container && end == pending.size() && more) end = std::string::npos;  // may go on
    if (end == std::string::npos) {
      if (!more || pending.size() > limit) {
        add(reader.Read(pending, &renumbered));  // damaged or cut: what is whole is delivered
        break;
      }
      scan_from = 2 * pending.size();
      while (more && pending.size() < scan_from) more = source.Next(&pending);
      continue;
    }
    if (end == 0) {  // a stray ',', ']' or '}': the rest is read as one damaged input
      while (more && pending.size() <= limit) more = source.Next(&pending);
      add(reader.Read(pending, &renumbered));
      break;
    }
    if (container) {
      // One file (or array, or record) at a time, as Read numbers the values of `cat`'d files.
      add(reader.Read(std::string_view(pending).substr(0, end), &renumbered));
    } else {
      ReadResult scalar;
      scalar.malformed = 1;
      renumbered.OnMalformed(0, "record is not a JSON object");
      add(scalar);
    }
    start = end;
    scan_from = 0;
  }
  if (!source.status().ok()) {
    ++total.malformed;
    handler->OnMalformed(kWholeInput, source.status().message());
    if (total.status.ok()) total.status = source.status();
  }
  return total;
}

}  // namespace

ReadResult Reader::ReadStream(int fd, RecordHandler* handler, std::uint64_t* bytes_read) {
  Source source(fd);
  std::string pending;
  bool more = true;
  // Gather enough to decide: a first line, or the end. (Only new bytes are searched: a
  // CloudTrail file has no line break at all.)
  for (std::size_t searched = 0; more && pending.find('\n', searched) == std::string::npos &&
                                 pending.size() < (64u << 20) && !StartsWithTrailFile(pending);) {
    searched = pending.size();
    more = source.Next(&pending);
  }
  const std::size_t limit = max_input_bytes();
  if (StartsWithTrailFile(pending)) {
    ReadResult r = ReadTrailFiles(*this, limit, source, pending, more, handler);
    *bytes_read = source.bytes_read();
    return r;
  }
  if (!FirstLineIsObject(pending, !more)) {
    while (more && pending.size() <= limit) more = source.Next(&pending);
    *bytes_read = source.bytes_read();
    if (pending.size() > limit) {
      ReadResult r;
      r.malformed = 1;
      r.status = Status::ResourceExhausted(fmt::format(
          "input is larger than {} bytes and is not NDJSON; split it into files", limit));
      handler->OnMalformed(kWholeInput, r.status.message());
      return r;
    }
    ReadResult r = Read(pending, handler);
    if (!source.status().ok()) {
      ++r.malformed;
      handler->OnMalformed(kWholeInput, source.status().message());
      if (r.status.ok()) r.status = source.status();
    }
    return r;
  }
  ReadResult result;
  result.format = InputFormat::kNdjson;
  std::uint64_t index = 0;
  std::size_t start = 0;
  auto lines = [&](bool final_chunk) {
    while (true) {
      std::size_t nl = pending.find('\n', start);
      if (nl == std::string::npos) {
        if (!final_chunk) break;
        nl = pending.size();
        if (start >= nl) break;
      }
      std::string_view line(pending.data() + start, nl - start);
      start = nl + 1;
      ReadResult one = ReadLine(line, index, handler);
      index += one.records + one.malformed;  // a line that is a CloudTrail file has many
      result.records += one.records;
      result.malformed += one.malformed;
      if (start > pending.size()) break;
    }
    pending.erase(0, std::min(start, pending.size()));
    start = 0;
  };
  while (true) {
    lines(!more);
    if (!more) break;
    if (pending.size() > max_record_bytes() + kChunk) {
      // One line longer than any record may be: report it and drop it up to its end.
      ++result.malformed;
      handler->OnMalformed(index++,
                           fmt::format("line is longer than {} bytes", max_record_bytes()));
      do {
        pending.clear();
        more = source.Next(&pending);
      } while (more && pending.find('\n') == std::string::npos);
      const std::size_t nl = pending.find('\n');
      pending.erase(0, nl == std::string::npos ? pending.size() : nl + 1);
      continue;
    }
    more = source.Next(&pending);
  }
  *bytes_read = source.bytes_read();
  result.decoded_bytes = source.decoded();
  if (!source.status().ok()) {
    ++result.malformed;
    handler->OnMalformed(kWholeInput, source.status().message());
    result.status = source.status();
  }
  return result;
}

}  // namespace trailwatch::event
