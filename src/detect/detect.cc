// The Evaluator: sliding threshold windows, dedup windows with roll-ups, and eviction, all in
// event time (semantics in docs/detections.md).
#include "detect/detect.h"

#include <algorithm>
#include <deque>
#include <map>
#include <set>

#include "detect/detect_internal.h"

namespace trailwatch::detect {
namespace {

constexpr std::int64_t kSecond = 1000;
// Groups are swept at least this often (event time), so idle keys do not pile up.
constexpr std::int64_t kMinSweepMs = 60 * kSecond;

struct Match {
  std::int64_t time_ms;
  std::int64_t ref;
};

}  // namespace

using Key = std::pair<std::size_t, std::vector<std::string>>;

struct Group {
  std::deque<Match> window;              // matches not yet part of an alert, sorted by time
  std::int64_t dedup_until = INT64_MIN;  // open while an event's time is before it
  std::uint64_t suppressed = 0;
  std::deque<std::int64_t> suppressed_refs;  // the most recent kMaxAlertEvents
  EventFields last_suppressed;
};

struct Evaluator::Impl {
  std::vector<DetectionConfig> configs;
  std::vector<std::vector<internal::Cidr>> cidrs;  // per detection
  std::map<Key, Group> groups;
  std::set<std::pair<std::int64_t, Key>> deadlines;  // dedup window ends
  std::int64_t sweep_interval_ms = kMinSweepMs;
  std::int64_t next_sweep_ms = INT64_MIN;

  Alert MakeAlert(const Key& key, const EventFields& trigger) const {
    const DetectionConfig& c = configs[key.first];
    Alert a;
    a.detection = c.name;
    a.severity = c.severity;
    a.time_ms = trigger.time_ms;
    for (std::size_t i = 0; i < c.group_by.size(); ++i) {
      a.group.emplace_back(c.group_by[i], key.second[i]);
    }
    a.trigger = trigger;
    a.actions = c.actions;
    return a;
  }

  // Ends the dedup window of `key` (its end has passed) and emits its roll-up, if any.
  void CloseDedup(const Key& key, Group& g, std::vector<Alert>* out) {
    if (g.suppressed > 0) {
      Alert a = MakeAlert(key, g.last_suppressed);
      a.rollup = true;
      a.time_ms = g.dedup_until;
      a.count = g.suppressed;
      a.events.assign(g.suppressed_refs.begin(), g.suppressed_refs.end());
      out->push_back(std::move(a));
    }
    g.suppressed = 0;
    g.suppressed_refs.clear();
    g.last_suppressed = EventFields();
    g.dedup_until = INT64_MIN;
  }

  void CloseUntil(std::int64_t now_ms, std::vector<Alert>* out) {
    while (!deadlines.empty() && deadlines.begin()->first <= now_ms) {
      auto node = deadlines.extract(deadlines.begin());
      auto it = groups.find(node.value().second);
      if (it != groups.end() && it->second.dedup_until == node.value().first) {
        CloseDedup(it->first, it->second, out);
      }
    }
  }

  // Without a threshold every match crosses at once, so a window of one instant is enough.
  std::int64_t WindowMs(std::size_t detection) const {
    const auto& t = configs[detection].threshold;
    return t ? std::int64_t{t->window_seconds} * kSecond : 1;
  }

  // Forgets groups with no open dedup window and no match still inside its threshold window.
  void Sweep(std::int64_t now_ms) {
    for (auto it = groups.begin(); it != groups.end();) {
      Group& g = it->second;
      const std::int64_t horizon = now_ms - WindowMs(it->first.first);
      while (!g.window.empty() && g.window.front().time_ms <= horizon) g.window.pop_front();
      if (g.window.empty() && g.dedup_until == INT64_MIN && g.suppressed == 0) {
        it = groups.erase(it);
      } else {
        ++it;
      }
    }
    next_sweep_ms = now_ms > INT64_MAX - sweep_interval_ms ? INT64_MAX : now_ms + sweep_interval_ms;
  }

