// Hex and base64 text encodings of byte strings (SigV4, digests, SNS signatures, keys), and
// form-encoded queries (the SNS SubscribeURL).
#ifndef TRAILWATCH_COMMON_ENCODING_H_
#define TRAILWATCH_COMMON_ENCODING_H_

#include <map>
#include <string>
#include <string_view>

#include "common/status.h"

namespace trailwatch {

// Lower-case hex, two digits per byte.
std::string HexEncode(std::string_view bytes);
// Accepts upper and lower case; fails on odd length or a non-hex digit.
Result<std::string> HexDecode(std::string_view hex);

// Standard alphabet with '=' padding (RFC 4648 section 4), no line breaks.
std::string Base64Encode(std::string_view bytes);
// Standard alphabet; padding required; no white space. Fails naming the offset of the first
// bad character.
Result<std::string> Base64Decode(std::string_view text);

// An application/x-www-form-urlencoded query ("a=1&b=x%20y+z"): '+' is a space, %XX a byte
// (a '%' not followed by two hex digits stays as it is); a name without '=' has the empty
// value; a repeated name keeps its last value.
std::map<std::string, std::string> ParseFormQuery(std::string_view query);

}  // namespace trailwatch

#endif  // TRAILWATCH_COMMON_ENCODING_H_
