// The reference interpreter. Everything is done the obvious way: JSON is parsed completely
// into a simdjson DOM, a selector is resolved by recursion over its steps, and every
// condition is evaluated straight from the Ast.
#include "pattern/reference.h"

#include <fmt/format.h>
#include <re2/re2.h>
#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace trailwatch::testing {
namespace {

namespace dom = simdjson::dom;
using pattern::Ast;
using pattern::CmpOp;
using pattern::Condition;
using pattern::FieldSpec;
using pattern::JsonExpr;
using pattern::Operand;
using pattern::Term;

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "reference interpreter: %s\n", why.c_str());
  std::abort();
}

// RE2 for an operand's regex in AWS's dialect. Cached by body, because compiling is slow under
// the sanitizers and the generator reuses a small set of regexes.
const RE2& Regex(const std::string& aws_body) {
  static std::map<std::string, std::unique_ptr<RE2>> cache;
  auto it = cache.find(aws_body);
  if (it == cache.end()) {
    auto translated = pattern::TranslateRegex(aws_body, 0, aws_body);
    if (!translated.ok()) Die("regex rejected after parsing: " + aws_body);
    RE2::Options options;
    options.set_log_errors(false);
    auto re = std::make_unique<RE2>(*translated, options);
    if (!re->ok()) Die("RE2 rejects " + *translated + ": " + re->error());
    it = cache.emplace(aws_body, std::move(re)).first;
  }
  return *it->second;
}

// Applies a wildcard string or a regex operand to `s`, before any negation.
bool TextMatches(const Operand& operand, std::string_view s) {
  if (operand.kind == Operand::Kind::kRegex) return RE2::PartialMatch(s, Regex(operand.text));
  const std::string_view t = operand.text;
  if (operand.leading_star && operand.trailing_star) return s.find(t) != std::string_view::npos;
  if (operand.leading_star) return s.ends_with(t);
  if (operand.trailing_star) return s.starts_with(t);
  return s == t;
}

double LiteralNumber(const Operand& operand) {
  double d = 0;
  if (!pattern::ParseNumber(operand.text, &d))
    Die("number operand does not parse: " + operand.text);
  return d;
}

bool CompareNumbers(CmpOp op, double value, double literal) {
  switch (op) {
    case CmpOp::kEq:
      return value == literal;
    case CmpOp::kNe:
      return value != literal;
    case CmpOp::kLt:
      return value < literal;
    case CmpOp::kGt:
      return value > literal;
    case CmpOp::kLe:
      return value <= literal;
    case CmpOp::kGe:
      return value >= literal;
  }
  return false;
}

bool IsEquality(CmpOp op) { return op == CmpOp::kEq || op == CmpOp::kNe; }

// Turns an equality outcome into the result of = or !=.
bool Apply(CmpOp op, bool equal) { return op == CmpOp::kEq ? equal : !equal; }

// ---------------------------------------------------------------------------------------------
// JSON patterns.

// A JSON value as the conditions see it.
struct JsonValue {
  enum class Kind { kNull, kBool, kNumber, kString, kObject, kArray };
  Kind kind = Kind::kNull;
  std::string text;  // strings: unescaped; numbers: JSON spelling; booleans: true/false
  double number = 0;
  bool boolean = false;
};

JsonValue Describe(dom::element e) {
  JsonValue v;
  switch (e.type()) {
    case dom::element_type::OBJECT:
      v.kind = JsonValue::Kind::kObject;
      break;
    case dom::element_type::ARRAY:
      v.kind = JsonValue::Kind::kArray;
      break;
    case dom::element_type::NULL_VALUE:
      v.kind = JsonValue::Kind::kNull;
      break;
    case dom::element_type::BOOL:
      v.kind = JsonValue::Kind::kBool;
      v.boolean = e.get_bool().value();
      v.text = v.boolean ? "true" : "false";
      break;
    case dom::element_type::STRING:
      v.kind = JsonValue::Kind::kString;
      v.text = std::string(e.get_string().value());
      break;
    case dom::element_type::INT64: {
      const std::int64_t i = e.get_int64().value();
      v.kind = JsonValue::Kind::kNumber;
      v.text = std::to_string(i);
      v.number = static_cast<double>(i);
      break;
    }
    case dom::element_type::UINT64: {
      const std::uint64_t u = e.get_uint64().value();
      v.kind = JsonValue::Kind::kNumber;
      v.text = std::to_string(u);
      v.number = static_cast<double>(u);
      break;
    }
    case dom::element_type::DOUBLE: {
      const double d = e.get_double().value();
      v.kind = JsonValue::Kind::kNumber;
      v.text = fmt::format("{}", d);
      v.number = d;
      break;
    }
  }
  return v;
}

