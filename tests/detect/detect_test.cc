// detect::Evaluator: thresholds over sliding windows, group keys, dedup roll-ups, allowlists,
// eviction and determinism. Times are in seconds from an arbitrary epoch.
#include "detect/detect.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace trailwatch::detect {
namespace {

constexpr std::int64_t kS = 1000;

DetectionConfig Config(std::optional<Threshold> threshold = std::nullopt,
                       std::uint32_t dedup_seconds = 0, std::vector<std::string> group_by = {}) {
  DetectionConfig c;
  c.name = "d";
  c.severity = Severity::kHigh;
  c.filter_pattern = "{ $.eventName = \"GetSecretValue\" }";
  c.threshold = threshold;
  c.group_by = std::move(group_by);
  c.dedup_window_seconds = dedup_seconds;
  c.actions = {"arn:aws:sns:us-east-1:123456789012:t"};
  return c;
}

struct In {
  In(double s, std::string p = "arn:aws:iam::123456789012:user/alice",  // NOLINT
     std::string i = "203.0.113.7", std::string a = "aws-cli/2.15.0")
      : seconds(s), principal(std::move(p)), ip(std::move(i)), agent(std::move(a)) {}
  double seconds;
  std::string principal;
  std::string ip;
  std::string agent;
};

Event MakeEvent(const DetectionConfig& c, const In& in, std::int64_t ref) {
  Event e;
  e.fields.time_ms = static_cast<std::int64_t>(in.seconds * 1000);
  e.fields.principal_arn = in.principal;
  e.fields.source_ip = in.ip;
  e.fields.user_agent = in.agent;
  e.fields.event_name = "GetSecretValue";
  for (std::size_t i = 0; i < c.group_by.size(); ++i) e.group_values.push_back(in.principal);
  e.ref = ref;
  return e;
}

// Runs `events` through one detection, then Flush(INT64_MAX).
std::vector<Alert> RunAll(const DetectionConfig& c, const std::vector<In>& events) {
  auto ev = Evaluator::Create({c});
  EXPECT_TRUE(ev.ok()) << ev.status().ToString();
  std::vector<Alert> out;
  for (std::size_t i = 0; i < events.size(); ++i) {
    (*ev)->Process(MakeEvent(c, events[i], static_cast<std::int64_t>(i)), &out);
  }
  (*ev)->Flush(INT64_MAX, &out);
  return out;
}

// "A@t:count" or "R@t:count" (roll-up), times in ms.
std::vector<std::string> Summaries(const std::vector<Alert>& alerts) {
  std::vector<std::string> out;
  for (const Alert& a : alerts) {
    out.push_back((a.rollup ? "R@" : "A@") + std::to_string(a.time_ms) + ":" +
                  std::to_string(a.count));
  }
  return out;
}

TEST(DetectTest, ThresholdsAndSlidingWindowEdges) {
  const struct {
    const char* name;
    std::optional<Threshold> threshold;
    std::vector<double> times;
    std::vector<std::string> expected;
  } cases[] = {
      {"no threshold: every match", std::nullopt, {0, 1, 2}, {"A@0:1", "A@1000:1", "A@2000:1"}},
      {"3 within 60 s", Threshold{3, 60}, {0, 10, 20}, {"A@20000:3"}},
      {"2 needed, not reached", Threshold{2, 60}, {0}, {}},
      // The window is (t - 60 s, t]: a match exactly 60 s earlier is out of it ...
      {"window excludes t-W", Threshold{2, 60}, {0, 60}, {}},
      // ... and one a millisecond later is in.
      {"window includes t-W+1ms", Threshold{2, 60}, {0, 59.999}, {"A@59999:2"}},
      // Matches that crossed are spent: the next alert needs a fresh 2.
      {"crossing spends the matches", Threshold{2, 60}, {0, 1, 2, 3}, {"A@1000:2", "A@3000:2"}},
      {"sliding: old match leaves", Threshold{3, 60}, {0, 30, 70, 80}, {"A@80000:3"}},
      {"sliding: too sparse", Threshold{3, 60}, {0, 40, 80, 120}, {}},
      // A late match (10 after 30) joins the window; the next match counts it.
      {"late match counts later", Threshold{3, 60}, {0, 30, 10, 40}, {"A@40000:4"}},
      {"> 5 in 10 minutes", Threshold{6, 600}, {0, 60, 120, 180, 240, 299, 300}, {"A@299000:6"}},
  };
  for (const auto& c : cases) {
    std::vector<In> events;
    for (double t : c.times) events.push_back({t});
    EXPECT_EQ(Summaries(RunAll(Config(c.threshold), events)), c.expected) << c.name;
  }
}

TEST(DetectTest, GroupByKeepsOneWindowPerKey) {
  const DetectionConfig c = Config(Threshold{2, 60}, 0, {"$.userIdentity.arn"});
  const std::string alice = "arn:aws:iam::123456789012:user/alice";
  const std::string bob = "arn:aws:iam::123456789012:user/bob";
  const auto alerts = RunAll(c, {{0, alice}, {1, bob}, {2, alice}, {3, bob}, {4, alice}});
  ASSERT_EQ(Summaries(alerts), (std::vector<std::string>{"A@2000:2", "A@3000:2"}));
  EXPECT_EQ(alerts[0].group,
            (std::vector<std::pair<std::string, std::string>>{{"$.userIdentity.arn", alice}}));
  EXPECT_EQ(alerts[0].events, (std::vector<std::int64_t>{0, 2}));
  EXPECT_EQ(alerts[1].group[0].second, bob);
  EXPECT_EQ(alerts[1].trigger.principal_arn, bob);
  EXPECT_EQ(alerts[1].events, (std::vector<std::int64_t>{1, 3}));
  // Without GroupBy the same events share one key.
  EXPECT_EQ(Summaries(RunAll(Config(Threshold{2, 60}), {{0, alice}, {1, bob}, {2, alice}})),
            (std::vector<std::string>{"A@1000:2"}));
}

TEST(DetectTest, DedupRollsUpSuppressedMatches) {
  const struct {
    const char* name;
    std::optional<Threshold> threshold;
    std::uint32_t dedup;
    std::vector<double> times;
    std::vector<std::string> expected;
  } cases[] = {
      {"roll-up when the window closes",
       std::nullopt,
       60,
       {0, 10, 20, 30, 100},
       {"A@0:1", "R@60000:3", "A@100000:1"}},
      {"nothing suppressed, no roll-up",
       std::nullopt,
       60,
       {0, 61, 200},
       {"A@0:1", "A@61000:1", "A@200000:1"}},
      {"a match at the window end is not suppressed",
       std::nullopt,
       60,
       {0, 60},
       {"A@0:1", "A@60000:1"}},
      {"final roll-up at the end of input", std::nullopt, 60, {0, 5, 6}, {"A@0:1", "R@60000:2"}},
      {"threshold then dedup",
       Threshold{2, 600},
       300,
       {0, 1, 2, 3, 4, 400, 401},
       {"A@1000:2", "R@301000:3", "A@401000:2"}},
  };
  for (const auto& c : cases) {
    std::vector<In> events;
    for (double t : c.times) events.push_back({t});
    EXPECT_EQ(Summaries(RunAll(Config(c.threshold, c.dedup), events)), c.expected) << c.name;
  }
}

TEST(DetectTest, RollUpNamesTheSuppressedEventsAndTheLastOne) {
  const DetectionConfig c = Config(std::nullopt, 60, {"$.userIdentity.arn"});
  std::vector<In> events;
  for (int i = 0; i < 14; ++i) events.push_back({static_cast<double>(i)});
  events.back().ip = "198.51.100.9";
  const auto alerts = RunAll(c, events);
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].dedup_until_ms, 60 * kS);
  const Alert& r = alerts[1];
  EXPECT_TRUE(r.rollup);
  EXPECT_EQ(r.count, 13u);
  EXPECT_EQ(r.trigger.source_ip, "198.51.100.9");
  EXPECT_EQ(r.trigger.time_ms, 13 * kS);
  ASSERT_EQ(r.events.size(), kMaxAlertEvents);  // the 10 most recent of the 13
  EXPECT_EQ(r.events.front(), 4);
  EXPECT_EQ(r.events.back(), 13);
  EXPECT_EQ(r.actions, c.actions);
  EXPECT_EQ(r.severity, Severity::kHigh);
}

