// The daemon's log as JSON lines (`log_format: json`): every component writes plain text lines
// ("trailwatch: outbox: email … delivered") to a FILE*; this turns each line into one JSON
// object, so log shippers need no parsing rules and nothing changes at the call sites.
#ifndef TRAILWATCH_COMMON_LOG_H_
#define TRAILWATCH_COMMON_LOG_H_

#include <cstdio>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace trailwatch {

// One text line as a JSON object: {"time":"2026-11-21T17:22:36.123Z","level":"info",
// "component":"outbox","msg":"email … delivered"}. "trailwatch: " is dropped; a first word
// ending in ':' that is a lower-case name ("outbox:", "trail:") becomes "component"; level is
// "error" for lines that report a failure (cannot, failed, error), else "info".
std::string JsonLogLine(std::string_view line, std::int64_t time_ms);

// A stream that writes each complete line given to it to `out` as JsonLogLine (a partial line
// waits for its end or fclose). `clock` must outlive it. Close it with std::fclose (which does
// not close `out`). nullptr when the stream cannot be made.
std::FILE* OpenJsonLog(std::FILE* out, const Clock& clock);

}  // namespace trailwatch

#endif  // TRAILWATCH_COMMON_LOG_H_
