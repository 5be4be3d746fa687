#include "alarm/composite.h"

#include <fmt/format.h>

#include <utility>

#include "alarm/composite_internal.h"

namespace trailwatch::alarm {
namespace {

std::string_view DumpFunction(State s) {
  switch (s) {
    case State::kOk:
      return "ok";
    case State::kAlarm:
      return "alarm";
    case State::kInsufficientData:
      return "insufficient-data";
  }
  return "?";
}

void AppendQuoted(std::string_view s, std::string* out) {
  *out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') *out += '\\';
    *out += c;
  }
  *out += '"';
}

}  // namespace

Result<std::shared_ptr<const CompositeRule>> CompileRule(std::string_view alarm_rule,
                                                         const CompositeLimits& limits) {
  auto parsed = internal::ParseRule(alarm_rule, limits);
  if (!parsed.ok()) return parsed.status();
  // make_shared cannot reach the private constructor.
  std::shared_ptr<CompositeRule> rule(new CompositeRule());
  rule->text_ = std::string(alarm_rule);
  rule->children_ = std::move(parsed->children);
  rule->refs_ = std::move(parsed->refs);
  rule->nodes_ = std::move(parsed->nodes);
  return std::shared_ptr<const CompositeRule>(std::move(rule));
}

bool CompositeRule::Evaluate(
    const std::function<std::optional<State>(std::string_view child)>& state_of) const {
  std::vector<State> states;
  states.reserve(children_.size());
  for (const std::string& child : children_) {
    states.push_back(state_of(child).value_or(State::kInsufficientData));
  }
  return EvaluateStates(states);
}

bool CompositeRule::EvaluateStates(std::span<const State> child_states) const {
  if (nodes_.empty() || child_states.size() != children_.size()) return false;
  return Eval(static_cast<std::uint32_t>(nodes_.size() - 1), child_states);
}

// Recursion depth is bounded by the parser's nesting limit: only '(' and NOT deepen the tree.
bool CompositeRule::Eval(std::uint32_t index, std::span<const State> states) const {
  const Node& n = nodes_[index];
  switch (n.kind) {
    case Node::Kind::kTrue:
      return true;
    case Node::Kind::kFalse:
      return false;
    case Node::Kind::kState:
      return states[refs_[n.ref].child] == n.state;
    case Node::Kind::kNot:
      return !Eval(n.operands[0], states);
    case Node::Kind::kAnd:
      for (std::uint32_t op : n.operands) {
        if (!Eval(op, states)) return false;
      }
      return true;
    case Node::Kind::kOr:
      for (std::uint32_t op : n.operands) {
        if (Eval(op, states)) return true;
      }
      return false;
  }
  return false;
}

std::string CompositeRule::Dump() const {
  std::string out;
  if (!nodes_.empty()) DumpNode(static_cast<std::uint32_t>(nodes_.size() - 1), &out);
  return out;
}

void CompositeRule::DumpNode(std::uint32_t index, std::string* out) const {
  const Node& n = nodes_[index];
  switch (n.kind) {
    case Node::Kind::kTrue:
      *out += "true";
      return;
    case Node::Kind::kFalse:
      *out += "false";
      return;
    case Node::Kind::kState: {
      const ChildRef& ref = refs_[n.ref];
      *out += '(';
      *out += DumpFunction(n.state);
      *out += ' ';
      AppendQuoted(ref.name, out);
      if (ref.written != ref.name) {
        *out += " :arn ";
        AppendQuoted(ref.written, out);
      }
      *out += ')';
      return;
    }
    case Node::Kind::kNot:
    case Node::Kind::kAnd:
    case Node::Kind::kOr:
      *out += n.kind == Node::Kind::kNot ? "(not" : n.kind == Node::Kind::kAnd ? "(and" : "(or";
      for (std::uint32_t op : n.operands) {
        *out += ' ';
        DumpNode(op, out);
      }
      *out += ')';
      return;
  }
}

Status CheckCycles(const CompositeSet& composites) {
  // Iterative depth-first search (a long chain of composites must not exhaust the stack).
  // kOnPath marks the alarms on the current path; reaching one again closes a cycle.
  enum class Mark : std::uint8_t { kNew, kOnPath, kDone };
  std::map<std::string_view, Mark> marks;
  struct Frame {
    std::string_view name;
    const CompositeRule* rule;
    std::size_t next_child = 0;
  };
  for (const auto& [root_name, root_rule] : composites) {
    if (root_rule == nullptr || marks[root_name] != Mark::kNew) continue;
    std::vector<Frame> path{{root_name, root_rule.get()}};
    marks[root_name] = Mark::kOnPath;
    while (!path.empty()) {
      Frame& top = path.back();
      if (top.next_child == top.rule->children().size()) {
        marks[top.name] = Mark::kDone;
        path.pop_back();
        continue;
      }
      const std::string& child = top.rule->children()[top.next_child++];
      auto it = composites.find(child);
      if (it == composites.end() || it->second == nullptr) continue;  // a metric alarm
      Mark& mark = marks[it->first];
      if (mark == Mark::kDone) continue;
      if (mark == Mark::kOnPath) {
        std::string cycle;
        std::size_t i = 0;
        while (path[i].name != it->first) ++i;
        for (; i < path.size(); ++i) cycle += fmt::format("{} -> ", path[i].name);
        cycle += it->first;
        return Status::InvalidArgument(fmt::format(
            "composite alarms form a cycle: {}; AWS never evaluates alarms in a cycle, so "
            "trailwatch rejects it (set one of the rules to FALSE to break it)",
            cycle));
      }
      mark = Mark::kOnPath;
      path.push_back({it->first, it->second.get()});
    }
  }
  return Status::Ok();
}

std::string CompositeReason(std::string_view child_arn, State new_child_state,
                            std::int64_t time_ms) {
  // AWS's Java pattern: EEEE dd MMMM, yyyy HH:mm:ss 'UTC' (spec §3.7).
  return fmt::format("{} transitioned to {} at {}", child_arn, StateName(new_child_state),
                     FormatLongTime(time_ms));
}

}  // namespace trailwatch::alarm
