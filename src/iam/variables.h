// Internal to src/iam: policy variables (${aws:username}, ${aws:PrincipalArn, 'default'},
// and the literal escapes ${*} ${?} ${$}) in Resource, NotResource and String/Arn condition
// values. Only policies with Version "2012-10-17" have variables; in the others the text is
// taken literally, as AWS does.
#ifndef TRAILWATCH_IAM_VARIABLES_H_
#define TRAILWATCH_IAM_VARIABLES_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trailwatch::iam::internal {

// Looks a context key up (any case); null when the request has no such key.
using KeyLookup = std::function<const std::vector<std::string>*(std::string_view key)>;

class ValueTemplate {
 public:
  // `variables` false: the text is literal (policies without Version 2012-10-17).
  static ValueTemplate Compile(std::string_view text, bool variables);

  bool has_variables() const { return !parts_.empty(); }
  // The text as written in the policy.
  const std::string& text() const { return text_; }

  // The value as a glob pattern (see glob.h) with variables replaced by their escaped values,
  // or nullopt when a variable has no single value in the request and no default: AWS then
  // treats the statement as not applying.
  std::optional<std::string> Pattern(const KeyLookup& lookup) const;
  // The pattern of a value without variables (no copy on the hot path), else null.
  const std::string* fixed_pattern() const { return parts_.empty() ? &pattern_ : nullptr; }
  // The value as a literal string (for the exact-match operators).
  std::optional<std::string> Literal(const KeyLookup& lookup) const;

 private:
  struct Part {
    enum class Kind { kPolicyText, kLiteral, kVariable };
    Kind kind = Kind::kPolicyText;
    std::string text;  // policy text, literal text, or the variable's key
    bool has_default = false;
    std::string default_value;
  };
  Part& AddPart(Part::Kind kind, std::string text);
  std::optional<std::string> Resolve(const KeyLookup& lookup, bool as_pattern) const;

  std::string text_;
  std::string pattern_;      // when there are no variables
  std::vector<Part> parts_;  // empty when there are no variables
};

}  // namespace trailwatch::iam::internal

#endif  // TRAILWATCH_IAM_VARIABLES_H_
