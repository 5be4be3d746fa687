#include "iam/variables.h"

#include <utility>

#include "iam/glob.h"

namespace trailwatch::iam::internal {
namespace {

void SkipSpaces(std::string_view s, std::size_t* i) {
  while (*i < s.size() && s[*i] == ' ') ++*i;
}

struct Variable {
  std::string key;
  bool has_default = false;
  std::string default_value;
  std::size_t end = 0;  // index just past the closing brace
};

// Parses "${key}" or "${key, 'default'}" starting at s[start] == '$'. A default may contain
// '' for a quote. Returns false for anything else; the caller then keeps the text literally.
bool ParseVariable(std::string_view s, std::size_t start, Variable* out) {
  std::size_t i = start + 2;
  SkipSpaces(s, &i);
  const std::size_t key_start = i;
  while (i < s.size() && s[i] != ' ' && s[i] != ',' && s[i] != '}') ++i;
  if (i == key_start) return false;
  out->key.assign(s.substr(key_start, i - key_start));
  SkipSpaces(s, &i);
  if (i < s.size() && s[i] == ',') {
    ++i;
    SkipSpaces(s, &i);
    if (i >= s.size() || s[i] != '\'') return false;
    ++i;
    bool closed = false;
    while (i < s.size()) {
      if (s[i] == '\'') {
        if (i + 1 < s.size() && s[i + 1] == '\'') {
          out->default_value.push_back('\'');
          i += 2;
          continue;
        }
        ++i;
        closed = true;
        break;
      }
      out->default_value.push_back(s[i++]);
    }
    if (!closed) return false;
    out->has_default = true;
    SkipSpaces(s, &i);
  }
  if (i >= s.size() || s[i] != '}') return false;
  out->end = i + 1;
  return true;
}

}  // namespace

ValueTemplate ValueTemplate::Compile(std::string_view text, bool variables) {
  ValueTemplate t;
  t.text_.assign(text);
  if (variables && text.find("${") != std::string_view::npos) {
    std::string pending;  // policy text not yet flushed into a part
    auto flush = [&] {
      if (!pending.empty()) t.AddPart(Part::Kind::kPolicyText, std::move(pending));
      pending.clear();
    };
    std::size_t i = 0;
    while (i < text.size()) {
      Variable v;
      if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '{' &&
          ParseVariable(text, i, &v)) {
        flush();
        if (!v.has_default && (v.key == "*" || v.key == "?" || v.key == "$")) {
          t.AddPart(Part::Kind::kLiteral, v.key);
        } else {
          Part& part = t.AddPart(Part::Kind::kVariable, v.key);
          part.has_default = v.has_default;
          part.default_value = v.default_value;
        }
        i = v.end;
        continue;
      }
      pending.push_back(text[i++]);
    }
    flush();
  }
  if (t.parts_.empty()) t.pattern_ = GlobFromPolicyText(text);
  return t;
}

ValueTemplate::Part& ValueTemplate::AddPart(Part::Kind kind, std::string text) {
  Part& part = parts_.emplace_back();
  part.kind = kind;
  part.text = std::move(text);
  return part;
}

std::optional<std::string> ValueTemplate::Pattern(const KeyLookup& lookup) const {
  if (parts_.empty()) return pattern_;
  return Resolve(lookup, true);
}

std::optional<std::string> ValueTemplate::Literal(const KeyLookup& lookup) const {
  if (parts_.empty()) return text_;
  return Resolve(lookup, false);
}

std::optional<std::string> ValueTemplate::Resolve(const KeyLookup& lookup, bool as_pattern) const {
  std::string out;
  for (const Part& part : parts_) {
    switch (part.kind) {
      case Part::Kind::kPolicyText:
        out += as_pattern ? GlobFromPolicyText(part.text) : part.text;
        break;
      case Part::Kind::kLiteral:
        out += as_pattern ? GlobEscape(part.text) : part.text;
        break;
      case Part::Kind::kVariable: {
        // Multi-valued keys cannot be variables (AWS); they resolve like absent keys.
        const std::vector<std::string>* values = lookup(part.text);
        const std::string* value = nullptr;
        if (values != nullptr && values->size() == 1) {
          value = &values->front();
        } else if (part.has_default) {
          value = &part.default_value;
        } else {
          return std::nullopt;
        }
        out += as_pattern ? GlobEscape(*value) : *value;
        break;
      }
    }
  }
  return out;
}

}  // namespace trailwatch::iam::internal
