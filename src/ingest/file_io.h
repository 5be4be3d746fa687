// Internal to ingest/: file-level helpers of the follower (names, walking, sniffing, gzip).
#ifndef TRAILWATCH_INGEST_FILE_IO_H_
#define TRAILWATCH_INGEST_FILE_IO_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace trailwatch::ingest::internal {

// Hidden and temporary names a writer renames into place when done.
bool IgnoredName(std::string_view name);

// The regular files under `root` (itself when it is a file), sorted; hidden and temporary
// names inside directories are left out. A missing root gives none and no error.
Status ListFiles(const std::string& root, std::vector<std::string>* out);

std::uint64_t Fnv1a(std::string_view bytes);

// Up to `n` bytes at `offset` (fewer at the end of the file).
Result<std::string> ReadAt(int fd, std::uint64_t offset, std::size_t n);

// OK when the whole file (from offset 0) is gzip members that all end; kCorruption naming the
// problem otherwise (truncated: maybe still being written).
Status CheckGzip(int fd);

// How to follow a file, from its first bytes.
enum class Sniff : std::uint8_t {
  kWait,      // nothing but white space yet
  kLines,     // the first line is complete and alone a JSON object: NDJSON
  kOneLine,   // an object with no line end yet: one compact document, or a first line being
              // written; read as a document if it parses, and looked at again when it grows
  kDocument,  // gzip, an array, a document spanning lines, or not JSON at all
};
Sniff SniffMode(std::string_view prefix);

}  // namespace trailwatch::ingest::internal

#endif  // TRAILWATCH_INGEST_FILE_IO_H_
