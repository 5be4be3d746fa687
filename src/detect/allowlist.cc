// Allowlist primitives (globs, CIDRs), severities and config validation.
#include <arpa/inet.h>
#include <fmt/format.h>

#include <array>
#include <cstring>

#include "detect/detect.h"
#include "detect/detect_internal.h"

namespace trailwatch::detect {

std::string_view SeverityName(Severity s) {
  switch (s) {
    case Severity::kLow:
      return "low";
    case Severity::kMedium:
      return "medium";
    case Severity::kHigh:
      return "high";
    case Severity::kCritical:
      return "critical";
  }
  return "medium";
}

std::optional<Severity> ParseSeverity(std::string_view text) {
  for (Severity s : {Severity::kLow, Severity::kMedium, Severity::kHigh, Severity::kCritical}) {
    if (SeverityName(s) == text) return s;
  }
  return std::nullopt;
}

bool GlobMatch(std::string_view pattern, std::string_view text) {
  // Iterative with one backtrack point: linear in practice, no recursion, so a hostile
  // pattern such as "*a*a*a*…" cannot blow the stack.
  std::size_t p = 0, t = 0;
  std::size_t star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

namespace internal {

std::optional<IpAddress> ParseIp(std::string_view text) {
  if (text.empty() || text.size() > 64) return std::nullopt;
  const std::string s(text);
  IpAddress a;
  if (s.find(':') == std::string::npos) {
    std::array<unsigned char, 4> v4{};
    if (inet_pton(AF_INET, s.c_str(), v4.data()) != 1) return std::nullopt;
    // IPv4 lives in the IPv4-mapped IPv6 range, so one comparison serves both families.
    a.bytes[10] = 0xff;
    a.bytes[11] = 0xff;
    std::memcpy(a.bytes.data() + 12, v4.data(), 4);
    a.v4 = true;
    return a;
  }
  if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) != 1) return std::nullopt;
  return a;
}

std::optional<Cidr> ParseCidr(std::string_view text) {
  const auto slash = text.find('/');
  auto addr = ParseIp(text.substr(0, slash));
  if (!addr) return std::nullopt;
  const unsigned max = addr->v4 ? 32 : 128;
  unsigned bits = max;
  if (slash != std::string_view::npos) {
    const std::string_view len = text.substr(slash + 1);
    if (len.empty() || len.size() > 3) return std::nullopt;
    bits = 0;
    for (char c : len) {
      if (c < '0' || c > '9') return std::nullopt;
      bits = bits * 10 + static_cast<unsigned>(c - '0');
    }
    if (bits > max) return std::nullopt;
  }
  Cidr c;
  c.network = *addr;
  c.bits = addr->v4 ? bits + 96 : bits;
  return c;
}

bool CidrContains(const Cidr& c, const IpAddress& a) {
  unsigned left = c.bits;
  for (std::size_t i = 0; i < 16 && left > 0; ++i) {
    const unsigned take = left >= 8 ? 8 : left;
    const auto mask = static_cast<unsigned char>(0xffu << (8 - take));
    if ((c.network.bytes[i] & mask) != (a.bytes[i] & mask)) return false;
    left -= take;
  }
  return true;
}

}  // namespace internal

Status CheckCidr(std::string_view text) {
  if (internal::ParseCidr(text)) return Status::Ok();
  return Status::InvalidArgument(fmt::format(
      "'{}' is no IPv4 or IPv6 address or CIDR (e.g. 10.0.0.0/8, 2001:db8::/32)", text));
}

Status Validate(const DetectionConfig& c) {
  auto fail = [&](std::string_view property, const std::string& message) {
    return Status::InvalidArgument(
        fmt::format("detection '{}': {}: {}", c.name, property, message));
  };
  if (c.name.empty() || c.name.size() > 255)
    return fail("DetectionName", "must be 1-255 characters");
  if (c.threshold) {
    if (c.threshold->count < 1) return fail("Threshold.Count", "must be at least 1");
    if (c.threshold->window_seconds < 1)
      return fail("Threshold.WindowSeconds", "must be at least 1");
  }
  for (std::size_t i = 0; i < c.allowlist.source_ip_cidrs.size(); ++i) {
    if (Status s = CheckCidr(c.allowlist.source_ip_cidrs[i]); !s.ok()) {
      return fail(fmt::format("Allowlist.SourceIpCidrs[{}]", i), s.message());
    }
  }
  return Status::Ok();
}

}  // namespace trailwatch::detect
