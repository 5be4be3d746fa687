// Evaluation. Nothing here allocates except Extract(), which builds its result.
#include "pattern/program.h"

#include <algorithm>
#include <cstring>

namespace trailwatch::pattern {
namespace {

bool Contains(std::string_view haystack, std::string_view needle) {
  if (needle.empty()) return true;
  return memmem(haystack.data(), haystack.size(), needle.data(), needle.size()) != nullptr;
}

bool Relational(CmpOp op, double lhs, double rhs) {
  switch (op) {
    case CmpOp::kLt:
      return lhs < rhs;
    case CmpOp::kGt:
      return lhs > rhs;
    case CmpOp::kLe:
      return lhs <= rhs;
    case CmpOp::kGe:
      return lhs >= rhs;
    case CmpOp::kEq:
      return lhs == rhs;
    case CmpOp::kNe:
      return lhs != rhs;
  }
  return false;
}

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

bool ValueTest::TextMatches(std::string_view s) const noexcept {
  if (kind == Operand::Kind::kRegex) return RE2::PartialMatch(s, *regex);
  if (leading_star && trailing_star) return Contains(s, text);
  if (leading_star) return s.size() >= text.size() && s.substr(s.size() - text.size()) == text;
  if (trailing_star) return s.substr(0, text.size()) == text;
  return s == text;
}

bool ValueTest::TestJson(const event::Value& v) const noexcept {
  using event::ValueKind;
  // Objects, arrays and null never compare, not even with != (spec §1.3.2 rules 3-4).
  if (v.kind == ValueKind::kObject || v.kind == ValueKind::kArray || v.kind == ValueKind::kNull) {
    return false;
  }
  switch (kind) {
    case Operand::Kind::kAny:
      return op == CmpOp::kEq;
    case Operand::Kind::kNumber:
      if (op == CmpOp::kEq || op == CmpOp::kNe) {
        const bool eq = v.kind == ValueKind::kNumber ? v.number == number : v.text == text;
        return (op == CmpOp::kEq) == eq;
      }
      return v.kind == ValueKind::kNumber && Relational(op, v.number, number);
    case Operand::Kind::kString:
    case Operand::Kind::kRegex:
      return (op == CmpOp::kEq) == TextMatches(v.text);
  }
  return false;
}

bool ValueTest::TestField(std::string_view field) const noexcept {
  switch (kind) {
    case Operand::Kind::kAny:
      return op == CmpOp::kEq;
    case Operand::Kind::kNumber: {
      double d = 0;
      const bool is_number = ParseNumber(field, &d);
      if (op == CmpOp::kEq || op == CmpOp::kNe) {
        const bool eq = is_number ? d == number : field == text;
        return (op == CmpOp::kEq) == eq;
      }
      return is_number && Relational(op, d, number);
    }
    case Operand::Kind::kString:
    case Operand::Kind::kRegex:
      return (op == CmpOp::kEq) == TextMatches(field);
  }
  return false;
}

bool TermsProgram::Matches(const event::EventView& view) const noexcept {
  const std::string_view m = view.message();
  for (const std::string& t : required_) {
    if (!Contains(m, t)) return false;
  }
  for (const std::string& t : excluded_) {
    if (Contains(m, t)) return false;
  }
  if (optional_.empty()) return true;
  for (const std::string& t : optional_) {
    if (Contains(m, t)) return true;
  }
  return false;
}

bool RegexProgram::Matches(const event::EventView& view) const noexcept {
  return RE2::PartialMatch(view.message(), *re_);
}

StringSet::StringSet(std::vector<std::string> members) : members_(std::move(members)) {
  std::sort(members_.begin(), members_.end());
  members_.erase(std::unique(members_.begin(), members_.end()), members_.end());
  std::size_t size = 4;
  while (size < members_.size() * 2) size *= 2;
  table_.assign(size, -1);
  for (std::size_t k = 0; k < members_.size(); ++k) {
    std::size_t i = event::PathSet::HashKey(members_[k]) & (size - 1);
    while (table_[i] >= 0) i = (i + 1) & (size - 1);
    table_[i] = static_cast<std::int32_t>(k);
    lengths_ |= event::PathSet::Node::LengthBit(members_[k].size());
  }
}

bool JsonProgram::Eval(std::uint32_t index, const event::EventView& view) const noexcept {
  const Node& n = nodes_[index];
  switch (n.kind) {
    case JsonExpr::Kind::kAnd:
      for (std::uint32_t i = 0; i < n.child_count; ++i) {
        if (!Eval(children_[n.first_child + i], view)) return false;
      }
      return true;
    case JsonExpr::Kind::kOr:
      for (std::uint32_t i = 0; i < n.child_count; ++i) {
        if (Eval(children_[n.first_child + i], view)) return true;
      }
      return false;
    case JsonExpr::Kind::kCompare: {
      if (n.set >= 0) {
        const StringSet& set = sets_[static_cast<std::size_t>(n.set)];
        return view.AnyValue(n.slot, [&set](const event::Value& v) {
          return (v.kind == event::ValueKind::kString || v.kind == event::ValueKind::kNumber ||
                  v.kind == event::ValueKind::kBool) &&
                 set.Contains(v.text);
        });
      }
      const ValueTest& t = tests_[n.test];
      return view.AnyValue(n.slot, [&t](const event::Value& v) { return t.TestJson(v); });
    }
    case JsonExpr::Kind::kIsNull:
      return view.AnyValue(n.slot,
                           [](const event::Value& v) { return v.kind == event::ValueKind::kNull; });
    case JsonExpr::Kind::kIsTrue:
      return view.AnyValue(n.slot, [](const event::Value& v) {
        return v.kind == event::ValueKind::kBool && v.boolean;
      });
    case JsonExpr::Kind::kIsFalse:
      return view.AnyValue(n.slot, [](const event::Value& v) {
        return v.kind == event::ValueKind::kBool && !v.boolean;
      });
    case JsonExpr::Kind::kNotExists:
      return !view.HasValue(n.slot);
  }
  return false;
}

bool JsonProgram::Matches(const event::EventView& view) const noexcept {
  return view.is_json_object() && Eval(root_, view);
}

bool DelimitedProgram::Field::Test(std::string_view value) const noexcept {
  if (any_of.empty()) return true;
  for (const auto& group : any_of) {
    bool all = true;
    for (const ValueTest& t : group) {
      if (!t.TestField(value)) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return false;
}

template <typename Fn>
bool DelimitedProgram::Align(const event::EventView& view, Fn&& fn) const {
  const auto fields = view.delimited_fields();
  const std::size_t n = fields.size();
  const std::size_t k = fields_.size();
  if (ellipsis_ >= 0 || k == 0) {
    // '[]' extracts every field, like '[...]'.
    const std::size_t e = k == 0 ? 0 : static_cast<std::size_t>(ellipsis_);
    const std::size_t after = k == 0 ? 0 : k - e - 1;
    if (n < e + after) return false;
    for (std::size_t i = 0; i < e; ++i) {
      if (!fn(static_cast<int>(i), i + 1, fields[i].value)) return false;
    }
    for (std::size_t j = e; j < n - after; ++j) {
      if (!fn(-1, j + 1, fields[j].value)) return false;
    }
    for (std::size_t i = e + 1; i < k; ++i) {
      const std::size_t pos = n - (k - i);
      if (!fn(static_cast<int>(i), pos + 1, fields[pos].value)) return false;
    }
    return true;
  }
  // Without '...' the last field takes the rest of the line (docs/filter-patterns.md).
  if (n < k) return false;
  for (std::size_t i = 0; i + 1 < k; ++i) {
    if (!fn(static_cast<int>(i), i + 1, fields[i].value)) return false;
  }
  const std::string_view last =
      n == k ? fields[k - 1].value : TrimRight(view.message().substr(fields[k - 1].begin));
  return fn(static_cast<int>(k - 1), k, last);
}

bool DelimitedProgram::Matches(const event::EventView& view) const noexcept {
  return Align(view, [this](int index, std::size_t, std::string_view value) {
    return index < 0 || fields_[static_cast<std::size_t>(index)].Test(value);
  });
}

ExtractedValues DelimitedProgram::Extract(const event::EventView& view) const {
  ExtractedValues out;
  Align(view, [this, &out](int index, std::size_t position, std::string_view value) {
    // Built with append, not operator+: GCC 12 -O3 warns falsely on "$" + string (bug 105329).
    std::string name(1, '$');
    if (index >= 0 && fields_[static_cast<std::size_t>(index)].kind == FieldSpec::Kind::kNamed) {
      name.append(fields_[static_cast<std::size_t>(index)].name);
    } else {
      name.append(std::to_string(position));
    }
    out.emplace_back(std::move(name), std::string(value));
    return true;
  });
  return out;
}

}  // namespace trailwatch::pattern
