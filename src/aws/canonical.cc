// The canonical request of SigV4, piece by piece.
#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/sigv4_internal.h"
#include "common/crypto.h"
#include "common/encoding.h"
#include "common/time.h"

namespace trailwatch::aws::internal {
namespace {

bool IsUnreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

void AppendEscaped(std::string* out, unsigned char byte) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out->push_back('%');
  out->push_back(kHex[byte >> 4]);
  out->push_back(kHex[byte & 0x0f]);
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

}  // namespace

std::string UriEncode(std::string_view bytes, bool keep_slash) {
  std::string out;
  out.reserve(bytes.size());
  for (char c : bytes) {
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out.push_back(c);
    } else {
      AppendEscaped(&out, static_cast<unsigned char>(c));
    }
  }
  return out;
}

std::string PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && IsHexDigit(text[i + 1]) &&
        IsHexDigit(text[i + 2])) {
      out.push_back(static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2])));
      i += 2;
    } else {
      out.push_back(plus_is_space && text[i] == '+' ? ' ' : text[i]);
    }
  }
  return out;
}

std::string NormalizePath(std::string_view path) {
  if (path.empty()) return "/";
  std::vector<std::string_view> segments;
  std::size_t pos = 0;
  while (pos <= path.size()) {
    std::size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    const std::string_view segment = path.substr(pos, slash - pos);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    pos = slash + 1;
  }
  std::string out = path.front() == '/' ? "/" : "";
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) out.push_back('/');
    out.append(segments[i]);
  }
  if (path.back() == '/' && !segments.empty()) out.push_back('/');
  if (out.empty()) out = "/";
  return out;
}

std::string CanonicalUri(std::string_view raw_path, UriEncoding encoding) {
  if (encoding == UriEncoding::kNormalizedDoubleEncoded) {
    return UriEncode(NormalizePath(raw_path), /*keep_slash=*/true);
  }
  // S3 signs the path as sent; a well-formed wire path needs no change, but a client that put
  // raw bytes (a space, UTF-8) on the wire still signed them encoded once.
  std::string out;
  for (std::size_t i = 0; i < raw_path.size(); ++i) {
    const char c = raw_path[i];
    const bool escape = c == '%' && i + 2 < raw_path.size() && IsHexDigit(raw_path[i + 1]) &&
                        IsHexDigit(raw_path[i + 2]);
    if (IsUnreserved(c) || c == '/' || escape) {
      out.push_back(c);
    } else {
      AppendEscaped(&out, static_cast<unsigned char>(c));
    }
  }
  if (out.empty()) out = "/";
  return out;
}

std::vector<std::pair<std::string, std::string>> SplitQuery(std::string_view raw_query) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t pos = 0;
  while (pos < raw_query.size()) {
    std::size_t amp = raw_query.find('&', pos);
    if (amp == std::string_view::npos) amp = raw_query.size();
    const std::string_view pair = raw_query.substr(pos, amp - pos);
    if (!pair.empty()) {
      const std::size_t eq = pair.find('=');
      if (eq == std::string_view::npos) {
        out.emplace_back(std::string(pair), std::string());
      } else {
        out.emplace_back(std::string(pair.substr(0, eq)), std::string(pair.substr(eq + 1)));
      }
    }
    pos = amp + 1;
  }
  return out;
}

