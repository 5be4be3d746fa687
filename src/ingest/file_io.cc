#include "ingest/file_io.h"

#include <fmt/format.h>
#include <simdjson.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace trailwatch::ingest::internal {
namespace fs = std::filesystem;

bool IgnoredName(std::string_view name) {
  if (name.empty() || name.front() == '.' || name.back() == '~') return true;
  for (std::string_view suffix : {".tmp", ".temp", ".part", ".partial"}) {
    if (name.size() > suffix.size() && name.ends_with(suffix)) return true;
  }
  return false;
}

Status ListFiles(const std::string& root, std::vector<std::string>* out) {
  std::error_code ec;
  const fs::file_status st = fs::status(root, ec);
  if (ec || !fs::exists(st)) return Status::Ok();  // not there yet
  if (!fs::is_directory(st)) {
    // Named explicitly, so followed whatever its name.
    if (fs::is_regular_file(st)) out->push_back(root);
    return Status::Ok();
  }
  const std::size_t first = out->size();
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::error_code fec;
    if (IgnoredName(name)) {
      if (it->is_directory(fec)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(fec)) out->push_back(it->path().string());
  }
  std::sort(out->begin() + static_cast<std::ptrdiff_t>(first), out->end());
  // A directory that vanishes while it is walked is not an error: it is simply gone.
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return Status::IoError(fmt::format("{}: {}", root, ec.message()));
  }
  return Status::Ok();
}

std::uint64_t Fnv1a(std::string_view bytes) {
  std::uint64_t h = 1469598103934665603ull;
  for (char c : bytes) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

Result<std::string> ReadAt(int fd, std::uint64_t offset, std::size_t n) {
  std::string out(n, '\0');
  std::size_t got = 0;
  while (got < n) {
    const ssize_t r = ::pread(fd, out.data() + got, n - got, static_cast<off_t>(offset + got));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Status::IoError(fmt::format("read error: {}", std::strerror(errno)));
    if (r == 0) break;
    got += static_cast<std::size_t>(r);
  }
  out.resize(got);
  return out;
}

Status CheckGzip(int fd) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return Status::Internal("zlib init failed");
  std::string in(1 << 16, '\0');
  std::string out(1 << 16, '\0');
  std::uint64_t offset = 0;
  bool in_member = false;
  Status result;
  while (result.ok()) {
    auto chunk = ReadAt(fd, offset, in.size());
    if (!chunk.ok()) {
      result = chunk.status();
      break;
    }
    if (chunk->empty()) {
      if (in_member) result = Status::Corruption("truncated gzip data");
      break;
    }
    offset += chunk->size();
    zs.next_in = reinterpret_cast<Bytef*>(chunk->data());
    zs.avail_in = static_cast<uInt>(chunk->size());
    while (zs.avail_in > 0 && result.ok()) {
      zs.next_out = reinterpret_cast<Bytef*>(out.data());
      zs.avail_out = static_cast<uInt>(out.size());
      in_member = true;
      const int rc = inflate(&zs, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        in_member = false;
        if (inflateReset(&zs) != Z_OK) result = Status::Internal("zlib reset failed");
      } else if (rc == Z_BUF_ERROR) {
        break;  // no progress possible on this input: read more
      } else if (rc != Z_OK) {
        result = Status::Corruption(
            fmt::format("damaged gzip data ({})", zs.msg ? zs.msg : "inflate error"));
      }
    }
  }
  inflateEnd(&zs);
  return result;
}

Sniff SniffMode(std::string_view prefix) {
  if (prefix.size() >= 2 && static_cast<unsigned char>(prefix[0]) == 0x1f &&
      static_cast<unsigned char>(prefix[1]) == 0x8b) {
    return Sniff::kDocument;
  }
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  std::size_t b = prefix.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  while (b < prefix.size() && space(prefix[b])) ++b;
  if (b >= prefix.size()) return Sniff::kWait;
  if (prefix[b] != '{') return Sniff::kDocument;
  if (prefix.find('\n', b) == std::string_view::npos) return Sniff::kOneLine;
  // As event::Reader decides: NDJSON when one of the first three non-blank lines is alone a
  // complete JSON object (so a damaged first line does not hide the rest).
  simdjson::dom::parser parser;
  std::size_t pos = b;
  for (int tried = 0; tried < 3;) {
    const std::size_t nl = prefix.find('\n', pos);
    if (nl == std::string_view::npos) break;  // only complete lines count
    std::string_view line = prefix.substr(pos, nl - pos);
    pos = nl + 1;
    while (!line.empty() && space(line.front())) line.remove_prefix(1);
    if (line.empty()) continue;
    ++tried;
    const simdjson::padded_string padded(line);
    simdjson::dom::element e;
    if (parser.parse(padded).get(e) == simdjson::SUCCESS && e.is_object()) return Sniff::kLines;
  }
  return Sniff::kDocument;
}

}  // namespace trailwatch::ingest::internal