// Appends every value reached from `e` by steps[i..].
void Resolve(dom::element e, const std::vector<event::PathStep>& steps, std::size_t i,
             std::vector<JsonValue>* out) {
  if (i == steps.size()) {
    out->push_back(Describe(e));
    return;
  }
  const event::PathStep& step = steps[i];
  dom::object object;
  dom::array array;
  const bool is_object = e.get_object().get(object) == simdjson::SUCCESS;
  const bool is_array = e.get_array().get(array) == simdjson::SUCCESS;
  switch (step.kind) {
    case event::PathStep::Kind::kKey:
      if (is_object) {
        for (dom::key_value_pair member : object) {
          if (member.key == step.key) Resolve(member.value, steps, i + 1, out);
        }
      }
      break;
    case event::PathStep::Kind::kIndex:
      if (is_array) {
        std::uint32_t position = 0;
        for (dom::element child : array) {
          if (position == step.index) Resolve(child, steps, i + 1, out);
          ++position;
        }
      }
      break;
    case event::PathStep::Kind::kAnyChild:
      if (is_array) {
        for (dom::element child : array) Resolve(child, steps, i + 1, out);
      }
      if (is_object) {
        for (dom::key_value_pair member : object) Resolve(member.value, steps, i + 1, out);
      }
      break;
  }
}

bool JsonCompare(const Condition& c, const JsonValue& v) {
  if (v.kind == JsonValue::Kind::kObject || v.kind == JsonValue::Kind::kArray ||
      v.kind == JsonValue::Kind::kNull) {
    return false;
  }
  switch (c.operand.kind) {
    case Operand::Kind::kAny:
      return c.op == CmpOp::kEq;
    case Operand::Kind::kNumber:
      if (IsEquality(c.op)) {
        if (v.kind == JsonValue::Kind::kNumber) {
          return Apply(c.op, v.number == LiteralNumber(c.operand));
        }
        return Apply(c.op, v.text == c.operand.text);
      }
      return v.kind == JsonValue::Kind::kNumber &&
             CompareNumbers(c.op, v.number, LiteralNumber(c.operand));
    case Operand::Kind::kString:
    case Operand::Kind::kRegex:
      return Apply(c.op, TextMatches(c.operand, v.text));
  }
  return false;
}

bool EvalJson(const JsonExpr& e, dom::element root) {
  switch (e.kind) {
    case JsonExpr::Kind::kAnd:
      for (const JsonExpr& child : e.children) {
        if (!EvalJson(child, root)) return false;
      }
      return true;
    case JsonExpr::Kind::kOr:
      for (const JsonExpr& child : e.children) {
        if (EvalJson(child, root)) return true;
      }
      return false;
    default:
      break;
  }
  std::vector<JsonValue> values;
  Resolve(root, e.path.steps, 0, &values);
  if (e.kind == JsonExpr::Kind::kNotExists) return values.empty();
  for (const JsonValue& v : values) {
    switch (e.kind) {
      case JsonExpr::Kind::kCompare:
        if (JsonCompare(e.condition, v)) return true;
        break;
      case JsonExpr::Kind::kIsNull:
        if (v.kind == JsonValue::Kind::kNull) return true;
        break;
      case JsonExpr::Kind::kIsTrue:
        if (v.kind == JsonValue::Kind::kBool && v.boolean) return true;
        break;
      case JsonExpr::Kind::kIsFalse:
        if (v.kind == JsonValue::Kind::kBool && !v.boolean) return true;
        break;
      default:
        Die("unexpected JSON expression kind");
    }
  }
  return false;
}

bool JsonMatch(const Ast& ast, std::string_view message) {
  static dom::parser parser;  // the tests are single-threaded
  dom::element root;
  if (parser.parse(message.data(), message.size()).get(root) != simdjson::SUCCESS) return false;
  if (root.type() != dom::element_type::OBJECT) return false;
  return EvalJson(ast.json, root);
}

// ---------------------------------------------------------------------------------------------
// Terms.

