// Internals of detect: parsed IP addresses and CIDRs.
#ifndef TRAILWATCH_DETECT_DETECT_INTERNAL_H_
#define TRAILWATCH_DETECT_DETECT_INTERNAL_H_

#include <array>
#include <optional>
#include <string_view>

namespace trailwatch::detect::internal {

// IPv4 addresses are held IPv4-mapped (::ffff:a.b.c.d), so a v4 CIDR also covers an event
// whose sourceIPAddress is written in that IPv6 form.
struct IpAddress {
  std::array<unsigned char, 16> bytes{};
  bool v4 = false;
};

struct Cidr {
  IpAddress network;
  unsigned bits = 0;  // prefix length over the 128-bit form
};

// An address; nullopt for anything else (CloudTrail writes service names such as
// "secretsmanager.amazonaws.com" in sourceIPAddress).
std::optional<IpAddress> ParseIp(std::string_view text);
// "a.b.c.d/n", "x::/n", or a bare address (a /32 or /128).
std::optional<Cidr> ParseCidr(std::string_view text);
bool CidrContains(const Cidr& cidr, const IpAddress& address);

}  // namespace trailwatch::detect::internal

#endif  // TRAILWATCH_DETECT_DETECT_INTERNAL_H_
