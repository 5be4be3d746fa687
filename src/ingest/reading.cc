// FileFollower: reading what is new in one file (NDJSON lines, whole documents).
#include <fmt/format.h>
#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "ingest/file_io.h"
#include "ingest/follower_impl.h"

namespace trailwatch::ingest {
using internal::kChunk;
using internal::kFingerprintBytes;

namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool IsJson(std::string_view text) {
  const simdjson::padded_string padded(text);
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  return parser.parse(padded).get(e) == simdjson::SUCCESS;
}

}  // namespace

void FileFollower::Impl::Lines(FileState& s, int fd, std::uint64_t size, std::int64_t now) {
  std::uint64_t pos = s.cp.offset;
  std::size_t want = kChunk;
  s.waiting = false;
  while (pos < size && !cancel.load()) {
    auto data = internal::ReadAt(fd, pos, want);
    if (!data.ok()) {
      Report(s.cp.path, event::kWholeInput, data.status().message());
      break;
    }
    if (data->empty()) break;
    const std::size_t last_nl = data->rfind('\n');
    if (last_nl == std::string::npos) {
      const bool at_end = pos + data->size() >= size;
      if (!at_end && want <= options.read.max_record_bytes) {
        want *= 2;  // a line longer than a chunk
        continue;
      }
      if (!at_end) {
        // Longer than any record may be: skip to its end, if it has one yet.
        std::uint64_t scan = pos + data->size();
        bool found = false;
        while (!found && scan < size) {
          auto more = internal::ReadAt(fd, scan, kChunk);
          if (!more.ok() || more->empty()) break;
          const std::size_t nl = more->find('\n');
          if (nl != std::string::npos) {
            found = true;
            scan += nl + 1;
          } else {
            scan += more->size();
          }
        }
        if (!found) break;
        Report(s.cp.path, s.cp.records,
               fmt::format("line is longer than {} bytes", options.read.max_record_bytes));
        bytes.fetch_add(scan - pos);
        s.cp.records = std::max(s.cp.records + 1, s.skip);
        pos = scan;
        s.cp.offset = pos;
        MarkDirty(s);
        want = kChunk;
        continue;
      }
      // The last line has no end yet: it waits, unless it has been left unterminated for the
      // grace period and is valid JSON (a writer that does not end its last line).
      const std::string_view rest = Trim(*data);
      if (rest.empty()) break;
      if (now - s.changed_ms < options.incomplete_grace.count()) {
        s.waiting = true;
      } else if (IsJson(rest)) {
        DeliverLine(s, *data, pos);
        bytes.fetch_add(data->size());
        pos += data->size();
        s.cp.offset = pos;
        MarkDirty(s);
      }
      break;
    }
    const std::string_view block(data->data(), last_nl + 1);
    std::size_t start = 0;
    while (start < block.size()) {
      const std::size_t nl = block.find('\n', start);
      DeliverLine(s, block.substr(start, nl - start), pos + start);
      start = nl + 1;
    }
    bytes.fetch_add(block.size());
    pos += block.size();
    s.cp.offset = pos;
    MarkDirty(s);
    want = kChunk;
    if (uncommitted >= options.commit_every_records) (void)Commit(now);
  }
}

void FileFollower::Impl::DeliverLine(FileState& s, std::string_view line, std::uint64_t offset) {
  const std::string_view text = Trim(line);
  if (text.empty()) return;
  // Each line is read as an input of its own: usually one record; a line holding a whole
  // {"Records":[…]} file, CloudWatch Logs output or an EventBridge event yields what those do.
  Deliverer d(*this, s, s.cp.records, offset);
  d.set_lines();
  const event::ReadResult r = reader.Read(text, &d);
  if (r.format == event::InputFormat::kDigest) digests.fetch_add(1);
  s.cp.records = d.next();  // a line that is not JSON at all took a position too
}

void FileFollower::Impl::Document(FileState& s, int fd, std::uint64_t size, std::int64_t now) {
  const bool in_grace = now - s.changed_ms < options.incomplete_grace.count();
  auto head = internal::ReadAt(fd, 0, 2);
  const bool gzip = head.ok() && head->size() == 2 &&
                    static_cast<unsigned char>((*head)[0]) == 0x1f &&
                    static_cast<unsigned char>((*head)[1]) == 0x8b;
  Deliverer d(*this, s, 0, 0);
  event::ReadResult r;
  std::uint64_t consumed = size;
  if (gzip) {
    // Complete when every member decompresses to its end. Checked before anything is
    // delivered; the content is then streamed (NDJSON in bounded memory).
    if (Status complete = internal::CheckGzip(fd); !complete.ok() && in_grace) {
      s.waiting = true;
      return;
    }
    if (::lseek(fd, 0, SEEK_SET) != 0) {
      Report(s.cp.path, event::kWholeInput, fmt::format("seek: {}", std::strerror(errno)));
      return;
    }
    r = reader.ReadStream(fd, &d, &consumed);
  } else if (size > options.read.max_input_bytes) {
    Report(s.cp.path, event::kWholeInput,
           fmt::format("{} bytes and not NDJSON: larger than the {} bytes a document may have",
                       size, options.read.max_input_bytes));
  } else {
    auto data = internal::ReadAt(fd, 0, static_cast<std::size_t>(size));
    if (!data.ok()) {
      Report(s.cp.path, event::kWholeInput, data.status().message());
      return;
    }
    // A document that does not parse may still be being written: nothing is delivered until
    // it parses or its grace period is over.
    Buffer buffer;
    r = reader.Read(*data, &buffer);
    if (!r.status.ok() && in_grace) {
      s.waiting = true;
      return;
    }
    consumed = data->size();
    buffer.Replay(&d);
  }
  if (r.format == event::InputFormat::kDigest) digests.fetch_add(1);
  bytes.fetch_add(consumed);
  s.waiting = false;
  s.mode_known = true;
  s.cp.complete = true;
  s.cp.offset = consumed;
  s.cp.records = std::max(d.next(), s.skip);
  s.skip = 0;
  MarkDirty(s);
}

void FileFollower::Impl::Fingerprint(FileState& s, int fd) {
  const auto want =
      static_cast<std::uint32_t>(std::min<std::uint64_t>(s.cp.offset, kFingerprintBytes));
  if (want <= s.cp.fingerprint_bytes) return;
  auto head = internal::ReadAt(fd, 0, want);
  if (!head.ok() || head->size() != want) return;
  s.cp.fingerprint = internal::Fnv1a(*head);
  s.cp.fingerprint_bytes = want;
  MarkDirty(s);
}

}  // namespace trailwatch::ingest
