// Policy::Parse: JSON text -> position-tagged tree (json_tree.h) -> validated, compiled
// Policy::Impl. Validation follows IAM's and Secrets Manager's grammar; where AWS's own message
// is known it is used verbatim, otherwise the text is ours (docs/iam-policies.md lists them).
#include <set>
#include <string>
#include <utility>

#include "fmt/format.h"
#include "iam/compiled.h"
#include "iam/glob.h"
#include "iam/json_tree.h"
#include "iam/policy.h"

namespace trailwatch::iam {
namespace {

using internal::JsonNode;

constexpr std::string_view kVendorMessage =
    "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.";

bool IsWhiteSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::size_t CountCharacters(std::string_view text, bool excluding_white_space) {
  std::size_t n = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) == 0x80) continue;  // UTF-8 continuation
    if (excluding_white_space && IsWhiteSpace(c)) continue;
    ++n;
  }
  return n;
}

bool IsAlphanumeric(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
      return false;
    }
  }
  return true;
}

bool IsAccountId(std::string_view s) {
  if (s.size() != 12) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool HasWhiteSpace(std::string_view s) {
  for (char c : s) {
    if (IsWhiteSpace(c)) return true;
  }
  return false;
}

// "service:Action" where the vendor is letters, digits and '-'; the name may have wildcards.
bool IsValidAction(std::string_view action) {
  if (action == "*") return true;
  const std::size_t colon = action.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == action.size()) return false;
  for (char c : action.substr(0, colon)) {
    if (!(IsAlphanumeric(std::string_view(&c, 1)) || c == '-')) return false;
  }
  return true;
}

std::size_t CountColons(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += c == ':' ? 1 : 0;
  return n;
}

// "*", or an ARN; a trailing '*' may stand for the components left out ("arn:aws:s3:*").
bool IsValidResource(std::string_view r) {
  if (r == "*") return true;
  return r.starts_with("arn:") && (CountColons(r) >= 5 || r.ends_with('*'));
}

class Compiler {
 public:
  Compiler(std::string_view text, const ParseOptions& options) : text_(text), options_(options) {}

  Status Document(const JsonNode& root, Policy::Impl* out) {
    if (!root.is_object()) {
      return Fail("Syntax errors in policy. (the policy must be a JSON object)", "", root.offset);
    }
    const JsonNode* statements = nullptr;
    std::uint32_t statement_offset = root.offset;
    for (const internal::JsonMember& m : root.members) {
      if (m.key == "Version") {
        if (!m.value.is_string() ||
            (m.value.text != "2012-10-17" && m.value.text != "2008-10-17")) {
          return Fail("Invalid Version; use \"2012-10-17\" (or the older \"2008-10-17\")",
                      "Version", m.value.offset);
        }
        out->version = m.value.text;
      } else if (m.key == "Id") {
        if (!m.value.is_string()) return Fail("Id must be a string", "Id", m.value.offset);
        out->id = m.value.text;
      } else if (m.key == "Statement") {
        statements = &m.value;
        statement_offset = m.key_offset;
      } else {
        return Fail(fmt::format("Unknown field {}", m.key), m.key, m.key_offset);
      }
    }
    // AWS substitutes policy variables only under the 2012-10-17 grammar.
    variables_ = out->version == "2012-10-17";
    if (statements == nullptr) {
      return Fail("Missing required field Statement", "", statement_offset);
    }
    if (statements->is_object()) {
      Status s = Statement(*statements, "Statement", &out->statements.emplace_back());
      if (!s.ok()) return s;
    } else if (statements->is_array()) {
      if (statements->items.empty()) {
        return Fail("Policy document must contain at least one statement", "Statement",
                    statements->offset);
      }
      for (std::size_t i = 0; i < statements->items.size(); ++i) {
        const JsonNode& item = statements->items[i];
        const std::string path = fmt::format("Statement[{}]", i);
        if (!item.is_object()) return Fail("Statement must be an object", path, item.offset);
        Status s = Statement(item, path, &out->statements.emplace_back());
        if (!s.ok()) return s;
      }
    } else {
      return Fail("Statement must be an object or an array of objects", "Statement",
                  statements->offset);
    }
    return Status::Ok();
  }

 private:
  Status Fail(std::string message, std::string_view path, std::uint32_t offset) const {
    if (!path.empty()) message += fmt::format(" (at {})", path);
    return Status::InvalidArgument(std::move(message))
        .At(internal::LocationOf(text_, offset, options_.source));
  }

