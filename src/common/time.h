// Time parsing and formatting for CloudTrail and the command line. All times are UTC,
// milliseconds since the Unix epoch.
#ifndef TRAILWATCH_COMMON_TIME_H_
#define TRAILWATCH_COMMON_TIME_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"

namespace trailwatch {

// Parses ISO 8601 / RFC 3339 as CloudTrail writes it ("2024-07-31T12:36:52Z") and the
// variants users type: fractional seconds, "+hh:mm"/"-hhmm" offsets, a space instead of 'T',
// a date alone ("2024-07-31", midnight UTC), and lower-case 't'/'z'. Returns nullopt for
// anything else, including impossible dates (2024-02-30) and out-of-range fields.
std::optional<std::int64_t> ParseIso8601Millis(std::string_view text);

// "2024-07-31T12:36:52Z", or with ".123" when the milliseconds are not zero.
std::string FormatIso8601(std::int64_t millis);

// A --start-time/--end-time argument: an ISO 8601 time, epoch seconds (all digits), or a
// time relative to `now` such as "-7d", "-12h", "-30m", "-45s", "-2w" or "now".
Result<std::int64_t> ParseTimeArgument(std::string_view text, TimePoint now);

// A duration in milliseconds: digits with a unit s, m, h, d or w ("90s", "5m", "2h"), or
// plain digits meaning seconds ("300", "0").
Result<std::int64_t> ParseDuration(std::string_view text);

}  // namespace trailwatch

#endif  // TRAILWATCH_COMMON_TIME_H_