bool TermsMatch(const Ast& ast, std::string_view message) {
  bool any_required = false;
  bool any_optional = false;
  bool optional_found = false;
  for (const Term& t : ast.terms) {
    const bool found = message.find(t.text) != std::string_view::npos;
    switch (t.kind) {
      case Term::Kind::kRequired:
        any_required = true;
        if (!found) return false;
        break;
      case Term::Kind::kExcluded:
        if (found) return false;
        break;
      case Term::Kind::kOptional:
        any_optional = true;
        optional_found = optional_found || found;
        break;
    }
  }
  if (!any_required && any_optional) return optional_found;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Space-delimited patterns.

// One event field and the pattern field it lines up with (-1: covered by '...').
struct Aligned {
  int spec = -1;
  std::size_t position = 0;  // 1-based event field number
  std::string_view value;
};

bool IsFieldSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::optional<std::vector<Aligned>> Align(const Ast& ast, std::string_view message) {
  std::vector<event::DelimitedField> fields;
  event::SplitDelimited(message, &fields);
  const std::size_t n = fields.size();
  const std::size_t k = ast.fields.size();
  std::optional<std::size_t> ellipsis;
  for (std::size_t i = 0; i < k; ++i) {
    if (ast.fields[i].kind == FieldSpec::Kind::kEllipsis) ellipsis = i;
  }
  std::vector<Aligned> out;
  if (k == 0 || ellipsis) {
    const std::size_t slots = k == 0 ? 1 : k;  // '[]' behaves as '[...]'
    const std::size_t e = k == 0 ? 0 : *ellipsis;
    if (n + 1 < slots) return std::nullopt;
    const std::size_t after = slots - e - 1;  // pattern fields after the '...'
    for (std::size_t j = 0; j < n; ++j) {
      Aligned a;
      a.position = j + 1;
      a.value = fields[j].value;
      if (j < e) {
        a.spec = static_cast<int>(j);
      } else if (j >= n - after) {
        a.spec = static_cast<int>(slots - (n - j));
      }
      out.push_back(a);
    }
    return out;
  }
  if (n < k) return std::nullopt;
  for (std::size_t j = 0; j < k; ++j) {
    Aligned a;
    a.spec = static_cast<int>(j);
    a.position = j + 1;
    a.value = fields[j].value;
    if (j == k - 1 && n > k) {
      std::string_view rest = message.substr(fields[j].begin);
      while (!rest.empty() && IsFieldSpace(rest.back())) rest.remove_suffix(1);
      a.value = rest;
    }
    out.push_back(a);
  }
  return out;
}

bool FieldCompare(const Condition& c, std::string_view text) {
  switch (c.operand.kind) {
    case Operand::Kind::kAny:
      return c.op == CmpOp::kEq;
    case Operand::Kind::kNumber: {
      double d = 0;
      const bool numeric = pattern::ParseNumber(text, &d);
      if (IsEquality(c.op)) {
        return Apply(c.op, numeric ? d == LiteralNumber(c.operand) : text == c.operand.text);
      }
      return numeric && CompareNumbers(c.op, d, LiteralNumber(c.operand));
    }
    case Operand::Kind::kString:
    case Operand::Kind::kRegex:
      return Apply(c.op, TextMatches(c.operand, text));
  }
  return false;
}

bool FieldSatisfies(const FieldSpec& spec, std::string_view text) {
  if (spec.any_of.empty()) return true;
  for (const std::vector<Condition>& group : spec.any_of) {
    bool all = true;
    for (const Condition& c : group) all = all && FieldCompare(c, text);
    if (all) return true;
  }
  return false;
}

bool DelimitedMatch(const Ast& ast, std::string_view message) {
  auto aligned = Align(ast, message);
  if (!aligned) return false;
  for (const Aligned& a : *aligned) {
    if (a.spec < 0) continue;
    if (!FieldSatisfies(ast.fields[static_cast<std::size_t>(a.spec)], a.value)) return false;
  }
  return true;
}

}  // namespace

bool ReferenceMatch(const Ast& ast, std::string_view message) {
  switch (ast.kind) {
    case pattern::PatternKind::kMatchAll:
      return true;
    case pattern::PatternKind::kTerms:
      return TermsMatch(ast, message);
    case pattern::PatternKind::kRegex:
      return RE2::PartialMatch(message, Regex(ast.regex.text));
    case pattern::PatternKind::kJson:
      return JsonMatch(ast, message);
    case pattern::PatternKind::kDelimited:
      return DelimitedMatch(ast, message);
  }
  return false;
}

pattern::ExtractedValues ReferenceExtract(const Ast& ast, std::string_view message) {
  pattern::ExtractedValues out;
  if (ast.kind != pattern::PatternKind::kDelimited) return out;
  auto aligned = Align(ast, message);
  if (!aligned) return out;
  for (const Aligned& a : *aligned) {
    const FieldSpec* spec = a.spec < 0 ? nullptr : &ast.fields[static_cast<std::size_t>(a.spec)];
    if (spec != nullptr && spec->kind == FieldSpec::Kind::kNamed) {
      out.emplace_back("$" + spec->name, std::string(a.value));
    } else {
      out.emplace_back("$" + std::to_string(a.position), std::string(a.value));
    }
  }
  return out;
}

}  // namespace trailwatch::testing