  // A string or an array of strings; an empty array gives no strings.
  Status Strings(const JsonNode& node, const std::string& path, std::string_view element,
                 std::vector<const JsonNode*>* out) const {
    if (node.is_string()) {
      out->push_back(&node);
      return Status::Ok();
    }
    if (node.is_array()) {
      for (std::size_t i = 0; i < node.items.size(); ++i) {
        if (!node.items[i].is_string()) {
          return Fail(fmt::format("{} must be a string or an array of strings", element),
                      fmt::format("{}[{}]", path, i), node.items[i].offset);
        }
        out->push_back(&node.items[i]);
      }
      return Status::Ok();
    }
    return Fail(fmt::format("{} must be a string or an array of strings", element), path,
                node.offset);
  }

  Status Statement(const JsonNode& node, const std::string& path, internal::Statement* out) {
    const JsonNode* effect = nullptr;
    const JsonNode* principal = nullptr;
    const JsonNode* not_principal = nullptr;
    const JsonNode* action = nullptr;
    const JsonNode* not_action = nullptr;
    const JsonNode* resource = nullptr;
    const JsonNode* not_resource = nullptr;
    const JsonNode* condition = nullptr;
    for (const internal::JsonMember& m : node.members) {
      const std::string member_path = path + "." + m.key;
      if (m.key == "Sid") {
        if (!m.value.is_string()) return Fail("Sid must be a string", member_path, m.value.offset);
        if (options_.kind == PolicyKind::kIdentity && !IsAlphanumeric(m.value.text)) {
          return Fail(
              "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the "
              "regular expression [0-9A-Za-z]*",
              member_path, m.value.offset);
        }
        if (!m.value.text.empty() && !sids_.insert(m.value.text).second) {
          return Fail("Statement IDs (SID) in a single policy must be unique.", member_path,
                      m.value.offset);
        }
        out->sid = m.value.text;
      } else if (m.key == "Effect") {
        effect = &m.value;
      } else if (m.key == "Principal") {
        principal = &m.value;
      } else if (m.key == "NotPrincipal") {
        not_principal = &m.value;
      } else if (m.key == "Action") {
        action = &m.value;
      } else if (m.key == "NotAction") {
        not_action = &m.value;
      } else if (m.key == "Resource") {
        resource = &m.value;
      } else if (m.key == "NotResource") {
        not_resource = &m.value;
      } else if (m.key == "Condition") {
        condition = &m.value;
      } else {
        return Fail(fmt::format("Unknown field {}", m.key), member_path, m.key_offset);
      }
    }

    if (effect == nullptr) return Fail("Missing required field Effect", path, node.offset);
    if (!effect->is_string() || (effect->text != "Allow" && effect->text != "Deny")) {
      return Fail(fmt::format("Invalid effect: {}", effect->text), path + ".Effect",
                  effect->offset);
    }
    out->allow = effect->text == "Allow";

    Status s = Principals(node, path, principal, not_principal, out);
    if (!s.ok()) return s;
    s = Actions(node, path, action, not_action, out);
    if (!s.ok()) return s;
    s = Resources(node, path, resource, not_resource, out);
    if (!s.ok()) return s;
    if (condition != nullptr) return Conditions(*condition, path + ".Condition", out);
    return Status::Ok();
  }

  Status Principals(const JsonNode& statement, const std::string& path, const JsonNode* principal,
                    const JsonNode* not_principal, internal::Statement* out) const {
    const JsonNode* given = principal != nullptr ? principal : not_principal;
    const std::string element = principal != nullptr ? "Principal" : "NotPrincipal";
    if (options_.kind == PolicyKind::kIdentity) {
      if (given == nullptr) return Status::Ok();
      return Fail("Policy document should not specify a principal.", path + "." + element,
                  given->offset);
    }
    if (principal != nullptr && not_principal != nullptr) {
      return Fail("Statement cannot contain both Principal and NotPrincipal", path,
                  statement.offset);
    }
    if (given == nullptr) return Fail("Missing required field Principal", path, statement.offset);
    if (not_principal != nullptr && out->allow) {
      return Fail("NotPrincipal must be used with \"Effect\": \"Deny\"", path + ".NotPrincipal",
                  not_principal->offset);
    }
    out->has_principal = true;
    out->not_principal = not_principal != nullptr;
    return PrincipalValue(*given, path + "." + element, &out->principals);
  }

