// Writing JSON text by hand where the output format must be exact (AWS CLI output).
#ifndef TRAILWATCH_COMMON_JSON_TEXT_H_
#define TRAILWATCH_COMMON_JSON_TEXT_H_

#include <string>
#include <string_view>

namespace trailwatch {

// Appends `s` as a quoted JSON string the way Python's json.dumps(ensure_ascii=False) writes
// it (the AWS CLI's output): \" \\ \n \r \t \b \f escaped, other control characters as
// \u00XX, everything else as is. Bytes that are not valid UTF-8 become U+FFFD.
void AppendJsonString(std::string* out, std::string_view s);

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is invalid.
std::size_t Utf8SequenceLength(std::string_view s, std::size_t i);

}  // namespace trailwatch

#endif  // TRAILWATCH_COMMON_JSON_TEXT_H_