  bool Allowlisted(std::size_t detection, const EventFields& f) const {
    const Allowlist& a = configs[detection].allowlist;
    for (const std::string& p : a.principal_arns) {
      if (!f.principal_arn.empty() && GlobMatch(p, f.principal_arn)) return true;
    }
    if (!cidrs[detection].empty()) {
      if (auto ip = internal::ParseIp(f.source_ip)) {
        for (const internal::Cidr& c : cidrs[detection]) {
          if (CidrContains(c, *ip)) return true;
        }
      }
    }
    for (const std::string& p : a.user_agent_patterns) {
      if (!f.user_agent.empty() && GlobMatch(p, f.user_agent)) return true;
    }
    return false;
  }
};

Evaluator::Evaluator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Evaluator::~Evaluator() = default;

Result<std::unique_ptr<Evaluator>> Evaluator::Create(std::vector<DetectionConfig> configs) {
  auto impl = std::make_unique<Impl>();
  for (const DetectionConfig& c : configs) {
    if (Status s = Validate(c); !s.ok()) return s;
    std::vector<internal::Cidr> cidrs;
    for (const std::string& text : c.allowlist.source_ip_cidrs) {
      cidrs.push_back(*internal::ParseCidr(text));  // checked by Validate
    }
    impl->cidrs.push_back(std::move(cidrs));
    const std::int64_t longest =
        std::max<std::int64_t>(c.threshold ? c.threshold->window_seconds : 0,
                               c.dedup_window_seconds) *
        kSecond;
    impl->sweep_interval_ms = std::max(impl->sweep_interval_ms, longest);
  }
  impl->configs = std::move(configs);
  return std::unique_ptr<Evaluator>(new Evaluator(std::move(impl)));
}

const std::vector<DetectionConfig>& Evaluator::configs() const { return impl_->configs; }
std::size_t Evaluator::tracked_groups() const { return impl_->groups.size(); }

void Evaluator::HeldRefs(std::vector<std::int64_t>* out) const {
  for (const auto& [key, g] : impl_->groups) {
    for (const Match& m : g.window) out->push_back(m.ref);
    out->insert(out->end(), g.suppressed_refs.begin(), g.suppressed_refs.end());
  }
}

bool Evaluator::Allowlisted(std::size_t detection, const EventFields& fields) const {
  return impl_->Allowlisted(detection, fields);
}

void Evaluator::Flush(std::int64_t now_ms, std::vector<Alert>* out) {
  impl_->CloseUntil(now_ms, out);
  impl_->Sweep(now_ms);
}

void Evaluator::Process(const Event& event, std::vector<Alert>* out) {
  Impl& m = *impl_;
  const std::int64_t t = event.fields.time_ms;
  m.CloseUntil(t, out);
  if (t >= m.next_sweep_ms) m.Sweep(t);
  if (m.Allowlisted(event.detection, event.fields)) return;

  const DetectionConfig& c = m.configs[event.detection];
  Key key(event.detection, event.group_values);
  key.second.resize(c.group_by.size());
  auto it = m.groups.try_emplace(std::move(key)).first;
  Group& g = it->second;

  if (t < g.dedup_until) {
    ++g.suppressed;
    g.suppressed_refs.push_back(event.ref);
    if (g.suppressed_refs.size() > kMaxAlertEvents) g.suppressed_refs.pop_front();
    g.last_suppressed = event.fields;
    return;
  }

  // The threshold window (t - W, t]; a late event goes where its time puts it.
  const auto pos = std::upper_bound(g.window.begin(), g.window.end(), t,
                                    [](std::int64_t x, const Match& y) { return x < y.time_ms; });
  g.window.insert(pos, Match{t, event.ref});
  const std::int64_t horizon = t - m.WindowMs(event.detection);
  while (!g.window.empty() && g.window.front().time_ms <= horizon) g.window.pop_front();
  const auto last = std::upper_bound(g.window.begin(), g.window.end(), t,
                                     [](std::int64_t x, const Match& y) { return x < y.time_ms; });
  const auto in_window = static_cast<std::uint64_t>(last - g.window.begin());
  const std::uint64_t needed = c.threshold ? c.threshold->count : 1;
  if (in_window < needed) return;

  Alert a = m.MakeAlert(it->first, event.fields);
  a.count = in_window;
  const auto from = in_window > kMaxAlertEvents ? last - kMaxAlertEvents : g.window.begin();
  for (auto e = from; e != last; ++e) a.events.push_back(e->ref);
  // The matches that crossed are spent: the next alert needs `count` new ones.
  g.window.erase(g.window.begin(), last);
  if (c.dedup_window_seconds > 0) {
    g.dedup_until = t + std::int64_t{c.dedup_window_seconds} * kSecond;
    a.dedup_until_ms = g.dedup_until;
    m.deadlines.emplace(g.dedup_until, it->first);
  }
  out->push_back(std::move(a));
}

}  // namespace trailwatch::detect
