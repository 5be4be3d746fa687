#include "alarm/timeline.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "common/time.h"

namespace trailwatch::alarm {
namespace {

std::int64_t T(const char* iso) { return *ParseIso8601Millis(iso); }

// The alarm CIS prescribes (spec 5.3): Sum over 300 s, >= 1, one evaluation period.
AlarmConfig Cis(const char* name, const char* metric) {
  AlarmConfig c;
  c.name = name;
  c.metric = metrics::MetricKey::Make("CISBenchmark", metric);
  c.statistic = *metrics::StatisticSpec::Parse("Sum");
  c.period_seconds = 300;
  c.evaluation_periods = 1;
  c.threshold = 1;
  c.comparison = Comparison::kGreaterThanOrEqualToThreshold;
  c.alarm_actions = {"arn:aws:sns:us-east-1:123456789012:trailwatch-security-alerts"};
  return c;
}

// The same with Average: a statistic that more data can move either way, so the alarm is
// evaluated only on its schedule, after the lateness.
AlarmConfig Avg(const char* name, const char* metric) {
  AlarmConfig c = Cis(name, metric);
  c.statistic = *metrics::StatisticSpec::Parse("Average");
  return c;
}

Observation Obs(const metrics::MetricKey& metric, std::int64_t time, double value,
                std::int64_t event) {
  Observation o;
  o.metric = metric;
  o.time_ms = time;
  o.value = value;
  o.event = event;
  return o;
}

struct Want {
  const char* time;
  const char* alarm;
  State from;
  State to;
  std::vector<std::int64_t> events;
};

void Expect(const std::vector<TimelineEntry>& got, const std::vector<Want>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(FormatIso8601(got[i].time_ms), want[i].time);
    EXPECT_EQ(got[i].alarm, want[i].alarm);
    EXPECT_EQ(got[i].transition.old_state, want[i].from);
    EXPECT_EQ(got[i].transition.new_state, want[i].to);
    EXPECT_EQ(got[i].events, want[i].events);
  }
}

constexpr State kI = State::kInsufficientData;
constexpr State kA = State::kAlarm;
constexpr State kO = State::kOk;

TEST(TimelineTest, CisAlarmHoldsWhileTheDatapointIsInRangeThenReturnsToInsufficientData) {
  const AlarmConfig root = Cis("CIS-4.3-RootAccountUsage", "RootAccountUsage");
  auto got = RunTimeline({root}, {}, {Obs(root.metric, T("2024-07-31T10:02:30Z"), 1, 7)});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  // Sum >= 1 can only move toward breaching: ALARM as the event arrives, not at 10:03 (the
  // evaluation is that of 10:03 with what is known so far). Range = 1 + max(0, 2) = 3
  // periods: the point stays in range until 10:17:59.
  Expect(*got, {{"2024-07-31T10:02:30Z", "CIS-4.3-RootAccountUsage", kI, kA, {7}},
                {"2024-07-31T10:18:00Z", "CIS-4.3-RootAccountUsage", kA, kI, {}}});
  EXPECT_EQ((*got)[0].transition.actions, root.alarm_actions);
  EXPECT_EQ((*got)[0].transition.reason,
            "Threshold Crossed: 1 datapoint [1.0 (31/07/24 09:58:00)] was greater than or equal "
            "to the threshold (1.0).");
}

// For alarms evaluated on their schedule only; early alarms follow the reading order, as they
// would live (EarlyAlarmsFireAsTheDataArrives).
TEST(TimelineTest, SameTransitionsWhateverTheReadingOrderWithinTheLateness) {
  const AlarmConfig reads = Avg("Reads", "SecretReads");
  std::vector<Observation> obs;
  for (int i = 0; i < 40; ++i) {
    obs.push_back(Obs(reads.metric, T("2024-07-31T10:00:00Z") + i * 47'000, 1, i));
  }
  obs.push_back(Obs(reads.metric, T("2024-07-31T13:00:00Z"), 1, 99));
  auto base = RunTimeline({reads}, {}, obs);
  ASSERT_TRUE(base.ok());
  // Read out of order, but never more than the lateness: blocks of 6 events (47 s apart, so
  // under 5 minutes) shuffled inside, each arriving on the clock of what was read before it.
  std::mt19937 rng(7);
  for (int round = 0; round < 5; ++round) {
    for (std::size_t b = 0; b + 6 <= 40; b += 6) {
      std::shuffle(obs.begin() + static_cast<std::ptrdiff_t>(b),
                   obs.begin() + static_cast<std::ptrdiff_t>(b + 6), rng);
    }
    std::int64_t clock = INT64_MIN;
    for (Observation& o : obs) {
      clock = std::max(clock, o.time_ms);
      o.arrival_ms = clock;
    }
    std::size_t late = 99;
    TimelineOptions options;
    options.late_observations = &late;
    auto again = RunTimeline({reads}, {}, obs, options);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(late, 0u);
    ASSERT_EQ(again->size(), base->size());
    for (std::size_t i = 0; i < base->size(); ++i) {
      EXPECT_EQ((*again)[i].time_ms, (*base)[i].time_ms);
      EXPECT_EQ((*again)[i].transition.new_state, (*base)[i].transition.new_state);
      EXPECT_EQ((*again)[i].transition.reason, (*base)[i].transition.reason);
      EXPECT_EQ((*again)[i].events, (*base)[i].events);
    }
  }
  // A burst, a quiet hour and a second burst: two separate ALARM episodes; contributing
  // events are capped at 10, oldest first.
  ASSERT_EQ(base->size(), 4u);
  EXPECT_EQ((*base)[0].transition.new_state, kA);
  EXPECT_EQ((*base)[0].events, (std::vector<std::int64_t>{0, 1}));  // both before 10:01
  EXPECT_EQ((*base)[2].transition.new_state, kA);
  EXPECT_EQ((*base)[2].events, (std::vector<std::int64_t>{99}));
}

TEST(TimelineTest, TreatMissingDataDecidesQuietSpans) {
  struct Case {
    TreatMissing treat;
    std::vector<Want> want;
  } cases[] = {
      {TreatMissing::kMissing, {}},
      {TreatMissing::kIgnore, {}},
      {TreatMissing::kBreaching, {{"2024-07-31T10:01:00Z", "Quiet", kI, kA, {}}}},
      {TreatMissing::kNotBreaching, {{"2024-07-31T10:01:00Z", "Quiet", kI, kO, {}}}},
  };
  for (const Case& c : cases) {
    AlarmConfig quiet = Cis("Quiet", "Nothing");
    quiet.treat_missing = c.treat;
    TimelineOptions span;
    span.start_ms = T("2024-07-31T10:00:00Z");
    span.end_ms = T("2024-07-31T12:00:00Z");
    auto got = RunTimeline({quiet}, {}, {}, span);
    ASSERT_TRUE(got.ok());
    Expect(*got, c.want);
  }
}

TEST(TimelineTest, EarlyAlarmsFireAsTheDataArrives) {
  const AlarmConfig root = Cis("Root", "RootAccountUsage");
  const std::int64_t t0 = T("2024-07-31T10:02:30Z");
  const struct {
    const char* name;
    std::int64_t arrival;  // event-time clock when the 10:02:30 event was read
    std::vector<Want> want;
  } cases[] = {
      {"in order",
       t0,
       {{"2024-07-31T10:02:30Z", "Root", kI, kA, {7}},
        {"2024-07-31T10:18:00Z", "Root", kA, kI, {}}}},
      // Read at 10:06:30: the evaluations up to 10:06 were made without it, so the alarm
      // changes when it is learnt, on the newest evaluated instant.
      {"4 minutes out of order",
       t0 + 4 * 60'000,
       {{"2024-07-31T10:06:00Z", "Root", kI, kA, {7}},
        {"2024-07-31T10:18:00Z", "Root", kA, kI, {}}}},
      // Read after the datapoint left the evaluation range: never alarms.
      {"an hour out of order", t0 + 60 * 60'000, {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Observation o = Obs(root.metric, t0, 1, 7);
    o.arrival_ms = c.arrival;
    auto got = RunTimeline({root}, {}, {o});
    ASSERT_TRUE(got.ok());
    Expect(*got, c.want);
  }
  // Not early: the statistic or the comparison lets more data move away from the threshold.
  struct Kind {
    const char* statistic;
    Comparison comparison;
    bool early;
  };
  const Kind kinds[] = {{"Sum", Comparison::kGreaterThanOrEqualToThreshold, true},
                        {"SampleCount", Comparison::kGreaterThanThreshold, true},
                        {"Maximum", Comparison::kGreaterThanThreshold, true},
                        {"Minimum", Comparison::kLessThanThreshold, true},
                        {"Sum", Comparison::kLessThanThreshold, false},
                        {"Minimum", Comparison::kGreaterThanThreshold, false},
                        {"Average", Comparison::kGreaterThanThreshold, false},
                        {"p99", Comparison::kGreaterThanThreshold, false}};
  for (const Kind& k : kinds) {
    AlarmConfig c = Cis("K", "M");
    c.statistic = *metrics::StatisticSpec::Parse(k.statistic);
    c.comparison = k.comparison;
    EXPECT_EQ(CanOnlyMoveTowardBreaching(c), k.early) << k.statistic;
  }
}

// The daemon's use: AdvanceTo on the wall clock, Add as records arrive. The same arrivals give
// the replay's transitions.
TEST(TimelineTest, LiveEvaluatorMatchesTheReplay) {
  const std::vector<AlarmConfig> alarms = {Cis("Root", "RootAccountUsage"),
                                           Avg("Avg", "RootAccountUsage")};
  std::vector<Observation> obs;
  const std::int64_t t0 = T("2024-07-31T10:00:00Z");
  for (int i = 0; i < 30; ++i) {
    Observation o = Obs(alarms[0].metric, t0 + i * 97'000 + (i % 7) * 13'000, 1, i);
    o.arrival_ms = o.time_ms + 150;  // delivered 150 ms after the event
    obs.push_back(o);
  }
  std::sort(obs.begin(), obs.end(), [](const Observation& a, const Observation& b) {
    return *a.arrival_ms < *b.arrival_ms;
  });
  TimelineOptions to;
  to.start_ms = t0;
  to.end_ms = t0 + 3 * 3'600'000;
  auto replay = RunTimeline(alarms, {}, obs, to);
  ASSERT_TRUE(replay.ok());
  ASSERT_FALSE(replay->empty());

  Evaluator::Options eo;
  eo.start_ms = *to.start_ms;
  eo.end_ms = to.end_ms;
  auto live = Evaluator::Create(alarms, {}, eo);
  ASSERT_TRUE(live.ok());
  std::vector<TimelineEntry> got;
  std::size_t next = 0;
  // A ticker every 250 ms of wall clock; records are added as their arrival passes.
  for (std::int64_t now = t0; now <= *to.end_ms + 3'600'000; now += 250) {
    for (; next < obs.size() && *obs[next].arrival_ms <= now; ++next) {
      (*live)->AdvanceTo(*obs[next].arrival_ms - 1, &got);
      (*live)->Add(obs[next], &got);
    }
    (*live)->AdvanceTo(now, &got);
    if (now % 600'000 == 0) (*live)->Prune(now - 10 * 60'000);
  }
  std::stable_sort(got.begin(), got.end(), [](const TimelineEntry& a, const TimelineEntry& b) {
    return a.time_ms < b.time_ms;
  });
  ASSERT_EQ(got.size(), replay->size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(got[i].time_ms, (*replay)[i].time_ms);
    EXPECT_EQ(got[i].alarm, (*replay)[i].alarm);
    EXPECT_EQ(got[i].transition.new_state, (*replay)[i].transition.new_state);
    EXPECT_EQ(got[i].transition.reason, (*replay)[i].transition.reason);
    EXPECT_EQ(got[i].events, (*replay)[i].events);
  }
  const auto states = (*live)->States();
  ASSERT_EQ(states.size(), 2u);
  EXPECT_EQ(states[0].name, "Root");
}

TEST(TimelineTest, ABusyMetricKeepsOnlyTheEventsAChangeCanName) {
  // 3,000 events in five minutes, arriving out of order (within the lateness): a change names
  // the earliest 10 of its breaching slot, Add said "kept" for each of them (the daemon keeps
  // their descriptions), and it said so for few events in all.
  AlarmConfig avg = Avg("Avg", "SecretRead");
  avg.metric = metrics::MetricKey::Make("CISBenchmark", "SecretRead");
  const std::vector<AlarmConfig> alarms = {Cis("Sum", "SecretRead"), avg};
  const std::int64_t t0 = T("2024-07-31T10:00:00Z");
  std::vector<Observation> obs;
  for (int i = 0; i < 3000; ++i) obs.push_back(Obs(alarms[0].metric, t0 + i * 100, 1, i));
  std::mt19937 rng(7);
  std::shuffle(obs.begin(), obs.end(), rng);
  Evaluator::Options eo;
  eo.start_ms = t0 - 1;
  auto live = Evaluator::Create(alarms, {}, eo);
  ASSERT_TRUE(live.ok());
  std::vector<TimelineEntry> got;
  std::vector<bool> kept(obs.size(), false);
  std::size_t said_kept = 0;
  for (const Observation& o : obs) {
    if ((*live)->Add(o, &got)) {
      kept[static_cast<std::size_t>(o.event)] = true;
      ++said_kept;
    }
  }
  (*live)->AdvanceTo(t0 + 3'600'000, &got);
  // Five minutes are 30 buckets of 10 s holding 100 events each. In time order exactly 10 of
  // each would be kept; in random order an event is kept if it is among the 10 earliest seen
  // so far, about 10 + 10 ln(100 / 10) = 33 per bucket.
  EXPECT_LE(said_kept, 30u * 40u);
  std::size_t alarms_named = 0;
  for (const TimelineEntry& e : got) {
    if (e.transition.new_state != State::kAlarm) continue;
    ++alarms_named;
    // Sum >= 1 fires early, on the first arrival, naming it; Average waits for the lateness
    // and sees everything.
    if (e.alarm == "Avg") {
      EXPECT_EQ(e.events, (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
    } else {
      EXPECT_EQ(e.events, (std::vector<std::int64_t>{obs[0].event}));
    }
    for (std::int64_t ev : e.events) EXPECT_TRUE(kept[static_cast<std::size_t>(ev)]) << ev;
  }
  EXPECT_EQ(alarms_named, 2u);

  // In time order, exactly the earliest 10 of each bucket.
  std::sort(obs.begin(), obs.end(),
            [](const Observation& a, const Observation& b) { return a.event < b.event; });
  auto ordered = Evaluator::Create(alarms, {}, eo);
  ASSERT_TRUE(ordered.ok());
  std::vector<std::int64_t> kept_in_order;
  for (const Observation& o : obs) {
    if ((*ordered)->Add(o, &got)) kept_in_order.push_back(o.event);
  }
  ASSERT_EQ(kept_in_order.size(), 300u);
  for (std::size_t i = 0; i < kept_in_order.size(); ++i) {
    EXPECT_EQ(kept_in_order[i] % 100, static_cast<std::int64_t>(i % 10)) << i;
  }
}

TEST(TimelineTest, CompositeFollowsItsChildrenAtTheSameInstant) {
  const AlarmConfig a = Cis("A", "MetricA");
  const AlarmConfig b = Cis("B", "MetricB");
  auto rule = CompileRule("ALARM(A) AND ALARM(B)");
  ASSERT_TRUE(rule.ok());
  CompositeDefinition both;
  both.name = "Both";
  both.arn = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:Both";
  both.rule = *rule;
  auto got = RunTimeline({a, b}, {both},
                         {Obs(a.metric, T("2024-07-31T10:00:10Z"), 1, 1),
                          Obs(b.metric, T("2024-07-31T10:04:10Z"), 1, 2)});
  ASSERT_TRUE(got.ok());
  // The composite starts in INSUFFICIENT_DATA and is OK as soon as it is evaluated; A and B
  // (Sum >= 1) change as their events arrive.
  Expect(*got, {{"2024-07-31T10:00:10Z", "A", kI, kA, {1}},
                {"2024-07-31T10:00:10Z", "Both", kI, kO, {}},
                {"2024-07-31T10:04:10Z", "B", kI, kA, {2}},
                {"2024-07-31T10:04:10Z", "Both", kO, kA, {}},
                {"2024-07-31T10:16:00Z", "A", kA, kI, {}},
                {"2024-07-31T10:16:00Z", "Both", kA, kO, {}},
                {"2024-07-31T10:20:00Z", "B", kA, kI, {}}});
  EXPECT_TRUE((*got)[3].composite);
  EXPECT_NE((*got)[3].transition.reason.find(":alarm:B transitioned to ALARM at"),
            std::string::npos);
  ASSERT_EQ((*got)[3].triggering.size(), 1u);
  EXPECT_EQ((*got)[3].triggering[0].arn, b.Arn());
  EXPECT_EQ((*got)[3].triggering[0].state, kA);
  EXPECT_EQ(FormatIso8601((*got)[3].triggering[0].time_ms), "2024-07-31T10:04:10Z");
}

TEST(TimelineTest, CompositeReasonNamesItsOwnChildNotAnotherAlarm) {
  // C changes at the same instant as A but is not in the rule: the reason must name A.
  const AlarmConfig c = Cis("C", "MetricC");
  const AlarmConfig a = Cis("A", "MetricA");
  auto rule = CompileRule("ALARM(A)");
  ASSERT_TRUE(rule.ok());
  CompositeDefinition only_a;
  only_a.name = "OnlyA";
  only_a.arn = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:OnlyA";
  only_a.rule = *rule;
  auto got = RunTimeline({c, a}, {only_a},
                         {Obs(c.metric, T("2024-07-31T10:04:10Z"), 1, 1),
                          Obs(a.metric, T("2024-07-31T10:04:20Z"), 1, 2)});
  ASSERT_TRUE(got.ok());
  const auto it = std::find_if(got->begin(), got->end(), [](const TimelineEntry& e) {
    return e.alarm == "OnlyA" && e.transition.new_state == kA;
  });
  ASSERT_NE(it, got->end());
  EXPECT_NE(it->transition.reason.find(":alarm:A transitioned"), std::string::npos);
  ASSERT_EQ(it->triggering.size(), 1u);
  EXPECT_EQ(it->triggering[0].arn, a.Arn());
}

// Reading order matters only beyond the allowed lateness: an event read after events more
// than L newer arrived too late for the evaluations a live system had already made.
TEST(TimelineTest, LatenessDecidesWhichOutOfOrderEventsCount) {
  const AlarmConfig root = Avg("Root", "RootAccountUsage");
  const std::int64_t t0 = T("2024-07-31T10:02:30Z");
  const struct {
    const char* name;
    std::int64_t arrival;  // event-time clock when the 10:02:30 event was read
    std::int64_t lateness;
    std::size_t late;
    std::vector<Want> want;
  } cases[] = {
      {"in order",
       t0,
       5 * 60'000,
       0,
       {{"2024-07-31T10:03:00Z", "Root", kI, kA, {7}},
        {"2024-07-31T10:18:00Z", "Root", kA, kI, {}}}},
      {"4 minutes out of order, lateness 5",
       t0 + 4 * 60'000,
       5 * 60'000,
       0,
       {{"2024-07-31T10:03:00Z", "Root", kI, kA, {7}},
        {"2024-07-31T10:18:00Z", "Root", kA, kI, {}}}},
      // Arrives at 10:12:30; with L = 5 min the evaluations up to 10:07 are done without it.
      {"10 minutes out of order, lateness 5",
       t0 + 10 * 60'000,
       5 * 60'000,
       1,
       {{"2024-07-31T10:08:00Z", "Root", kI, kA, {7}},
        {"2024-07-31T10:18:00Z", "Root", kA, kI, {}}}},
      {"10 minutes out of order, lateness 15",
       t0 + 10 * 60'000,
       15 * 60'000,
       0,
       {{"2024-07-31T10:03:00Z", "Root", kI, kA, {7}},
        {"2024-07-31T10:18:00Z", "Root", kA, kI, {}}}},
      // Arrives after the datapoint left the evaluation range: never alarms.
      {"an hour out of order, lateness 0", t0 + 60 * 60'000, 0, 1, {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::size_t late = 99;
    TimelineOptions options;
    options.lateness_ms = c.lateness;
    options.late_observations = &late;
    Observation o = Obs(root.metric, t0, 1, 7);
    o.arrival_ms = c.arrival;
    auto got = RunTimeline({root}, {}, {o}, options);
    ASSERT_TRUE(got.ok());
    Expect(*got, c.want);
    EXPECT_EQ(late, c.late);
  }
}

TEST(TimelineTest, InvalidAlarmIsAnError) {
  AlarmConfig bad = Cis("Bad", "M");
  bad.period_seconds = 45;
  auto got = RunTimeline({bad}, {}, {});
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("Bad"), std::string::npos);
}

}  // namespace
}  // namespace trailwatch::alarm
