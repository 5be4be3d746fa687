// Internal to event/: finding where JSON values end without parsing them (framing.cc), for
// the reader and the stream reader.
#ifndef TRAILWATCH_EVENT_FRAMING_H_
#define TRAILWATCH_EVENT_FRAMING_H_

#include <cstddef>
#include <string_view>

namespace trailwatch::event::internal {

// JSON white space.
bool IsSpace(char c);
// The first position at or after `i` that is not white space (s.size() if none).
std::size_t SkipSpace(std::string_view s, std::size_t i);

// Where the JSON value at data[pos] ends, found textually (strings and nesting tracked, nothing
// validated): a container just after its closing bracket, a string just after its closing
// quote, another scalar at the next ',', ']', '}' or space; `pos` itself for a stray ',', ']'
// or '}'; npos when a container or string is not closed. Linear whatever the input, so it
// also frames damaged input.
std::size_t ValueEnd(std::string_view data, std::size_t pos);

// Whether the JSON value at the start of `value` is an object whose first member is a
// "Records" array: a CloudTrail log file. (CloudTrail writes Records first; a record never has a
// top-level Records member.)
bool IsTrailFile(std::string_view value);

// Where the elements of a CloudTrail file's "Records" array start (just after its '['), found
// textually so that it works on damaged files; npos if there is none.
std::size_t FindRecordsArray(std::string_view data);

}  // namespace trailwatch::event::internal

#endif  // TRAILWATCH_EVENT_FRAMING_H_