  Status PrincipalValue(const JsonNode& node, const std::string& path,
                        internal::PrincipalSet* out) const {
    if (node.is_string()) {
      if (node.text == "*") {
        out->everyone = true;
        return Status::Ok();
      }
      return Fail(fmt::format("Invalid principal in policy: \"{}\"", node.text), path, node.offset);
    }
    if (!node.is_object() || node.members.empty()) {
      return Fail("Invalid principal in policy", path, node.offset);
    }
    for (const internal::JsonMember& m : node.members) {
      const std::string type_path = path + "." + m.key;
      if (m.key != "AWS" && m.key != "Service" && m.key != "Federated" &&
          m.key != "CanonicalUser") {
        return Fail(fmt::format("Invalid principal in policy: unknown principal type {}", m.key),
                    type_path, m.key_offset);
      }
      std::vector<const JsonNode*> values;
      Status s = Strings(m.value, type_path, "A principal", &values);
      if (!s.ok()) return s;
      if (values.empty()) return Fail("Invalid principal in policy", type_path, m.value.offset);
      for (const JsonNode* v : values) {
        if (!AddPrincipal(m.key, v->text, out)) {
          return Fail(fmt::format("Invalid principal in policy: \"{}\":\"{}\"", m.key, v->text),
                      type_path, v->offset);
        }
      }
    }
    return Status::Ok();
  }

  static bool AddPrincipal(std::string_view type, const std::string& value,
                           internal::PrincipalSet* out) {
    if (value.empty() || HasWhiteSpace(value)) return false;
    if (type == "Service") {
      if (value.find_first_of("*?") != std::string::npos) return false;
      out->services.push_back(value);
      return true;
    }
    if (type != "AWS") return true;  // Federated, CanonicalUser: valid, never a vault caller
    if (value == "*") {
      out->everyone = true;
      return true;
    }
    if (IsAccountId(value)) {
      out->accounts.push_back(value);
      return true;
    }
    // AWS accepts no wildcard inside a principal ARN.
    if (value.find_first_of("*?") != std::string::npos) return false;
    // arn:partition:iam::account:root | user/... | role/... ; arn:partition:sts::account:...
    if (!value.starts_with("arn:") || CountColons(value) != 5) return false;
    const std::size_t partition_end = value.find(':', 4);
    const std::string_view rest = std::string_view(value).substr(partition_end + 1);
    if (!rest.starts_with("iam::") && !rest.starts_with("sts::")) return false;
    const std::string_view account = rest.substr(5, 12);
    if (!IsAccountId(account) || rest.size() < 19 || rest[17] != ':' || rest.size() == 18) {
      return false;
    }
    if (rest.starts_with("iam::") && rest.substr(18) == "root") {
      out->accounts.emplace_back(account);
    } else {
      out->arns.push_back(value);
    }
    return true;
  }

  Status Actions(const JsonNode& statement, const std::string& path, const JsonNode* action,
                 const JsonNode* not_action, internal::Statement* out) const {
    if (action != nullptr && not_action != nullptr) {
      return Fail("Statement cannot contain both Action and NotAction", path, statement.offset);
    }
    const JsonNode* given = action != nullptr ? action : not_action;
    if (given == nullptr)
      return Fail("Policy statement must contain actions.", path, statement.offset);
    const std::string element_path = path + (action != nullptr ? ".Action" : ".NotAction");
    std::vector<const JsonNode*> values;
    Status s = Strings(*given, element_path, action != nullptr ? "Action" : "NotAction", &values);
    if (!s.ok()) return s;
    if (values.empty())
      return Fail("Policy statement must contain actions.", element_path, given->offset);
    out->not_action = not_action != nullptr;
    for (const JsonNode* v : values) {
      if (!IsValidAction(v->text))
        return Fail(std::string(kVendorMessage), element_path, v->offset);
      if (HasWhiteSpace(v->text)) {
        return Fail(fmt::format("Action {} contains white space", v->text), element_path,
                    v->offset);
      }
      out->actions.push_back(internal::GlobFromPolicyText(v->text));
    }
    return Status::Ok();
  }

