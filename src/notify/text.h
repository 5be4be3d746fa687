// Internal helpers shared by the notify sources (not part of the public header).
#ifndef TRAILWATCH_NOTIFY_TEXT_H_
#define TRAILWATCH_NOTIFY_TEXT_H_

#include <string>
#include <string_view>

namespace trailwatch::notify {

// RFC 3986 percent-encoding of everything but unreserved characters and ':' and '@' (both
// allowed in a query and kept readable in ARNs and mail addresses, as AWS writes them).
std::string PercentEncode(std::string_view s);

// Appends ,"key":"value" (no comma after '{' or '[').
void AppendJsonField(std::string* out, std::string_view key, std::string_view value);

}  // namespace trailwatch::notify

#endif  // TRAILWATCH_NOTIFY_TEXT_H_
