// detect: per-event detections (design.md §1, the `Trailwatch::Detection` rule resource).
//
// A detection is a filter pattern plus what turns its matches into alerts: an optional
// threshold over a sliding event-time window per group key, a dedup window per group key with
// a count roll-up, and allowlists (principal ARN globs, source IP CIDRs, user-agent globs)
// that drop an event before it is counted. Matching the pattern is the caller's job (the
// engine runs it with the other programs); the Evaluator sees only the matched events.
//
// The Evaluator is a deterministic function of the events it is given, in the order given:
// time comes only from the events' event time and Flush's argument, and nothing else (no
// clock, no threads, no hashing of pointers) decides the output. So a replay (`scan --rules`)
// and the live daemon give the same alerts for the same events. Semantics: docs/detections.md.
//
// Thread safety: an Evaluator is not thread-safe; use it from one thread (or lock around it).
// DetectionConfig and Alert are plain values.
#ifndef TRAILWATCH_DETECT_DETECT_H_
#define TRAILWATCH_DETECT_DETECT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace trailwatch::detect {

enum class Severity : std::uint8_t { kLow, kMedium, kHigh, kCritical };
std::string_view SeverityName(Severity s);  // "low" ... "critical"
std::optional<Severity> ParseSeverity(std::string_view text);

// Alerts name at most this many contributing events (the most recent ones).
inline constexpr std::size_t kMaxAlertEvents = 10;

struct Threshold {
  // Alert when at least `count` matches of one group key fall within `window_seconds`
  // (the window (t - window, t] ending at the current match).
  std::uint32_t count = 1;
  std::uint32_t window_seconds = 60;
};

struct Allowlist {
  std::vector<std::string> principal_arns;       // globs: * any run, ? one character
  std::vector<std::string> source_ip_cidrs;      // "10.0.0.0/8", "2001:db8::/32", "1.2.3.4"
  std::vector<std::string> user_agent_patterns;  // globs
};

struct DetectionConfig {
  std::string name;
  std::string description;
  Severity severity = Severity::kMedium;
  std::string filter_pattern;          // compiled by the caller (pattern/pattern.h)
  std::optional<Threshold> threshold;  // absent: every match counts as crossing
  // JSON selectors ("$.userIdentity.arn") whose values form the group key; the caller
  // extracts them into Event::group_values in this order.
  std::vector<std::string> group_by;
  std::uint32_t dedup_window_seconds = 0;  // 0: no dedup
  Allowlist allowlist;
  std::vector<std::string> actions;  // SNS topic ARNs
};

// Checks what the rule loader cannot see from types alone. Errors name the property
// ("Threshold.Count", "Allowlist.SourceIpCidrs[1]").
Status Validate(const DetectionConfig& config);
// OK when `text` is an IPv4 or IPv6 address or CIDR ("10.0.0.0/8", "::1", "2001:db8::/32").
Status CheckCidr(std::string_view text);
// Glob match: '*' matches any run of characters (also none), '?' exactly one; case-sensitive.
bool GlobMatch(std::string_view pattern, std::string_view text);

// Who, what, where and when of one event (design.md §6), as read from the record.
struct EventFields {
  std::int64_t time_ms = 0;  // eventTime
  std::string principal_arn;
  std::string access_key_id;
  std::string user_agent;
  std::string event_name;
  std::string event_source;
  std::string resource;  // the secret (requestParameters.secretId) or the first resource ARN
  std::string error_code;
  std::string source_ip;
  std::string region;
  std::string account;
  std::string event_id;
};

// One event matched by detection number `detection` (index into the configs given to Create).
struct Event {
  std::size_t detection = 0;
  EventFields fields;
  std::vector<std::string> group_values;  // one per group_by entry; "" when absent
  std::int64_t ref = -1;  // the caller's handle for the event (a summary index, a record id)
};

struct Alert {
  std::string detection;
  Severity severity = Severity::kMedium;
  std::int64_t time_ms = 0;  // the triggering event's time; a roll-up's window end
  std::vector<std::pair<std::string, std::string>> group;  // group_by selector -> value
  // Alerts: the matches in the threshold window that crossed it (1 without a threshold).
  // Roll-ups: the matches suppressed by the dedup window that just closed.
  std::uint64_t count = 0;
  bool rollup = false;
  std::int64_t dedup_until_ms = 0;   // alerts: end of the dedup window opened (0: none)
  EventFields trigger;               // the triggering event; a roll-up's last suppressed event
  std::vector<std::int64_t> events;  // refs of up to kMaxAlertEvents contributing events
  std::vector<std::string> actions;
};

class Evaluator {
 public:
  // Fails when a config does not Validate (the message names the detection).
  static Result<std::unique_ptr<Evaluator>> Create(std::vector<DetectionConfig> configs);
  ~Evaluator();
  Evaluator(const Evaluator&) = delete;
  Evaluator& operator=(const Evaluator&) = delete;

  // Feeds one matched event. First emits the roll-ups of dedup windows that closed at or
  // before its time (as Flush would), then the event's alert if it crosses. Allowlisted events
  // are dropped without being counted. Events should come in event-time order. A late event
  // joins the threshold window where its time puts it, so later matches count it, but its own
  // crossing check looks at (its time - window, its time]; it never reopens an emitted roll-up.
  // REQUIRES: event.detection < number of configs; group_values.size() == group_by.size().
  void Process(const Event& event, std::vector<Alert>* out);
  // Emits the roll-ups of every dedup window that ends at or before `now_ms` (in window-end
  // order) and forgets groups with nothing left in any window. The live daemon calls it as its
  // event-time watermark advances; a replay calls Flush(INT64_MAX) at the end.
  void Flush(std::int64_t now_ms, std::vector<Alert>* out);

  // Whether the allowlist of detection `detection` covers the event.
  bool Allowlisted(std::size_t detection, const EventFields& fields) const;
  // Group keys held in memory (for tests and /metrics).
  std::size_t tracked_groups() const;
  // Appends the ref of every event a later alert may still name (those in threshold windows,
  // and the last kMaxAlertEvents of each open dedup window), in no particular order: the caller
  // may forget the others.
  void HeldRefs(std::vector<std::int64_t>* out) const;
  const std::vector<DetectionConfig>& configs() const;

 private:
  struct Impl;
  explicit Evaluator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace trailwatch::detect

#endif  // TRAILWATCH_DETECT_DETECT_H_