TEST(DetectTest, FlushEmitsOnlyClosedWindows) {
  const DetectionConfig c = Config(std::nullopt, 60);
  auto ev = Evaluator::Create({c});
  ASSERT_TRUE(ev.ok());
  std::vector<Alert> out;
  for (int i = 0; i < 3; ++i) (*ev)->Process(MakeEvent(c, {static_cast<double>(i)}, i), &out);
  ASSERT_EQ(out.size(), 1u);
  (*ev)->Flush(59 * kS, &out);
  EXPECT_EQ(out.size(), 1u);
  (*ev)->Flush(60 * kS, &out);
  ASSERT_EQ(Summaries(out), (std::vector<std::string>{"A@0:1", "R@60000:2"}));
  (*ev)->Flush(INT64_MAX, &out);  // emitted once only
  EXPECT_EQ(out.size(), 2u);
}

TEST(DetectTest, ContributingEventsAreCappedAtTheMostRecent) {
  std::vector<In> events;
  for (int i = 0; i < 15; ++i) events.push_back({static_cast<double>(i)});
  const auto alerts = RunAll(Config(Threshold{15, 60}), events);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].count, 15u);
  ASSERT_EQ(alerts[0].events.size(), kMaxAlertEvents);
  EXPECT_EQ(alerts[0].events.front(), 5);
  EXPECT_EQ(alerts[0].events.back(), 14);  // the trigger
}

