#include "iam/json_tree.h"

#include <simdjson.h>

#include <algorithm>
#include <set>
#include <utility>

#include "fmt/format.h"

namespace trailwatch::iam::internal {
namespace {

namespace od = simdjson::ondemand;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// RFC 8259 number grammar; simdjson's On-Demand API hands numbers over unchecked until asked
// for a typed value, and policies keep numbers as text.
bool IsJsonNumber(std::string_view s) {
  std::size_t i = 0;
  auto digits = [&] {
    const std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i > start;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (i < s.size() && s[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

class Builder {
 public:
  explicit Builder(const char* base) : base_(base) {}

  const std::string& detail() const { return detail_; }
  const char* error_at() const { return error_at_; }

  bool Value(od::value value, std::uint32_t depth, JsonNode* out) {
    std::string_view raw = value.raw_json_token();
    out->offset = Offset(raw.data());
    od::json_type type = od::json_type::null;  // set by get(); GCC cannot see that
    if (Fail(value.type().get(type), raw.data())) return false;
    switch (type) {
      case od::json_type::object: {
        if (depth >= kMaxJsonDepth) return Error("nesting too deep", raw.data());
        out->kind = JsonNode::Kind::kObject;
        od::object obj;
        if (Fail(value.get_object().get(obj), raw.data())) return false;
        return Object(obj, depth + 1, out);
      }
      case od::json_type::array: {
        if (depth >= kMaxJsonDepth) return Error("nesting too deep", raw.data());
        out->kind = JsonNode::Kind::kArray;
        od::array arr;
        if (Fail(value.get_array().get(arr), raw.data())) return false;
        return Array(arr, depth + 1, out);
      }
      case od::json_type::string: {
        out->kind = JsonNode::Kind::kString;
        std::string_view s;
        if (Fail(value.get_string().get(s), raw.data())) return false;
        out->text.assign(s);
        return true;
      }
      case od::json_type::number: {
        out->kind = JsonNode::Kind::kNumber;
        while (!raw.empty() && IsSpace(raw.back())) raw.remove_suffix(1);
        if (!IsJsonNumber(raw)) return Error("invalid number", raw.data());
        out->text.assign(raw);
        return true;
      }
      case od::json_type::boolean: {
        out->kind = JsonNode::Kind::kBool;
        bool b = false;
        if (Fail(value.get_bool().get(b), raw.data())) return false;
        out->text = b ? "true" : "false";
        return true;
      }
      case od::json_type::null: {
        out->kind = JsonNode::Kind::kNull;
        bool is_null = false;
        if (Fail(value.is_null().get(is_null), raw.data())) return false;
        if (!is_null) return Error("invalid literal", raw.data());
        return true;
      }
    }
    return Error("unknown value", raw.data());
  }

  bool Object(od::object& obj, std::uint32_t depth, JsonNode* out) {
    std::set<std::string, std::less<>> seen;
    for (auto field_result : obj) {
      od::field field;
      if (Fail(std::move(field_result).get(field), nullptr)) return false;
      JsonMember member;
      // key() must come before unescaped_key(), which consumes the key.
      const char* key_raw = field.key().raw();
      member.key_offset = Offset(key_raw) - 1;  // raw() points after the opening quote
      std::string_view key;
      if (Fail(field.unescaped_key().get(key), key_raw)) return false;
      member.key.assign(key);
      if (!seen.insert(member.key).second) {
        return Error(fmt::format("duplicate key \"{}\"", member.key), key_raw - 1);
      }
      if (!Value(field.value(), depth, &member.value)) return false;
      out->members.push_back(std::move(member));
    }
    return true;
  }

  bool Array(od::array& arr, std::uint32_t depth, JsonNode* out) {
    for (auto item_result : arr) {
      od::value item;
      if (Fail(std::move(item_result).get(item), nullptr)) return false;
      JsonNode node;
      if (!Value(item, depth, &node)) return false;
      out->items.push_back(std::move(node));
    }
    return true;
  }

  bool Error(std::string detail, const char* at) {
    detail_ = std::move(detail);
    error_at_ = at;
    return false;
  }

 private:
  bool Fail(simdjson::error_code code, const char* at) {
    if (code == simdjson::SUCCESS) return false;
    Error(simdjson::error_message(code), at);
    return true;
  }
  std::uint32_t Offset(const char* p) const { return static_cast<std::uint32_t>(p - base_); }

  const char* base_;
  std::string detail_;
  const char* error_at_ = nullptr;
};

// Where the parser stopped, or null when it cannot say.
const char* CurrentLocation(od::document& doc) {
  const char* at = nullptr;
  if (doc.current_location().get(at) != simdjson::SUCCESS) return nullptr;
  return at;
}

}  // namespace

SourceLocation LocationOf(std::string_view text, std::uint32_t offset, std::string source) {
  SourceLocation loc{std::move(source), 1, 1};
  const std::size_t end = std::min<std::size_t>(offset, text.size());
  for (std::size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++loc.line;
      loc.column = 1;
    } else {
      ++loc.column;
    }
  }
  return loc;
}

Result<JsonNode> ParseJsonTree(std::string_view text, const std::string& source) {
  const simdjson::padded_string padded(text);
  od::parser parser;
  auto syntax_error = [&](const std::string& detail, const char* at) {
    Status s = Status::InvalidArgument(fmt::format("Syntax errors in policy. ({})", detail));
    if (at == nullptr) return s;
    return std::move(s).At(
        LocationOf(text, static_cast<std::uint32_t>(at - padded.data()), source));
  };
  od::document doc;
  if (auto code = parser.iterate(padded).get(doc); code != simdjson::SUCCESS) {
    return syntax_error(simdjson::error_message(code), nullptr);
  }
  od::value root;
  if (auto code = doc.get_value().get(root); code != simdjson::SUCCESS) {
    return syntax_error(simdjson::error_message(code), CurrentLocation(doc));
  }
  Builder builder(padded.data());
  JsonNode tree;
  if (!builder.Value(root, 0, &tree)) {
    const char* at = builder.error_at();
    if (at == nullptr) at = CurrentLocation(doc);
    return syntax_error(builder.detail(), at);
  }
  // Anything but white space after the value is an error.
  const char* rest = nullptr;
  if (doc.current_location().get(rest) == simdjson::SUCCESS) {
    return syntax_error("unexpected content after the document", rest);
  }
  return tree;
}

}  // namespace trailwatch::iam::internal
