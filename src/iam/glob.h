// Internal to src/iam: the wildcard matching of IAM policies.
//
// A pattern is policy text in which '*' matches any run of characters (also none), '?' exactly
// one character, and a backslash makes the next character literal. The backslash escape is
// ours, not AWS's: policy text is escaped when compiled (GlobFromPolicyText), so that values
// substituted for policy variables and the special variables ${*} ${?} ${$} stay literal.
// Matching runs in O(pattern x text) time at worst, without recursion, so hostile patterns
// cannot blow up; '?' consumes one UTF-8 code point.
#ifndef TRAILWATCH_IAM_GLOB_H_
#define TRAILWATCH_IAM_GLOB_H_

#include <string>
#include <string_view>

namespace trailwatch::iam::internal {

// Policy text to a pattern: '*' and '?' stay wildcards, backslashes become literal.
std::string GlobFromPolicyText(std::string_view text);
// A literal to a pattern that matches exactly that literal.
std::string GlobEscape(std::string_view literal);
// The literal text a pattern stands for when its wildcards are taken literally.
std::string GlobUnescape(std::string_view pattern);
bool GlobHasWildcard(std::string_view pattern);

// `ignore_case` folds ASCII letters only (action names and the ...IgnoreCase operators).
bool GlobMatch(std::string_view pattern, std::string_view text, bool ignore_case);

// ARN matching as the Arn* condition operators do it: both sides are split into the six
// colon-separated components (arn:partition:service:region:account:resource, the resource
// keeping any further colons) and each component is matched on its own, case-sensitively, so a
// wildcard never crosses a colon between components. A pattern of just "*" matches any value;
// otherwise a pattern or value with fewer than six components matches nothing.
bool ArnMatch(std::string_view pattern, std::string_view arn);

bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::string ToLower(std::string_view s);

}  // namespace trailwatch::iam::internal

#endif  // TRAILWATCH_IAM_GLOB_H_
