#include <fmt/format.h>

#include <algorithm>

#include "event/event.h"

namespace trailwatch::event {
namespace {

bool IsPlainKey(std::string_view key) {
  if (key.empty()) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

bool IsFieldSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

std::string JsonPath::ToString() const {
  std::string out = "$";
  for (const PathStep& s : steps) {
    switch (s.kind) {
      case PathStep::Kind::kKey:
        if (IsPlainKey(s.key)) {
          out += '.';
          out += s.key;
        } else {
          out += ".['";
          for (char c : s.key) {
            if (c == '\'' || c == '\\') out += '\\';
            out += c;
          }
          out += "']";
        }
        break;
      case PathStep::Kind::kIndex:
        out += fmt::format("[{}]", s.index);
        break;
      case PathStep::Kind::kAnyChild:
        out += "[*]";
        break;
    }
  }
  return out;
}

std::uint32_t PathRegistry::Add(const JsonPath& path) {
  auto it = std::find(paths_.begin(), paths_.end(), path);
  if (it != paths_.end()) return static_cast<std::uint32_t>(it - paths_.begin());
  paths_.push_back(path);
  return static_cast<std::uint32_t>(paths_.size() - 1);
}

std::shared_ptr<const PathSet> PathSet::Build(std::span<const JsonPath> paths,
                                              bool want_delimited_fields) {
  auto set = std::make_shared<PathSet>();
  set->want_fields_ = want_delimited_fields;
  set->slot_count_ = paths.size();
  set->nodes_.emplace_back();
  for (std::size_t slot = 0; slot < paths.size(); ++slot) {
    std::uint32_t node = 0;
    for (const PathStep& step : paths[slot].steps) {
      auto new_node = [&set] {
        set->nodes_.emplace_back();
        return static_cast<std::uint32_t>(set->nodes_.size() - 1);
      };
      std::uint32_t next = 0;
      switch (step.kind) {
        case PathStep::Kind::kKey: {
          auto& keys = set->nodes_[node].keys;
          auto it = std::find_if(keys.begin(), keys.end(),
                                 [&](const auto& kv) { return kv.first == step.key; });
          if (it != keys.end()) {
            next = it->second;
          } else {
            next = new_node();
            set->nodes_[node].keys.emplace_back(step.key, next);
          }
          break;
        }
        case PathStep::Kind::kIndex: {
          auto& idx = set->nodes_[node].indexes;
          auto it = std::find_if(idx.begin(), idx.end(),
                                 [&](const auto& kv) { return kv.first == step.index; });
          if (it != idx.end()) {
            next = it->second;
          } else {
            next = new_node();
            set->nodes_[node].indexes.emplace_back(step.index, next);
          }
          break;
        }
        case PathStep::Kind::kAnyChild:
          if (set->nodes_[node].any_child < 0) {
            next = new_node();
            set->nodes_[node].any_child = static_cast<std::int32_t>(next);
          } else {
            next = static_cast<std::uint32_t>(set->nodes_[node].any_child);
          }
          break;
      }
      node = next;
    }
    set->nodes_[node].slots.push_back(static_cast<std::uint32_t>(slot));
  }
  for (Node& n : set->nodes_) {
    std::sort(n.keys.begin(), n.keys.end());
    std::sort(n.indexes.begin(), n.indexes.end());
    if (n.keys.empty()) continue;
    std::size_t size = 4;
    while (size < n.keys.size() * 2) size *= 2;
    n.table.assign(size, -1);
    for (std::size_t k = 0; k < n.keys.size(); ++k) {
      std::size_t i = HashKey(n.keys[k].first) & (size - 1);
      while (n.table[i] >= 0) i = (i + 1) & (size - 1);
      n.table[i] = static_cast<std::int32_t>(k);
      n.key_lengths |= Node::LengthBit(n.keys[k].first.size());
    }
  }
  return set;
}

void SplitDelimited(std::string_view m, std::vector<DelimitedField>* out) {
  std::size_t i = 0;
  const std::size_t n = m.size();
  while (true) {
    while (i < n && IsFieldSpace(m[i])) ++i;
    if (i >= n) break;
    const auto begin = static_cast<std::uint32_t>(i);
    const char open = m[i];
    if (open == '"' || open == '[') {
      const char close = open == '"' ? '"' : ']';
      std::size_t j = i + 1;
      // A backslash escapes a quote inside a quoted field (JSON-escaped request bodies).
      while (j < n && !(m[j] == close && !(close == '"' && m[j - 1] == '\\' && j - 1 > i))) ++j;
      out->push_back({m.substr(i + 1, j - i - 1), begin});
      i = j < n ? j + 1 : n;
    } else {
      std::size_t j = i;
      while (j < n && !IsFieldSpace(m[j])) ++j;
      out->push_back({m.substr(i, j - i), begin});
      i = j;
    }
  }
}

}  // namespace trailwatch::event