TEST(DetectTest, AllowlistsSuppressMatchingEvents) {
  const struct {
    const char* name;
    Allowlist allow;
    In event;
    bool allowlisted;
  } cases[] = {
      {"principal exact", {{"arn:aws:iam::123456789012:user/alice"}, {}, {}}, {0}, true},
      {"principal glob *", {{"arn:aws:iam::123456789012:user/*"}, {}, {}}, {0}, true},
      {"principal glob ?", {{"arn:aws:iam::123456789012:user/alic?"}, {}, {}}, {0}, true},
      {"principal other account", {{"arn:aws:iam::999999999999:*"}, {}, {}}, {0}, false},
      {"principal glob is anchored", {{"user/alice"}, {}, {}}, {0}, false},
      {"assumed role session glob",
       {{"arn:aws:sts::123456789012:assumed-role/app/*"}, {}, {}},
       {0, "arn:aws:sts::123456789012:assumed-role/app/i-0abc"},
       true},
      {"IPv4 CIDR inside", {{}, {"203.0.113.0/24"}, {}}, {0}, true},
      {"IPv4 CIDR outside", {{}, {"203.0.114.0/24"}, {}}, {0}, false},
      {"IPv4 /0", {{}, {"0.0.0.0/0"}, {}}, {0}, true},
      {"IPv4 bare address", {{}, {"203.0.113.7"}, {}}, {0}, true},
      {"IPv4 bare address, other host", {{}, {"203.0.113.8"}, {}}, {0}, false},
      {"IPv4 odd prefix", {{}, {"203.0.113.0/29"}, {}}, {0}, true},
      {"IPv4 odd prefix outside", {{}, {"203.0.113.8/29"}, {}}, {0}, false},
      {"IPv6 CIDR inside", {{}, {"2001:db8::/32"}, {}}, {0, "p", "2001:db8:1:2::5"}, true},
      {"IPv6 CIDR outside", {{}, {"2001:db8::/32"}, {}}, {0, "p", "2001:db9::5"}, false},
      {"IPv6 /127", {{}, {"2001:db8::4/127"}, {}}, {0, "p", "2001:db8::5"}, true},
      {"IPv4 CIDR covers IPv4-mapped IPv6",
       {{}, {"203.0.113.0/24"}, {}},
       {0, "p", "::ffff:203.0.113.7"},
       true},
      {"IPv6 CIDR does not cover IPv4", {{}, {"2001:db8::/32"}, {}}, {0}, false},
      {"service name is no address",
       {{}, {"0.0.0.0/0"}, {}},
       {0, "p", "secretsmanager.amazonaws.com"},
       false},
      {"user agent glob", {{}, {}, {"aws-cli/*"}}, {0}, true},
      {"user agent glob miss", {{}, {}, {"Boto3/*"}}, {0}, false},
      {"any list is enough", {{"nobody"}, {"10.0.0.0/8"}, {"aws-cli/2.*"}}, {0}, true},
  };
  for (const auto& c : cases) {
    DetectionConfig cfg = Config();
    cfg.allowlist = c.allow;
    auto ev = Evaluator::Create({cfg});
    ASSERT_TRUE(ev.ok()) << c.name << ": " << ev.status().ToString();
    EXPECT_EQ((*ev)->Allowlisted(0, MakeEvent(cfg, c.event, 0).fields), c.allowlisted) << c.name;
    // Allowlisted events raise nothing; the others alert.
    EXPECT_EQ(RunAll(cfg, {c.event}).size(), c.allowlisted ? 0u : 1u) << c.name;
  }
}

