// Internal to src/iam: a small JSON tree that remembers where each key and value starts, so that
// policy validation can name the line and column of a bad element. Built from simdjson's
// On-Demand API; duplicate keys in one object are rejected here because a JSON library would
// silently keep one of them (a duplicated "Condition" would drop a restriction).
#ifndef TRAILWATCH_IAM_JSON_TREE_H_
#define TRAILWATCH_IAM_JSON_TREE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace trailwatch::iam::internal {

// Deep enough for any policy (document > Statement[] > statement > Condition > operator > key >
// values[] is 7), shallow enough that the recursive builder cannot exhaust the stack.
inline constexpr std::uint32_t kMaxJsonDepth = 32;

struct JsonMember;

struct JsonNode {
  enum class Kind : std::uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  std::string text;                 // strings unescaped; numbers as written; "true"/"false"
  std::uint32_t offset = 0;         // byte offset of the value's first character
  std::vector<JsonNode> items;      // kArray
  std::vector<JsonMember> members;  // kObject, in document order

  bool is_string() const { return kind == Kind::kString; }
  bool is_object() const { return kind == Kind::kObject; }
  bool is_array() const { return kind == Kind::kArray; }
};

struct JsonMember {
  std::string key;
  std::uint32_t key_offset = 0;  // offset of the key's opening quote
  JsonNode value;
};

// 1-based line and column (in bytes) of a byte offset of `text`.
SourceLocation LocationOf(std::string_view text, std::uint32_t offset, std::string source);

// Parses `text`, which must hold exactly one JSON value. Errors are kInvalidArgument
// "Syntax errors in policy. (<detail>)" located where the parser stopped, when known.
Result<JsonNode> ParseJsonTree(std::string_view text, const std::string& source);

}  // namespace trailwatch::iam::internal

#endif  // TRAILWATCH_IAM_JSON_TREE_H_
