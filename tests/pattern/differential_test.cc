// Differential test: the compiled program (Compile + Matcher, On-Demand extraction) against the
// reference interpreter (Ast walk over a simdjson DOM, tests/pattern/reference.cc), on random
// patterns and events drawn from small vocabularies so that matches are frequent. Seeds are
// fixed, so every run checks the same pairs; a disagreement prints the pattern and the message.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "pattern/ast.h"
#include "pattern/pattern.h"
#include "pattern/reference.h"

namespace trailwatch::testing {
namespace {

using pattern::Ast;
using pattern::PatternKind;
using Words = std::vector<std::string_view>;

// Deterministic everywhere: mt19937_64 is fully specified and we avoid std distributions.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}
  std::size_t Below(std::size_t n) { return static_cast<std::size_t>(engine_() % n); }
  bool Chance(std::size_t percent) { return Below(100) < percent; }
  std::string Pick(const Words& words) { return std::string(words[Below(words.size())]); }

 private:
  std::mt19937_64 engine_;
};

// Optional white space between pattern tokens.
std::string Space(Rng& r) {
  if (r.Chance(35)) return "";
  if (r.Chance(90)) return " ";
  return r.Pick({"  ", "\t", "\n"});
}

// Shows control bytes so that a failing message can be pasted back into a test.
std::string Printable(std::string_view s) {
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      out += fmt::format("\\x{:02x}", u);
    } else {
      out += c;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Vocabularies. Event values and pattern operands draw from overlapping sets.

const Words kKeys = {"a", "a", "a",  "a", "b",         "b",   "b",   "b",   "c",
                     "c", "c", "id", "n", "user name", "x.y", "o'k", "k-1", "0"};
const Words kEventStrings = {"foo",   "bar",        "foobar",      "Foo",   "10",       "-3",
                             "12.5",  "true",       "null",        "",      "a b",      "x*y",
                             "héllo", "say \"hi\"", "back\\slash", "ERROR", "error 42", "oo"};
const std::vector<std::int64_t> kEventInts = {-100, -3, -1, 0, 1, 2, 3, 10, 12, 42, 100, 200};
const std::vector<double> kEventDecimals = {12.5, -0.5, 2.25, 1.5, 0.5, -2.75, 3.125};

const Words kNumberLiterals = {"0",    "1",   "2",   "3",     "10",     "12",   "42",  "100",
                               "-1",   "-3",  "-03", "+3",    "12.5",   "-0.5", ".5",  "2.25",
                               "10.0", "1e1", "1E2", "2.5E0", "1.25e1", "-100", "200", "0.0"};
const Words kStringBases = {"foo",  "bar",   "oo",         "fo",          "ar",    "Foo",
                            "10",   "-3",    "true",       "false",       "null",  "a b",
                            "x*y",  "héllo", "say \"hi\"", "back\\slash", "ERROR", "error",
                            "12.5", "",      "o",          "42"};
const Words kRegexes = {"^foo",        "bar$",    "o+",     "\\d+",  "^-?\\d+$",  "[a-c]+",
                        "foo|bar",     "^$",      "x\\*y",  "\\s",   "e{2}",      "^[^0-9]",
                        "\\w+\\.\\w+", "hi\\x22", "l{1,}o", "^t",    "E",         "^\\d{3}$",
                        "^GET|POST",   "\\.",     "^\\[",   "[.]5$", "\\S+ \\S+", "r{,1}$"};

// Space-delimited events and their operands.
const Words kFieldValues = {"GET",
                            "POST",
                            "200",
                            "404",
                            "-",
                            "127.0.0.1",
                            "12.5",
                            "-3",
                            "0",
                            "foo",
                            "bar",
                            "1e3",
                            "10.0",
                            "abc*",
                            "\"quoted field\"",
                            "\"say \\\"hi\\\"\"",
                            "[10/Oct/2000:13:55:36 -0700]",
                            "[]",
                            "\"\"",
                            "x=1",
                            "200",
                            "GET",
                            "héllo"};
const Words kFieldNumbers = {"200",  "404", "200.0", "2e2", "-3", "0",   "12.5", "1e3",
                             "1000", "100", "+200",  "-0",  "3",  "1E3", "0.5"};
const Words kFieldStrings = {"GET",    "POST",       "G",
                             "ET",     "-",          "127.0.0.1",
                             "127.",   "foo",        "quoted field",
                             "quoted", "Oct",        "10/Oct/2000:13:55:36 -0700",
                             "abc*",   "200",        "",
                             "x=1",    "say \"hi\"", "1e3",
                             "héllo"};
const Words kFieldNames = {"ip", "verb", "status", "size", "f-1", "x_2", "9", "user", "t"};

const Words kTermWords = {
    "a",    "0",    "e",   "\"b\"", "1",   "foo",          "bar",         "ERROR",  "error",
    "GET",  "200",  "a b", "x*y",   "10",  "héllo",        "say",         "\"hi\"", "12.5",
    "null", "true", ":",   "oo",    "o'k", "quoted field", "back\\slash", "POST",   "id"};

// ---------------------------------------------------------------------------------------------
// Event generation.

std::string JsonString(Rng& r, std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      out += fmt::format("\\u{:04x}", u);
    } else if (((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) && r.Chance(4)) {
      out += fmt::format("\\u{:04X}", u);  // exercise unescaping on both sides
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// A JSON value under construction. Scalars hold their JSON text; objects never repeat a key.
struct Node {
  enum class Kind { kScalar, kObject, kArray };
  Kind kind = Kind::kScalar;
  std::string scalar = "null";
  std::vector<std::string> keys;  // kObject, parallel to children
  std::vector<Node> children;     // kObject members or kArray elements
};

// Numbers are spelled exactly as the reference re-creates them from the DOM: integers via
// std::to_string, other values in fmt's shortest round-trip form. Returns "" when the value
// has no such spelling that is also plain JSON (exponents, infinities).
std::string CanonicalNumber(double d) {
  if (d == static_cast<double>(static_cast<std::int64_t>(d)) && d > -1e15 && d < 1e15) {
    return std::to_string(static_cast<std::int64_t>(d));
  }
  std::string s = fmt::format("{}", d);
  if (s.find_first_of("eEna") != std::string::npos) return "";
  return s;
}

class EventGen {
 public:
  explicit EventGen(Rng& r) : r_(r) {}

  // A valid JSON object, optionally with white space around it. When `ast` is a JSON pattern,
  // values that bear on its conditions are planted at its selectors now and then, so that
  // conditions are true often enough to be interesting.
  std::string Event(bool surrounding_space, const Ast* ast = nullptr) {
    Node root = Object(0, 2, 6);
    if (ast != nullptr && ast->kind == PatternKind::kJson) {
      std::vector<const pattern::JsonExpr*> leaves;
      CollectLeaves(ast->json, &leaves);
      for (const pattern::JsonExpr* leaf : leaves) {
        if (r_.Chance(55)) Plant(&root, leaf->path.steps, 0, PlantValue(*leaf));
      }
    }
    std::string body = Serialize(root);
    if (!surrounding_space) return body;
    return (r_.Chance(50) ? r_.Pick({" ", "\n", "\t ", "\r\n"}) : "") + body +
           (r_.Chance(50) ? r_.Pick({" ", "\n", " \t"}) : "");
  }

  // Something that is not one JSON object: broken, truncated, extended or another kind.
  std::string Malformed() {
    const std::string good = Serialize(Object(0, 1, 4));
    switch (r_.Below(6)) {
      case 0:  // every proper prefix lacks the closing brace
        return good.substr(0, 1 + r_.Below(good.size() - 1));
      case 1:
        return good + r_.Pick({"x", "}", ",", "{}", " 1", "]", "\"", " {\"a\":1}", "null", "\n0"});
      case 2:
        return r_.Pick({"x", "[", ",", "1 ", "\"\""}) + good;
      case 3: {
        // A bad member that only a wildcard would select: is the part that is skipped checked?
        const std::string bad =
            r_.Pick({"{\"zz\":tru,", "{\"zz\":01,", "{\"zz\":'q',", "{\"zz\":1.,", "{\"zz\":-,",
                     "{\"zz\":\"\x01\",", "{\"zz\":\"\\q\",", "{\"zz\" 1,", "{\"zz\":[1,],",
                     "{\"zz\":nul,", "{\"zz\":\"\xff\",", "{\"zz\":{\"q\"},", "{\"zz\":1e,",
                     "{\"zz\":[1 2],", "{\"zz\":truex,", "{\"zz\":\"\\u12\","});
        return bad + good.substr(1);
      }
      case 4:
        return r_.Pick({"[1,2]", "[{\"a\":\"foo\"}]", "\"foo\"", "42", "null", "true", "", "   ",
                        "{", "}", "{}}", "{\"a\":1,}", "{\"a\"}", "{,}", "{\"a\":1 \"b\":2}"});
      default: {
        // Trailing comma or missing value inside the good object.
        std::string s = good;
        s.insert(s.size() - 1, r_.Pick({",", ",\"q\"", ",\"q\":", ":"}));
        return s;
      }
    }
  }

  // Space-delimited text (also used as a non-JSON message).
  std::string Delimited() {
    std::string out;
    if (r_.Chance(10)) out += r_.Pick({" ", "\t", "  "});
    const std::size_t n = r_.Below(8);
    for (std::size_t i = 0; i < n; ++i) {
      if (i > 0) out += r_.Chance(85) ? " " : r_.Pick({"  ", "\t", " \t "});
      out += r_.Pick(kFieldValues);
    }
    if (r_.Chance(5)) out += r_.Pick({" \"unterminated quote", " [open bracket", " tail\"quote"});
    if (r_.Chance(15)) out += r_.Pick({" ", "\t", "\n", "  \r\n"});
    return out;
  }

 private:
  static void CollectLeaves(const pattern::JsonExpr& e,
                            std::vector<const pattern::JsonExpr*>* out) {
    if (e.children.empty()) {
      out->push_back(&e);
      return;
    }
    for (const pattern::JsonExpr& child : e.children) CollectLeaves(child, out);
  }

  static Node Scalar(std::string json) {
    Node n;
    n.scalar = std::move(json);
    return n;
  }

  // A value that makes `leaf` true or nearly true (or, now and then, any value).
  Node PlantValue(const pattern::JsonExpr& leaf) {
    using K = pattern::JsonExpr::Kind;
    if (leaf.kind == K::kIsNull) return Scalar("null");
    if (leaf.kind == K::kIsTrue) return Scalar("true");
    if (leaf.kind == K::kIsFalse) return Scalar(r_.Chance(80) ? "false" : "\"false\"");
    if (leaf.kind != K::kCompare || r_.Chance(15)) return Value(2);
    const pattern::Operand& op = leaf.condition.operand;
    switch (op.kind) {
      case pattern::Operand::Kind::kAny:
        return Value(2);
      case pattern::Operand::Kind::kNumber: {
        double d = 0;
        if (!pattern::ParseNumber(op.text, &d)) return Value(2);
        const std::size_t roll = r_.Below(100);
        if (roll < 20) return Scalar(JsonString(r_, op.text));  // textual equality
        if (roll < 30) return Scalar(JsonString(r_, CanonicalNumber(d)));
        const double delta = roll < 60 ? 0 : roll < 80 ? 1 : -1;
        const std::string spelled = CanonicalNumber(d + delta);
        return spelled.empty() ? Value(2) : Scalar(spelled);
      }
      case pattern::Operand::Kind::kString: {
        std::string text = op.text;
        if (r_.Chance(40)) text = r_.Pick({"x", "Foo", "1"}) + text;
        if (r_.Chance(40)) text += r_.Pick({"y", "bar", " "});
        if (r_.Chance(10) && !text.empty()) text.pop_back();
        return Scalar(JsonString(r_, text));
      }
      case pattern::Operand::Kind::kRegex:
        return Value(2);
    }
    return Value(2);
  }

  // Makes `steps[i..]` lead from `node` to `value`, reshaping what is in the way.
  void Plant(Node* node, const std::vector<event::PathStep>& steps, std::size_t i, Node value) {
    if (i == steps.size()) {
      *node = std::move(value);
      return;
    }
    const event::PathStep& step = steps[i];
    switch (step.kind) {
      case event::PathStep::Kind::kKey: {
        if (node->kind != Node::Kind::kObject) {
          if (i == 0) return;  // the root stays an object
          *node = Node{Node::Kind::kObject, "", {}, {}};
        }
        auto it = std::find(node->keys.begin(), node->keys.end(), step.key);
        if (it == node->keys.end()) {
          node->keys.push_back(step.key);
          node->children.push_back(Value(2));
          it = node->keys.end() - 1;
        }
        const auto at = static_cast<std::size_t>(it - node->keys.begin());
        Plant(&node->children[at], steps, i + 1, std::move(value));
        return;
      }
      case event::PathStep::Kind::kIndex:
        if (i == 0) return;  // the root is not an array
        if (node->kind != Node::Kind::kArray) *node = Node{Node::Kind::kArray, "", {}, {}};
        while (node->children.size() <= step.index) node->children.push_back(Value(3));
        Plant(&node->children[step.index], steps, i + 1, std::move(value));
        return;
      case event::PathStep::Kind::kAnyChild:
        if (node->kind == Node::Kind::kScalar || node->children.empty()) {
          if (i == 0) return;
          *node = Node{Node::Kind::kArray, "", {}, {}};
          node->children.push_back(Value(3));
        }
        Plant(&node->children[r_.Below(node->children.size())], steps, i + 1, std::move(value));
        return;
    }
  }

  std::string Ws() { return r_.Chance(12) ? r_.Pick({" ", "\n", "\t", "  "}) : ""; }

  std::string Serialize(const Node& n) {
    if (n.kind == Node::Kind::kScalar) return n.scalar;
    const bool object = n.kind == Node::Kind::kObject;
    std::string out = (object ? "{" : "[") + Ws();
    for (std::size_t i = 0; i < n.children.size(); ++i) {
      if (i > 0) out += "," + Ws();
      if (object) out += JsonString(r_, n.keys[i]) + Ws() + ":" + Ws();
      out += Serialize(n.children[i]) + Ws();
    }
    return out + (object ? "}" : "]");
  }

  std::string Number() {
    if (r_.Chance(70)) return std::to_string(kEventInts[r_.Below(kEventInts.size())]);
    return fmt::format("{}", kEventDecimals[r_.Below(kEventDecimals.size())]);
  }

  Node Value(int depth) {
    const std::size_t roll = r_.Below(100);
    if (depth < 3 && roll < 14) return Object(depth + 1, 0, 4);
    if (depth < 3 && roll < 28) return Array(depth + 1);
    if (roll < 55) return Scalar(JsonString(r_, r_.Pick(kEventStrings)));
    if (roll < 82) return Scalar(Number());
    if (roll < 92) return Scalar(r_.Chance(50) ? "true" : "false");
    return Scalar("null");
  }

  Node Object(int depth, std::size_t min, std::size_t max) {
    const std::size_t count = min + r_.Below(max - min + 1);
    Node n{Node::Kind::kObject, "", {}, {}};
    for (int attempt = 0; attempt < 40 && n.keys.size() < count; ++attempt) {
      std::string k = r_.Pick(kKeys);
      if (std::find(n.keys.begin(), n.keys.end(), k) != n.keys.end()) continue;
      n.keys.push_back(std::move(k));
      n.children.push_back(Value(depth));
    }
    return n;
  }

  Node Array(int depth) {
    Node n{Node::Kind::kArray, "", {}, {}};
    const std::size_t count = r_.Below(5);
    for (std::size_t i = 0; i < count; ++i) n.children.push_back(Value(depth));
    return n;
  }

  Rng& r_;
};

// ---------------------------------------------------------------------------------------------
// Pattern generation.

bool IsNameByte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

// Bytes allowed in a bare (unquoted) value: no white space and no syntax characters.
bool IsBareByte(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u == 0x7f) return false;
  return std::string_view("(){}[],\"'%=!<>&|$\\").find(c) == std::string_view::npos;
}

std::string QuoteEscaped(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

struct Budget {
  int regexes = 0;    // at most 2 per pattern
  int wildcards = 0;  // at most 3 selectors with [*] or .* per pattern
};

// A string operand: optional leading/trailing '*', quoted when it must be (or by chance).
std::string StringOperand(Rng& r, const Words& bases) {
  const std::string base = r.Pick(bases);
  const bool lead = r.Chance(25);
  const bool trail = r.Chance(25);
  const bool bare_ok =
      !base.empty() && std::all_of(base.begin(), base.end(), IsBareByte) && base.front() != '*';
  if (bare_ok && r.Chance(50)) return (lead ? "*" : "") + base + (trail ? "*" : "");
  std::string body = QuoteEscaped(base);
  // A literal '*' at either end of a quoted value is written \*.
  if (!body.empty() && body.front() == '*') body = "\\" + body;
  if (!body.empty() && body.back() == '*') body.insert(body.size() - 1, "\\");
  return "\"" + std::string(lead ? "*" : "") + body + (trail ? "*" : "") + "\"";
}

// The right-hand side of `op`; numbers only for relational operators.
std::string Operand(Rng& r, std::string_view op, Budget* budget, const Words& numbers,
                    const Words& strings) {
  if (op != "=" && op != "!=") return r.Pick(numbers);
  const std::size_t roll = r.Below(100);
  if (roll < 10) return r.Pick({"*", "\"*\"", "\"**\""});
  if (roll < 40) return r.Pick(numbers);
  if (roll < 85 || budget->regexes >= 2) return StringOperand(r, strings);
  ++budget->regexes;
  return "%" + r.Pick(kRegexes) + "%";
}

std::string CmpOperator(Rng& r) {
  const std::size_t roll = r.Below(100);
  if (roll < 50) return "=";
  if (roll < 72) return "!=";
  return r.Pick({"<", ">", "<=", ">="});
}

class JsonPatternGen {
 public:
  explicit JsonPatternGen(Rng& r) : r_(r) {}

  std::string Pattern() {
    while (true) {
      budget_ = Budget{};
      std::string text =
          "{" + Space(r_) + Expr(static_cast<int>(r_.Below(4)), nullptr) + Space(r_) + "}";
      if (text.size() <= 1000) return text;  // AWS's limit is 1024
    }
  }

 private:
  std::string Key(std::string_view key) {
    const bool plain = std::all_of(key.begin(), key.end(), IsNameByte);
    if (plain && r_.Chance(75)) return "." + std::string(key);
    const std::string dot = r_.Chance(30) ? "." : "";
    if (key.find('\'') != std::string_view::npos || r_.Chance(40)) {
      return dot + "[\"" + QuoteEscaped(key) + "\"]";
    }
    return dot + "['" + std::string(key) + "']";
  }

  std::string Selector() {
    std::string out = "$";
    const std::size_t roll_steps = r_.Below(100);
    const std::size_t steps = roll_steps < 55 ? 1 : roll_steps < 88 ? 2 : 3;
    bool wildcard = false;
    for (std::size_t i = 0; i < steps; ++i) {
      const std::size_t roll = r_.Below(100);
      const bool may_wildcard = !wildcard && budget_.wildcards < 3;
      if (i > 0 && roll < 20) {
        out += fmt::format("[{}]", r_.Below(3));
      } else if (may_wildcard && roll < (i == 0 ? 8u : 40u)) {
        out += r_.Chance(50) ? "[*]" : ".*";
        wildcard = true;
        ++budget_.wildcards;
      } else {
        out += Key(r_.Chance(5) ? "zz" : r_.Pick(kKeys));
      }
    }
    return out;
  }

  std::string Leaf() {
    std::string sel = Selector();
    const std::size_t roll = r_.Below(100);
    if (roll < 6) return sel + " IS NULL";
    if (roll < 10) return sel + " IS TRUE";
    if (roll < 14) return sel + " IS FALSE";
    if (roll < 19) return sel + " NOT EXISTS";
    const std::string op = CmpOperator(r_);
    return sel + Space(r_) + op + Space(r_) +
           Operand(r_, op, &budget_, kNumberLiterals, kStringBases);
  }

  // `is_or` reports whether the text is a bare '||' chain (which needs parentheses inside &&).
  std::string Expr(int depth, bool* is_or) {
    if (is_or != nullptr) *is_or = false;
    if (depth == 0 || r_.Chance(30)) return Leaf();
    const bool or_node = r_.Chance(50);
    const std::size_t children = 2 + r_.Below(2);
    std::string out;
    for (std::size_t i = 0; i < children; ++i) {
      bool child_or = false;
      std::string child = Expr(depth - 1, &child_or);
      if ((!or_node && child_or) || r_.Chance(15)) {
        child = "(" + Space(r_) + child + Space(r_) + ")";
      }
      if (i > 0) out += Space(r_) + (or_node ? "||" : "&&") + Space(r_);
      out += child;
    }
    if (is_or != nullptr) *is_or = or_node;
    return out;
  }

  Rng& r_;
  Budget budget_;
};

std::string DelimitedPattern(Rng& r) {
  Budget budget;
  std::size_t k = r.Below(7);
  const bool ellipsis = r.Chance(35);
  const std::size_t ellipsis_at = ellipsis ? r.Below(k + 1) : k + 1;
  if (ellipsis) ++k;
  std::vector<std::string> names;
  std::string out = "[" + Space(r);
  for (std::size_t i = 0; i < k; ++i) {
    if (i > 0) out += Space(r) + "," + Space(r);
    if (i == ellipsis_at) {
      out += "...";
      continue;
    }
    if (r.Chance(20)) continue;  // unnamed
    std::string name;
    do {
      name = r.Pick(kFieldNames);
    } while (std::find(names.begin(), names.end(), name) != names.end());
    names.push_back(name);
    out += name;
    if (r.Chance(45)) continue;  // no conditions
    const std::size_t conditions = 1 + r.Below(3);
    for (std::size_t c = 0; c < conditions; ++c) {
      if (c > 0) out += Space(r) + (r.Chance(50) ? "&&" : "||") + Space(r) + name;
      const std::string op = CmpOperator(r);
      out += Space(r) + op + Space(r) + Operand(r, op, &budget, kFieldNumbers, kFieldStrings);
    }
  }
  return out + Space(r) + "]";
}

std::string TermsPattern(Rng& r) {
  if (r.Chance(3)) return r.Pick({"\" \"", "\"  \""});
  const std::size_t n = 1 + r.Below(3);
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) out += r.Chance(85) ? " " : "  ";
    const std::size_t roll = r.Below(100);
    if (roll < 20) out += r.Chance(80) ? "?" : "? ";
    if (roll >= 20 && roll < 40) out += r.Chance(80) ? "-" : "- ";
    const std::string word = r.Pick(kTermWords);
    const bool bare_ok = std::all_of(word.begin(), word.end(),
                                     [](char c) { return c != ' ' && c != '"' && c != '\t'; });
    if (bare_ok && r.Chance(60)) {
      out += word;
    } else {
      out += "\"" + QuoteEscaped(word) + "\"";
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The comparison.

struct Stats {
  std::size_t patterns = 0;
  std::size_t pairs = 0;
  std::size_t matches = 0;
  std::size_t failures = 0;
};

class Differ {
 public:
  explicit Differ(const char* family) : family_(family) {}
  ~Differ() {
    std::printf("[differential] %-9s %5zu patterns %6zu pairs %6zu matches (%.0f%%)\n", family_,
                stats_.patterns, stats_.pairs, stats_.matches, 100.0 * Rate());
  }
  Differ(const Differ&) = delete;
  Differ& operator=(const Differ&) = delete;

  // Parses and compiles `text`; false (after reporting) if the generated pattern is invalid.
  bool Load(const std::string& text, PatternKind want) {
    text_ = text;
    auto ast = pattern::Parse(text, pattern::Limits{});
    auto program = pattern::Compile(text);
    if (!ast.ok() || !program.ok()) {
      ADD_FAILURE() << "generated pattern is invalid: " << Printable(text) << "\n  "
                    << (ast.ok() ? program.status() : ast.status()).ToString();
      return false;
    }
    if (ast->kind != want &&
        !(want == PatternKind::kTerms && ast->kind == PatternKind::kMatchAll)) {
      ADD_FAILURE() << "generated pattern has kind " << pattern::PatternKindName(ast->kind) << ": "
                    << Printable(text);
      return false;
    }
    ast_ = std::move(*ast);
    matcher_.emplace(std::move(*program));
    ++stats_.patterns;
    return true;
  }

  // Checks one message; `expect_no_match` for messages that are not JSON objects.
  void Check(std::string_view message, bool expect_no_match = false) {
    const bool want = ReferenceMatch(ast_, message);
    bool got = false;
    try {
      got = matcher_->Matches(message);
    } catch (const std::exception& e) {
      ++stats_.pairs;
      Fail(message, std::string("program throws: ") + e.what());
      return;
    }
    ++stats_.pairs;
    stats_.matches += want ? 1 : 0;
    if (want != got) {
      Fail(message, fmt::format("reference {} but program {}", Says(want), Says(got)));
    } else if (expect_no_match && want) {
      Fail(message, "both match a message that is not one JSON object");
    } else if (want && ast_.kind == PatternKind::kDelimited) {
      const pattern::ExtractedValues ref = ReferenceExtract(ast_, message);
      const pattern::ExtractedValues prod = matcher_->Extracted();
      if (ref != prod)
        Fail(message,
             "extracted values differ:\n  reference " + Show(ref) + "\n  program   " + Show(prod));
    }
  }

  const Stats& stats() const { return stats_; }
  const Ast& ast() const { return ast_; }
  double Rate() const {
    return stats_.pairs == 0
               ? 0
               : static_cast<double>(stats_.matches) / static_cast<double>(stats_.pairs);
  }

 private:
  static const char* Says(bool match) { return match ? "matches" : "does not match"; }
  static std::string Show(const pattern::ExtractedValues& values) {
    std::string out = "{";
    for (const auto& [name, value] : values) out += " " + name + "=<" + Printable(value) + ">";
    return out + " }";
  }
  void Fail(std::string_view message, const std::string& what) {
    ++stats_.failures;
    if (stats_.failures <= 25) {
      ADD_FAILURE() << family_ << ": " << what << "\n  pattern: " << Printable(text_)
                    << "\n  message: " << Printable(message);
    }
  }

  const char* family_;
  Stats stats_;
  std::string text_;
  Ast ast_;
  std::optional<pattern::Matcher> matcher_;
};

void ExpectRateWithin(const Differ& d, double low, double high) {
  EXPECT_GE(d.Rate(), low) << "the generator has degenerated: too few matches";
  EXPECT_LE(d.Rate(), high) << "the generator has degenerated: too many matches";
}

constexpr std::uint64_t kSeeds[] = {0x7261696c, 20240611, 42};

TEST(DifferentialTest, JsonPatterns) {
  Differ d("json");
  for (std::uint64_t seed : kSeeds) {
    Rng r(seed);
    EventGen events(r);
    JsonPatternGen patterns(r);
    for (int i = 0; i < 1200; ++i) {
      if (!d.Load(patterns.Pattern(), PatternKind::kJson)) continue;
      for (int j = 0; j < 10; ++j) d.Check(events.Event(j % 3 == 0, j < 8 ? &d.ast() : nullptr));
      if (i % 4 == 0) d.Check(events.Delimited(), /*expect_no_match=*/true);
    }
  }
  RecordProperty("pairs", static_cast<int>(d.stats().pairs));
  RecordProperty("matches", static_cast<int>(d.stats().matches));
  EXPECT_GE(d.stats().pairs, 35000u);
  ExpectRateWithin(d, 0.15, 0.65);
}

// Messages that are not one JSON object: truncated, with junk around, or with a malformed
// member somewhere (also where no selector looks). No JSON pattern may match them.
TEST(DifferentialTest, JsonPatternsOnMalformedJson) {
  Differ d("malformed");
  for (std::uint64_t seed : kSeeds) {
    Rng r(seed + 1);
    EventGen events(r);
    JsonPatternGen patterns(r);
    for (int i = 0; i < 400; ++i) {
      if (!d.Load(patterns.Pattern(), PatternKind::kJson)) continue;
      for (int j = 0; j < 4; ++j) d.Check(events.Malformed(), /*expect_no_match=*/true);
    }
  }
  RecordProperty("pairs", static_cast<int>(d.stats().pairs));
  EXPECT_GE(d.stats().pairs, 4000u);
}

// The smallest malformed messages the generator has found the program matching (or throwing
// on); kept as fixed cases so that a regression names itself.
TEST(DifferentialTest, MinimalMalformedJson) {
  Differ d("minimal");
  const std::pair<const char*, const char*> cases[] = {
      {"{ $.a = 1 }", "{\"a\":1,\"b\":tru}"},
      {"{ $.a = 1 }", "{\"a\":1,\"b\":nul}"},
      {"{ $.a = 1 }", "{\"a\":1,\"b\":01}"},
      {"{ $.a = 1 }", "{\"a\":1,\"b\":1.}"},
      {"{ $.a = 1 }", "{\"a\":1,\"b\":-}"},
      {"{ $.a = 1 }", "{\"a\":1,\"b\":1e}"},
      {"{ $.a = 1 }", "{\"a\":1,\"b\":'q'}"},
      {"{ $.a = 1 }", "{\"a\":1,\"b\":\"\\q\"}"},
      {"{ $.a = 1 }", "{\"a\":1,\"b\":[1 2]}"},
      {"{ $.a = 1 }", "{\"a\":1,\"b\":[1,]}"},
      {"{ $.a = 1 }", "{\"a\":1,\"b\":{\"q\"}}"},
      {"{ $.a = 1 }", "{\"a\":01}"},
      {"{ $.a = 1 }", "{\"a\":1.}"},
      {"{ $.a IS NULL }", "{\"a\":nul}"},
  };
  for (const auto& [text, message] : cases) {
    if (d.Load(text, PatternKind::kJson)) d.Check(message, /*expect_no_match=*/true);
  }
}

TEST(DifferentialTest, DelimitedPatterns) {
  Differ d("delimited");
  for (std::uint64_t seed : kSeeds) {
    Rng r(seed);
    EventGen events(r);
    for (int i = 0; i < 800; ++i) {
      if (!d.Load(DelimitedPattern(r), PatternKind::kDelimited)) continue;
      for (int j = 0; j < 10; ++j) d.Check(events.Delimited());
      if (i % 3 == 0) d.Check(events.Event(true));
    }
  }
  RecordProperty("pairs", static_cast<int>(d.stats().pairs));
  RecordProperty("matches", static_cast<int>(d.stats().matches));
  EXPECT_GE(d.stats().pairs, 20000u);
  ExpectRateWithin(d, 0.15, 0.65);
}

TEST(DifferentialTest, TermPatterns) {
  Differ d("terms");
  for (std::uint64_t seed : kSeeds) {
    Rng r(seed);
    EventGen events(r);
    for (int i = 0; i < 500; ++i) {
      if (!d.Load(TermsPattern(r), PatternKind::kTerms)) continue;
      for (int j = 0; j < 5; ++j) d.Check(events.Event(j == 0));
      for (int j = 0; j < 5; ++j) d.Check(events.Delimited());
    }
  }
  RecordProperty("pairs", static_cast<int>(d.stats().pairs));
  RecordProperty("matches", static_cast<int>(d.stats().matches));
  ExpectRateWithin(d, 0.15, 0.65);
}

TEST(DifferentialTest, RegexAndMatchAllPatterns) {
  Differ d("regex");
  for (std::uint64_t seed : kSeeds) {
    Rng r(seed);
    EventGen events(r);
    for (int i = 0; i < 200; ++i) {
      const bool match_all = i % 10 == 0;
      const std::string text =
          match_all ? r.Pick({"", "   ", "\" \"", "\t"}) : "%" + r.Pick(kRegexes) + "%";
      if (!d.Load(text, match_all ? PatternKind::kMatchAll : PatternKind::kRegex)) continue;
      for (int j = 0; j < 5; ++j) d.Check(events.Event(j == 0));
      for (int j = 0; j < 5; ++j) d.Check(events.Delimited());
      d.Check(events.Malformed());
    }
  }
  RecordProperty("pairs", static_cast<int>(d.stats().pairs));
  RecordProperty("matches", static_cast<int>(d.stats().matches));
  ExpectRateWithin(d, 0.15, 0.75);
}

}  // namespace
}  // namespace trailwatch::testing
