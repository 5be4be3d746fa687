// Internal to src/iam: condition operators, their compiled values and their evaluation.
//
// A clause is one operator applied to one context key with one or more policy values, e.g.
// "ForAnyValue:StringLikeIfExists": {"aws:TagKeys": ["team", "env*"]}. Several values are
// ORed (NORed for negated operators); clauses of a statement are ANDed by the caller.
#ifndef TRAILWATCH_IAM_CONDITION_H_
#define TRAILWATCH_IAM_CONDITION_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "iam/variables.h"

namespace trailwatch::iam::internal {

enum class Family : std::uint8_t { kString, kNumeric, kDate, kBool, kBinary, kIp, kArn, kNull };

// The comparison a family applies between a request value and a policy value.
enum class Compare : std::uint8_t {
  kEquals,
  kEqualsIgnoreCase,
  kLike,  // wildcards
  kLessThan,
  kLessThanEquals,
  kGreaterThan,
  kGreaterThanEquals,
  kWithin,  // IpAddress: the address is in the CIDR block
};

enum class SetQualifier : std::uint8_t { kNone, kForAnyValue, kForAllValues };

struct Operator {
  Family family = Family::kString;
  Compare compare = Compare::kEquals;
  bool negated = false;  // StringNotEquals, NotIpAddress, ArnNotLike, ...
  bool if_exists = false;
  SetQualifier set = SetQualifier::kNone;
};

// Parses "ForAllValues:StringNotLikeIfExists" and the like. Operator names are
// case-sensitive. nullopt for an unknown name or a combination AWS does not have
// (NullIfExists, a set qualifier on Null).
std::optional<Operator> ParseOperator(std::string_view name);

struct IpRange {
  bool v6 = false;
  std::array<std::uint8_t, 16> address{};
  std::uint32_t prefix = 0;  // bits
};
std::optional<IpRange> ParseCidr(std::string_view text);  // "203.0.113.0/24", "::1", ...
bool InRange(const IpRange& range, const IpRange& address);

// ISO 8601 (common/time.h) or epoch seconds, to epoch milliseconds.
std::optional<std::int64_t> ParseDateMillis(std::string_view text);
std::optional<double> ParseNumber(std::string_view text);
std::optional<bool> ParseBool(std::string_view text);  // "true"/"false", any case

// A policy value compiled for its family.
struct ConditionValue {
  ValueTemplate text;  // String, Arn, Binary (with variables)
  double number = 0;
  std::int64_t millis = 0;
  bool boolean = false;  // Bool and Null
  IpRange ip;
};

// Compiles one policy value for `op`; an error text when it is not valid for the family.
std::optional<std::string> CompileValue(const Operator& op, std::string_view text, bool variables,
                                        ConditionValue* out);

struct ConditionClause {
  Operator op;
  std::string key;  // lower-case
  std::vector<ConditionValue> values;
};

// True when the clause holds for the request. A policy variable that cannot be resolved makes
// the clause false, so that the statement does not apply (see docs/iam-policies.md).
bool EvaluateClause(const ConditionClause& clause, const KeyLookup& lookup);

}  // namespace trailwatch::iam::internal

#endif  // TRAILWATCH_IAM_CONDITION_H_
