#include "iam/condition.h"

#include <arpa/inet.h>

#include <charconv>
#include <cmath>
#include <limits>

#include "common/time.h"
#include "fmt/format.h"
#include "iam/glob.h"

namespace trailwatch::iam::internal {
namespace {

struct BaseOperator {
  std::string_view name;
  Family family;
  Compare compare;
  bool negated;
};

constexpr BaseOperator kOperators[] = {
    {"StringEquals", Family::kString, Compare::kEquals, false},
    {"StringNotEquals", Family::kString, Compare::kEquals, true},
    {"StringEqualsIgnoreCase", Family::kString, Compare::kEqualsIgnoreCase, false},
    {"StringNotEqualsIgnoreCase", Family::kString, Compare::kEqualsIgnoreCase, true},
    {"StringLike", Family::kString, Compare::kLike, false},
    {"StringNotLike", Family::kString, Compare::kLike, true},
    {"NumericEquals", Family::kNumeric, Compare::kEquals, false},
    {"NumericNotEquals", Family::kNumeric, Compare::kEquals, true},
    {"NumericLessThan", Family::kNumeric, Compare::kLessThan, false},
    {"NumericLessThanEquals", Family::kNumeric, Compare::kLessThanEquals, false},
    {"NumericGreaterThan", Family::kNumeric, Compare::kGreaterThan, false},
    {"NumericGreaterThanEquals", Family::kNumeric, Compare::kGreaterThanEquals, false},
    {"DateEquals", Family::kDate, Compare::kEquals, false},
    {"DateNotEquals", Family::kDate, Compare::kEquals, true},
    {"DateLessThan", Family::kDate, Compare::kLessThan, false},
    {"DateLessThanEquals", Family::kDate, Compare::kLessThanEquals, false},
    {"DateGreaterThan", Family::kDate, Compare::kGreaterThan, false},
    {"DateGreaterThanEquals", Family::kDate, Compare::kGreaterThanEquals, false},
    {"Bool", Family::kBool, Compare::kEquals, false},
    {"BinaryEquals", Family::kBinary, Compare::kEquals, false},
    {"IpAddress", Family::kIp, Compare::kWithin, false},
    {"NotIpAddress", Family::kIp, Compare::kWithin, true},
    // AWS documents ArnEquals and ArnLike (and their negations) as the same test.
    {"ArnEquals", Family::kArn, Compare::kLike, false},
    {"ArnLike", Family::kArn, Compare::kLike, false},
    {"ArnNotEquals", Family::kArn, Compare::kLike, true},
    {"ArnNotLike", Family::kArn, Compare::kLike, true},
    {"Null", Family::kNull, Compare::kEquals, false},
};

template <typename T>
bool Ordered(Compare compare, T have, T want) {
  switch (compare) {
    case Compare::kEquals:
      return have == want;
    case Compare::kLessThan:
      return have < want;
    case Compare::kLessThanEquals:
      return have <= want;
    case Compare::kGreaterThan:
      return have > want;
    case Compare::kGreaterThanEquals:
      return have >= want;
    default:
      return false;
  }
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Policy values after variable substitution: literals or glob patterns.
using Resolved = std::vector<std::string>;

bool UsesPattern(const Operator& op) {
  return op.family == Family::kArn ||
         (op.family == Family::kString && op.compare == Compare::kLike);
}

bool Resolve(const ConditionClause& clause, const KeyLookup& lookup, Resolved* out) {
  const Family family = clause.op.family;
  if (family != Family::kString && family != Family::kArn && family != Family::kBinary) {
    return true;
  }
  const bool pattern = UsesPattern(clause.op);
  out->reserve(clause.values.size());
  for (const ConditionValue& v : clause.values) {
    std::optional<std::string> s = pattern ? v.text.Pattern(lookup) : v.text.Literal(lookup);
    if (!s) return false;
    out->push_back(std::move(*s));
  }
  return true;
}

// Does the request value match at least one policy value (the operator taken positively)?
bool MatchesAny(const ConditionClause& clause, const Resolved& resolved, std::string_view have) {
  const Operator& op = clause.op;
  switch (op.family) {
    case Family::kString:
    case Family::kBinary:
      for (const std::string& want : resolved) {
        if (op.compare == Compare::kLike               ? GlobMatch(want, have, false)
            : op.compare == Compare::kEqualsIgnoreCase ? EqualsIgnoreCase(want, have)
                                                       : want == have) {
          return true;
        }
      }
      return false;
    case Family::kArn:
      for (const std::string& want : resolved) {
        if (ArnMatch(want, have)) return true;
      }
      return false;
    case Family::kNumeric: {
      const std::optional<double> n = ParseNumber(have);
      if (!n) return false;
      for (const ConditionValue& want : clause.values) {
        if (Ordered(op.compare, *n, want.number)) return true;
      }
      return false;
    }
    case Family::kDate: {
      const std::optional<std::int64_t> t = ParseDateMillis(have);
      if (!t) return false;
      for (const ConditionValue& want : clause.values) {
        if (Ordered(op.compare, *t, want.millis)) return true;
      }
      return false;
    }
    case Family::kBool: {
      const std::optional<bool> b = ParseBool(have);
      if (!b) return false;
      for (const ConditionValue& want : clause.values) {
        if (*b == want.boolean) return true;
      }
      return false;
    }
    case Family::kIp: {
      const std::optional<IpRange> address = ParseCidr(have);
      if (!address) return false;
      for (const ConditionValue& want : clause.values) {
        if (InRange(want.ip, *address)) return true;
      }
      return false;
    }
    case Family::kNull:
      return false;
  }
  return false;
}

}  // namespace

std::optional<Operator> ParseOperator(std::string_view name) {
  Operator op;
  constexpr std::string_view kAny = "ForAnyValue:";
  constexpr std::string_view kAll = "ForAllValues:";
  constexpr std::string_view kIfExists = "IfExists";
  if (name.starts_with(kAny)) {
    op.set = SetQualifier::kForAnyValue;
    name.remove_prefix(kAny.size());
  } else if (name.starts_with(kAll)) {
    op.set = SetQualifier::kForAllValues;
    name.remove_prefix(kAll.size());
  }
  if (name.ends_with(kIfExists)) {
    op.if_exists = true;
    name.remove_suffix(kIfExists.size());
  }
  for (const BaseOperator& base : kOperators) {
    if (base.name != name) continue;
    if (base.family == Family::kNull && (op.if_exists || op.set != SetQualifier::kNone)) {
      return std::nullopt;
    }
    op.family = base.family;
    op.compare = base.compare;
    op.negated = base.negated;
    return op;
  }
  return std::nullopt;
}

std::optional<IpRange> ParseCidr(std::string_view text) {
  IpRange range;
  std::string_view address = text;
  std::optional<std::uint32_t> prefix;
  if (const std::size_t slash = text.find('/'); slash != std::string_view::npos) {
    address = text.substr(0, slash);
    const std::string_view bits = text.substr(slash + 1);
    std::uint32_t n = 0;
    if (!AllDigits(bits) || bits.size() > 3) return std::nullopt;
    std::from_chars(bits.data(), bits.data() + bits.size(), n);
    prefix = n;
  }
  if (address.empty() || address.size() > 45) return std::nullopt;
  const std::string z(address);  // inet_pton needs a terminated string
  range.v6 = z.find(':') != std::string::npos;
  if (inet_pton(range.v6 ? AF_INET6 : AF_INET, z.c_str(), range.address.data()) != 1) {
    return std::nullopt;
  }
  const std::uint32_t width = range.v6 ? 128 : 32;
  range.prefix = prefix.value_or(width);
  if (range.prefix > width) return std::nullopt;
  return range;
}

bool InRange(const IpRange& range, const IpRange& address) {
  if (range.v6 != address.v6) return false;
  std::uint32_t bits = range.prefix;
  for (std::size_t i = 0; bits > 0; ++i) {
    const std::uint32_t take = bits >= 8 ? 8 : bits;
    const auto mask = static_cast<std::uint8_t>(0xFFu << (8 - take));
    if ((range.address[i] & mask) != (address.address[i] & mask)) return false;
    bits -= take;
  }
  return true;
}

std::optional<std::int64_t> ParseDateMillis(std::string_view text) {
  const bool negative = text.starts_with('-');
  const std::string_view digits = negative ? text.substr(1) : text;
  if (AllDigits(digits)) {
    // Epoch seconds; beyond 15 digits the milliseconds would overflow.
    if (digits.size() > 15) return std::nullopt;
    std::int64_t seconds = 0;
    std::from_chars(digits.data(), digits.data() + digits.size(), seconds);
    return (negative ? -seconds : seconds) * 1000;
  }
  return ParseIso8601Millis(text);
}

std::optional<double> ParseNumber(std::string_view text) {
  if (text.empty()) return std::nullopt;
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::optional<bool> ParseBool(std::string_view text) {
  if (EqualsIgnoreCase(text, "true")) return true;
  if (EqualsIgnoreCase(text, "false")) return false;
  return std::nullopt;
}

std::optional<std::string> CompileValue(const Operator& op, std::string_view text, bool variables,
                                        ConditionValue* out) {
  switch (op.family) {
    case Family::kString:
    case Family::kArn:
    case Family::kBinary:
      out->text = ValueTemplate::Compile(text, variables);
      return std::nullopt;
    case Family::kNumeric:
      if (auto n = ParseNumber(text)) {
        out->number = *n;
        return std::nullopt;
      }
      return fmt::format("Invalid numeric value {}", text);
    case Family::kDate:
      if (auto t = ParseDateMillis(text)) {
        out->millis = *t;
        return std::nullopt;
      }
      return fmt::format("Invalid date value {}; use ISO 8601 or epoch seconds", text);
    case Family::kBool:
    case Family::kNull:
      if (auto b = ParseBool(text)) {
        out->boolean = *b;
        return std::nullopt;
      }
      return fmt::format("Invalid boolean value {}; use true or false", text);
    case Family::kIp:
      if (auto ip = ParseCidr(text)) {
        out->ip = *ip;
        return std::nullopt;
      }
      return fmt::format("Invalid IP address or CIDR block {}", text);
  }
  return "Invalid condition value";
}

bool EvaluateClause(const ConditionClause& clause, const KeyLookup& lookup) {
  const Operator& op = clause.op;
  const std::vector<std::string>* values = lookup(clause.key);
  bool present = values != nullptr && !values->empty();
  if (op.family == Family::kNull) {
    for (const ConditionValue& want : clause.values) {
      if (want.boolean != present) return true;  // "true" means the key is absent
    }
    return false;
  }
  // AWS: for the set qualifiers an empty string is a null data set, like an absent key.
  if (present && op.set != SetQualifier::kNone && values->size() == 1 && values->front().empty()) {
    present = false;
  }
  if (!present) {
    if (op.if_exists) return true;
    switch (op.set) {
      case SetQualifier::kForAllValues:
        return true;
      case SetQualifier::kForAnyValue:
        return false;
      case SetQualifier::kNone:
        return op.negated;  // StringNotEquals & co. hold when the key is missing
    }
  }
  Resolved resolved;
  if (!Resolve(clause, lookup, &resolved)) return false;
  // Each request value passes when it matches some policy value, or, for a negated operator,
  // when it matches none of them (NOR).
  std::size_t passing = 0;
  for (const std::string& have : *values) {
    if (MatchesAny(clause, resolved, have) != op.negated) ++passing;
  }
  switch (op.set) {
    case SetQualifier::kForAllValues:
      return passing == values->size();
    case SetQualifier::kForAnyValue:
      return passing > 0;
    case SetQualifier::kNone:
      // A plain operator on a multi-valued key: a positive operator holds when any value
      // matches; a negated one only when no value matches.
      return op.negated ? passing == values->size() : passing > 0;
  }
  return false;
}

}  // namespace trailwatch::iam::internal