  Status Resources(const JsonNode& statement, const std::string& path, const JsonNode* resource,
                   const JsonNode* not_resource, internal::Statement* out) const {
    if (resource != nullptr && not_resource != nullptr) {
      return Fail("Statement cannot contain both Resource and NotResource", path, statement.offset);
    }
    const JsonNode* given = resource != nullptr ? resource : not_resource;
    if (given == nullptr) {
      return Fail("Policy statement must contain resources.", path, statement.offset);
    }
    const std::string element_path = path + (resource != nullptr ? ".Resource" : ".NotResource");
    std::vector<const JsonNode*> values;
    Status s =
        Strings(*given, element_path, resource != nullptr ? "Resource" : "NotResource", &values);
    if (!s.ok()) return s;
    if (values.empty()) {
      return Fail("Policy statement must contain resources.", element_path, given->offset);
    }
    out->not_resource = not_resource != nullptr;
    for (const JsonNode* v : values) {
      if (!IsValidResource(v->text)) {
        return Fail(fmt::format("Resource {} must be in ARN format or \"*\".", v->text),
                    element_path, v->offset);
      }
      out->resources.push_back(internal::ValueTemplate::Compile(v->text, variables_));
    }
    return Status::Ok();
  }

  Status Conditions(const JsonNode& node, const std::string& path, internal::Statement* out) const {
    if (!node.is_object()) return Fail("Condition must be an object", path, node.offset);
    for (const internal::JsonMember& op_member : node.members) {
      const std::string op_path = path + "." + op_member.key;
      const std::optional<internal::Operator> op = internal::ParseOperator(op_member.key);
      if (!op) {
        return Fail(fmt::format("Invalid condition operator {}", op_member.key), op_path,
                    op_member.key_offset);
      }
      if (!op_member.value.is_object() || op_member.value.members.empty()) {
        return Fail(
            fmt::format("Condition operator {} must map condition keys to values", op_member.key),
            op_path, op_member.value.offset);
      }
      for (const internal::JsonMember& key_member : op_member.value.members) {
        Status s = Clause(*op, key_member, op_path + "." + key_member.key, out);
        if (!s.ok()) return s;
      }
    }
    return Status::Ok();
  }

  Status Clause(const internal::Operator& op, const internal::JsonMember& member,
                const std::string& path, internal::Statement* out) const {
    const std::size_t colon = member.key.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == member.key.size()) {
      return Fail(std::string(kVendorMessage), path, member.key_offset);
    }
    std::vector<const JsonNode*> values;
    auto scalar = [](const JsonNode& n) {
      return n.kind == JsonNode::Kind::kString || n.kind == JsonNode::Kind::kNumber ||
             n.kind == JsonNode::Kind::kBool;
    };
    if (member.value.is_array()) {
      for (const JsonNode& item : member.value.items) {
        if (!scalar(item)) {
          return Fail("Condition values must be strings, numbers or booleans", path, item.offset);
        }
        values.push_back(&item);
      }
    } else if (scalar(member.value)) {
      values.push_back(&member.value);
    } else {
      return Fail("Condition values must be strings, numbers or booleans", path,
                  member.value.offset);
    }
    if (values.empty()) {
      return Fail(fmt::format("Condition key {} has no values", member.key), path,
                  member.value.offset);
    }
    internal::ConditionClause& clause = out->conditions.emplace_back();
    clause.op = op;
    clause.key = internal::ToLower(member.key);
    for (const JsonNode* v : values) {
      if (auto error =
              internal::CompileValue(op, v->text, variables_, &clause.values.emplace_back())) {
        return Fail(*error, path, v->offset);
      }
    }
    return Status::Ok();
  }

  std::string_view text_;
  const ParseOptions& options_;
  bool variables_ = false;
  std::set<std::string, std::less<>> sids_;
};

}  // namespace

Result<Policy> Policy::Parse(std::string_view text, const ParseOptions& options) {
  const SizeLimit& limit = options.limit;
  if (limit.max_characters > 0 &&
      CountCharacters(text, limit.excluding_white_space) > limit.max_characters) {
    return Status::ResourceExhausted(
        fmt::format("Cannot exceed quota for PolicySize: {}", limit.max_characters));
  }
  Result<internal::JsonNode> tree = internal::ParseJsonTree(text, options.source);
  if (!tree.ok()) return tree.status();
  auto impl = std::make_shared<Impl>();
  impl->kind = options.kind;
  Compiler compiler(text, options);
  Status s = compiler.Document(*tree, impl.get());
  if (!s.ok()) return s;
  return Policy(std::move(impl));
}

PolicyKind Policy::kind() const { return impl_->kind; }
const std::string& Policy::version() const { return impl_->version; }
const std::string& Policy::id() const { return impl_->id; }
std::size_t Policy::statement_count() const { return impl_->statements.size(); }
const std::string& Policy::statement_sid(std::size_t index) const {
  return impl_->statements.at(index).sid;
}

}  // namespace trailwatch::iam