std::string CanonicalQuery(std::string_view raw_query, std::string_view skip) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (auto& [name, value] : SplitQuery(raw_query)) {
    std::string encoded_name = UriEncode(PercentDecode(name, true), /*keep_slash=*/false);
    if (!skip.empty() && encoded_name == skip) continue;
    pairs.emplace_back(std::move(encoded_name),
                       UriEncode(PercentDecode(value, true), /*keep_slash=*/false));
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [name, value] : pairs) {
    if (!out.empty()) out.push_back('&');
    out.append(name);
    out.push_back('=');
    out.append(value);
  }
  return out;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string CanonicalHeaderValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  bool pending_space = false;
  for (char c : value) {
    if (IsSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

std::string CanonicalHeaders(const std::vector<HttpHeader>& headers,
                             const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) {
    out.append(name);
    out.push_back(':');
    bool first = true;
    for (std::string_view value : HeaderValues(headers, name)) {
      if (!first) out.push_back(',');
      first = false;
      out.append(CanonicalHeaderValue(value));
    }
    out.push_back('\n');
  }
  return out;
}

std::string FormatAmzDate(std::int64_t seconds) {
  // FormatIso8601 gives "2015-08-30T12:36:00Z"; SigV4 wants the basic form.
  std::string iso = FormatIso8601(seconds * 1000);
  std::string out;
  for (char c : iso) {
    if (c != '-' && c != ':') out.push_back(c);
  }
  return out;
}

std::optional<std::int64_t> ParseAmzDate(std::string_view text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  for (std::size_t i = 0; i < 15; ++i) {
    if (i != 8 && (text[i] < '0' || text[i] > '9')) return std::nullopt;
  }
  std::string iso;
  iso.append(text.substr(0, 4)).append("-").append(text.substr(4, 2)).append("-");
  iso.append(text.substr(6, 2)).append("T").append(text.substr(9, 2)).append(":");
  iso.append(text.substr(11, 2)).append(":").append(text.substr(13, 2)).append("Z");
  const auto millis = ParseIso8601Millis(iso);
  if (!millis) return std::nullopt;
  return *millis / 1000;
}

std::optional<std::int64_t> ParseHttpDate(std::string_view text) {
  if (auto basic = ParseAmzDate(text)) return basic;
  // IMF-fixdate: "Sun, 30 Aug 2015 12:36:00 GMT" (29 characters).
  if (text.size() != 29 || text[3] != ',' || text[4] != ' ' || text[7] != ' ' || text[11] != ' ' ||
      text[16] != ' ' || text.substr(25) != " GMT") {
    return std::nullopt;
  }
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto month = std::find(kMonths.begin(), kMonths.end(), text.substr(8, 3));
  if (month == kMonths.end()) return std::nullopt;
  const int month_number = static_cast<int>(month - kMonths.begin()) + 1;
  std::string iso;
  iso.append(text.substr(12, 4)).append("-");
  iso.push_back(static_cast<char>('0' + month_number / 10));
  iso.push_back(static_cast<char>('0' + month_number % 10));
  iso.append("-").append(text.substr(5, 2)).append("T").append(text.substr(17, 8)).append("Z");
  const auto millis = ParseIso8601Millis(iso);
  if (!millis) return std::nullopt;
  return *millis / 1000;
}

std::string CanonicalRequest(std::string_view method, std::string_view canonical_uri,
                             std::string_view canonical_query, std::string_view canonical_headers,
                             std::string_view signed_headers, std::string_view payload_hash) {
  std::string out;
  out.append(method).push_back('\n');
  out.append(canonical_uri).push_back('\n');
  out.append(canonical_query).push_back('\n');
  out.append(canonical_headers).push_back('\n');
  out.append(signed_headers).push_back('\n');
  out.append(payload_hash);
  return out;
}

std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request) {
  std::string out(kAlgorithm);
  out.push_back('\n');
  out.append(amz_date).push_back('\n');
  out.append(scope).push_back('\n');
  out.append(HexEncode(Sha256(canonical_request)));
  return out;
}

}  // namespace trailwatch::aws::internal

namespace trailwatch::aws {

std::vector<std::string_view> HeaderValues(const std::vector<HttpHeader>& headers,
                                           std::string_view name) {
  std::vector<std::string_view> out;
  for (const HttpHeader& h : headers) {
    const bool same = h.name.size() == name.size() &&
                      std::equal(h.name.begin(), h.name.end(), name.begin(), [](char a, char b) {
                        return std::tolower(static_cast<unsigned char>(a)) ==
                               std::tolower(static_cast<unsigned char>(b));
                      });
    if (same) out.push_back(h.value);
  }
  return out;
}

}  // namespace trailwatch::aws