TEST(DetectTest, AllowlistedEventsDoNotCountTowardsTheThreshold) {
  DetectionConfig c = Config(Threshold{2, 60});
  c.allowlist.source_ip_cidrs = {"10.0.0.0/8"};
  EXPECT_TRUE(RunAll(c, {{0}, {1, "p", "10.1.2.3"}, {2, "p", "10.9.9.9"}}).empty());
  EXPECT_EQ(Summaries(RunAll(c, {{0}, {1, "p", "10.1.2.3"}, {2}})),
            (std::vector<std::string>{"A@2000:2"}));
}

TEST(DetectTest, GlobMatch) {
  const struct {
    const char* pattern;
    const char* text;
    bool match;
  } cases[] = {
      {"", "", true},
      {"*", "", true},
      {"*", "abc", true},
      {"a*c", "abbbc", true},
      {"a*c", "abcd", false},
      {"a?c", "abc", true},
      {"a?c", "ac", false},
      {"*b*", "abc", true},
      {"**", "x", true},
      {"abc", "ABC", false},
      {"a*b*c", "aXbYbZc", true},
      {"a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(GlobMatch(c.pattern, c.text), c.match) << c.pattern << " ~ " << c.text;
  }
}

TEST(DetectTest, ValidateNamesTheProperty) {
  const struct {
    const char* name;
    std::vector<std::string> cidrs;
    std::optional<Threshold> threshold;
    const char* error;  // nullptr: valid
  } cases[] = {
      {"good", {"10.0.0.0/8", "::1", "2001:db8::/32", "1.2.3.4"}, Threshold{1, 1}, nullptr},
      {"v4 prefix too long", {"10.0.0.0/33"}, std::nullopt, "Allowlist.SourceIpCidrs[0]"},
      {"v6 prefix too long", {"10.0.0.0/8", "::/129"}, std::nullopt, "Allowlist.SourceIpCidrs[1]"},
      {"not an address", {"10.0.0/8"}, std::nullopt, "Allowlist.SourceIpCidrs[0]"},
      {"empty prefix", {"10.0.0.0/"}, std::nullopt, "Allowlist.SourceIpCidrs[0]"},
      {"count 0", {}, Threshold{0, 60}, "Threshold.Count"},
      {"window 0", {}, Threshold{1, 0}, "Threshold.WindowSeconds"},
  };
  for (const auto& c : cases) {
    DetectionConfig cfg = Config(c.threshold);
    cfg.allowlist.source_ip_cidrs = c.cidrs;
    const Status s = Validate(cfg);
    if (c.error == nullptr) {
      EXPECT_TRUE(s.ok()) << c.name << ": " << s.ToString();
    } else {
      EXPECT_NE(s.message().find(c.error), std::string::npos) << c.name << ": " << s.ToString();
      EXPECT_FALSE(Evaluator::Create({cfg}).ok()) << c.name;
    }
  }
}

TEST(DetectTest, IdleGroupsAreEvicted) {
  // One event per new principal every second: without eviction 2000 groups would pile up.
  const DetectionConfig c = Config(Threshold{2, 30}, 10, {"$.userIdentity.arn"});
  auto ev = Evaluator::Create({c});
  ASSERT_TRUE(ev.ok());
  std::vector<Alert> out;
  std::size_t most = 0;
  for (int i = 0; i < 2000; ++i) {
    (*ev)->Process(MakeEvent(c, {static_cast<double>(i), "user/" + std::to_string(i)}, i), &out);
    most = std::max(most, (*ev)->tracked_groups());
  }
  EXPECT_TRUE(out.empty());
  // Swept every 60 s (the minimum interval), so at most about two intervals' worth are held.
  EXPECT_LE(most, 121u);
  EXPECT_GE(most, 60u);
  (*ev)->Flush(2000 * kS + 30 * kS, &out);
  EXPECT_EQ((*ev)->tracked_groups(), 0u);
}

TEST(DetectTest, OpenDedupWindowsAreNotEvicted) {
  const DetectionConfig c = Config(std::nullopt, 3600, {"$.userIdentity.arn"});
  auto ev = Evaluator::Create({c});
  ASSERT_TRUE(ev.ok());
  std::vector<Alert> out;
  (*ev)->Process(MakeEvent(c, {0, "a"}, 0), &out);
  (*ev)->Process(MakeEvent(c, {1, "a"}, 1), &out);
  (*ev)->Flush(1800 * kS, &out);  // sweeps, but the window is open with a suppressed match
  EXPECT_EQ((*ev)->tracked_groups(), 1u);
  (*ev)->Flush(3600 * kS, &out);
  EXPECT_EQ((*ev)->tracked_groups(), 0u);
  EXPECT_EQ(Summaries(out), (std::vector<std::string>{"A@0:1", "R@3600000:1"}));
}

TEST(DetectTest, HeldRefsAreWhatLaterAlertsCanName) {
  // A threshold of 3 in 60 s, then an hour of dedup: 20,000 matches of one principal, 10 a
  // second. Whatever is held must be few, and every ref a later alert names must be held.
  const DetectionConfig c = Config(Threshold{3, 60}, 3600, {"$.userIdentity.arn"});
  auto ev = Evaluator::Create({c});
  ASSERT_TRUE(ev.ok());
  std::vector<Alert> out;
  std::size_t most = 0;
  std::vector<std::int64_t> held;
  for (int i = 0; i < 20000; ++i) {
    (*ev)->Process(MakeEvent(c, {i / 10.0, "a"}, i), &out);
    held.clear();
    (*ev)->HeldRefs(&held);
    most = std::max(most, held.size());
  }
  EXPECT_LE(most, kMaxAlertEvents + 3);
  ASSERT_EQ(out.size(), 1u);  // the crossing; the rest is suppressed
  EXPECT_EQ(out[0].events, (std::vector<std::int64_t>{0, 1, 2}));
  // The roll-up names refs that are held right before it.
  held.clear();
  (*ev)->HeldRefs(&held);
  std::sort(held.begin(), held.end());
  (*ev)->Flush(INT64_MAX, &out);
  ASSERT_EQ(out.size(), 2u);
  ASSERT_TRUE(out[1].rollup);
  EXPECT_EQ(out[1].events.size(), kMaxAlertEvents);
  for (std::int64_t ref : out[1].events) {
    EXPECT_TRUE(std::binary_search(held.begin(), held.end(), ref)) << ref;
  }
  EXPECT_EQ(out[1].events.back(), 19999);
  held.clear();
  (*ev)->HeldRefs(&held);
  EXPECT_TRUE(held.empty());
}

TEST(DetectTest, SameEventsSameAlerts) {
  DetectionConfig a = Config(Threshold{3, 120}, 300, {"$.userIdentity.arn"});
  DetectionConfig b = Config();
  b.name = "every";
  b.allowlist.principal_arns = {"user/b*"};
  std::vector<In> events;
  for (int i = 0; i < 200; ++i) {
    events.push_back({i * 7.5, i % 3 == 0 ? "user/bob" : (i % 3 == 1 ? "user/ann" : "user/cy")});
  }
  auto run = [&] {
    auto ev = Evaluator::Create({a, b});
    EXPECT_TRUE(ev.ok());
    std::vector<Alert> out;
    for (std::size_t i = 0; i < events.size(); ++i) {
      for (std::size_t d = 0; d < 2; ++d) {
        Event e = MakeEvent(d == 0 ? a : b, events[i], static_cast<std::int64_t>(i));
        e.detection = d;
        (*ev)->Process(e, &out);
      }
    }
    (*ev)->Flush(INT64_MAX, &out);
    std::vector<std::string> text;
    for (const Alert& x : out) {
      std::string s = x.detection + " " + Summaries({x})[0] + " " + x.trigger.principal_arn;
      for (std::int64_t r : x.events) s += " " + std::to_string(r);
      text.push_back(s);
    }
    return text;
  };
  const auto first = run();
  EXPECT_EQ(first, run());
  // "every" alerts on each event but bob's (allowlisted): 2 of every 3.
  std::size_t every = 0;
  for (const auto& s : first) every += s.rfind("every ", 0) == 0;
  EXPECT_EQ(every, 133u);
}

TEST(DetectTest, SeverityNames) {
  for (Severity s : {Severity::kLow, Severity::kMedium, Severity::kHigh, Severity::kCritical}) {
    EXPECT_EQ(ParseSeverity(SeverityName(s)), s);
  }
  EXPECT_FALSE(ParseSeverity("HIGH").has_value());
}

}  // namespace
}  // namespace trailwatch::detect
