// Tests of ingest::ConcurrencyTuner against simulated servers (deterministic: virtual time),
// and of ingest::Prefetcher with an in-memory fetch function: contents and order, the budgets
// that bound how far fetching runs ahead, errors, out-of-order demand, shutdown with fetches
// pending, and the tuning against a parallel and a serial server. Waits poll with a deadline;
// nothing depends on a sleep being enough.
#include "ingest/prefetch.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace trailwatch::ingest {
namespace {
using namespace std::chrono_literals;

bool Eventually(const std::function<bool()>& done) {
  for (auto until = std::chrono::steady_clock::now() + 5s; std::chrono::steady_clock::now() < until;
       std::this_thread::sleep_for(1ms)) {
    if (done()) return true;
  }
  return done();
}

std::string Item(std::size_t i) { return "object-" + std::to_string(i); }

struct TunerCase {
  const char* name;
  std::function<double(std::size_t)> bytes_per_second;  // the server's throughput at k at once
  std::size_t settles_at;                               // the limit most fetches complete under
  std::size_t highest;                                  // the highest limit tried
};

TEST(ConcurrencyTuner, SettlesWhereMoreAtOnceStopsPaying) {
  const TunerCase cases[] = {
      {"parallel server (S3)", [](std::size_t k) { return 8e6 * static_cast<double>(k); }, 16, 16},
      {"saturates at four",
       [](std::size_t k) { return 8e6 * static_cast<double>(std::min<std::size_t>(k, 4)); }, 4, 8},
      {"serial server", [](std::size_t) { return 100e6; }, 1, 2},
      {"slowed by concurrency (moto)",
       [](std::size_t k) { return 100e6 / (1 + 0.1 * static_cast<double>(k - 1)); }, 1, 2},
  };
  for (const TunerCase& c : cases) {
    SCOPED_TRACE(c.name);
    ConcurrencyTuner tuner(16);
    SteadyTime now{};
    tuner.Begin(now);
    std::map<std::size_t, int> completions_at;
    for (int i = 0; i < 2000; ++i) {
      constexpr std::size_t kBytes = 250'000;
      const std::size_t k = tuner.limit();
      now += std::chrono::nanoseconds(
          static_cast<std::int64_t>(1e9 * static_cast<double>(kBytes) / c.bytes_per_second(k)));
      tuner.OnFetched(kBytes, now);
      if (i >= 500) ++completions_at[k];  // after the ramp
    }
    const auto mode = std::max_element(completions_at.begin(), completions_at.end(),
                                       [](auto& a, auto& b) { return a.second < b.second; });
    EXPECT_EQ(mode->first, c.settles_at);
    EXPECT_GE(mode->second, 1500 * 3 / 4) << "probes are a small share of the fetches";
    EXPECT_EQ(tuner.highest(), c.highest);
  }
}

TEST(ConcurrencyTuner, ClimbsBackWhenTheServerGetsFaster) {
  ConcurrencyTuner tuner(16);
  SteadyTime now{};
  tuner.Begin(now);
  bool parallel = false;
  for (int i = 0; i < 3000; ++i) {
    if (i == 1000) parallel = true;  // say the parser stopped being the bottleneck
    const double rate = parallel ? 8e6 * static_cast<double>(tuner.limit()) : 8e6;
    now += std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 * 250'000 / rate));
    tuner.OnFetched(250'000, now);
    if (i == 999) {
      EXPECT_EQ(tuner.limit(), 1u);
    }
  }
  EXPECT_EQ(tuner.limit(), 16u);
}

TEST(Prefetcher, EveryItemOnceWithItsBytesWhateverTheFetcherCount) {
  for (std::size_t fetchers : {1u, 2u, 8u, 100u}) {
    SCOPED_TRACE(fetchers);
    std::vector<std::atomic<int>> calls(50);
    Prefetcher pre(
        calls.size(),
        [&](std::size_t i) -> Result<std::string> {
          ++calls[i];
          return Item(i);
        },
        {.fetchers = fetchers, .tune = false, .max_ahead_bytes = 1 << 20, .max_ahead_items = 4});
    for (std::size_t i = 0; i < calls.size(); ++i) {
      auto got = pre.Take(i);
      ASSERT_TRUE(got.ok()) << got.status().message();
      EXPECT_EQ(*got, Item(i));
    }
    for (std::size_t i = 0; i < calls.size(); ++i) EXPECT_EQ(calls[i].load(), 1) << i;
  }
}

struct BudgetCase {
  const char* name;
  PrefetchOptions options;
  std::size_t item_bytes;
  std::size_t fetched_after_first_take;  // items fetched once fetching has stalled
};

// One fetcher, so that nothing is in flight when the budget is checked: the stall point is exact.
TEST(Prefetcher, FetchingRunsAheadOnlyWithinItsBudgets) {
  const BudgetCase cases[] = {
      {"items", {.fetchers = 1, .max_ahead_bytes = 1 << 30, .max_ahead_items = 3}, 10, 1 + 3},
      {"bytes", {.fetchers = 1, .max_ahead_bytes = 2000, .max_ahead_items = 64}, 1000, 1 + 2},
      {"bytes, rounded up",
       {.fetchers = 1, .max_ahead_bytes = 2500, .max_ahead_items = 64},
       1000,
       1 + 3},
  };
  for (const BudgetCase& c : cases) {
    SCOPED_TRACE(c.name);
    std::atomic<std::size_t> fetched = 0;
    Prefetcher pre(
        20,
        [&](std::size_t) -> Result<std::string> {
          ++fetched;
          return std::string(c.item_bytes, 'x');
        },
        c.options);
    ASSERT_TRUE(pre.Take(0).ok());
    EXPECT_TRUE(Eventually([&] { return fetched == c.fetched_after_first_take; })) << fetched;
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(fetched, c.fetched_after_first_take) << "fetching stops at the budget";
    ASSERT_TRUE(pre.Take(1).ok());
    EXPECT_TRUE(Eventually([&] { return fetched == c.fetched_after_first_take + 1; }))
        << "taking one item lets one more be fetched: " << fetched;
  }
}

TEST(Prefetcher, NoFetchRunsFurtherAheadThanTheItemBudgetWithManyFetchers) {
  constexpr std::size_t kAhead = 5;
  std::atomic<std::size_t> wanted = 0, worst = 0;
  Prefetcher pre(
      200,
      [&](std::size_t i) -> Result<std::string> {
        // Taken items are below `wanted` + 1; fetching may start only kAhead past them.
        const std::size_t lead = i - std::min(i, wanted.load());
        for (std::size_t w = worst; lead > w && !worst.compare_exchange_weak(w, lead);) {
        }
        return Item(i);
      },
      {.fetchers = 8, .tune = false, .max_ahead_bytes = 1 << 30, .max_ahead_items = kAhead});
  for (std::size_t i = 0; i < 200; ++i) {
    wanted = i;
    ASSERT_TRUE(pre.Take(i).ok());
  }
  EXPECT_LE(worst.load(), kAhead);
}

TEST(Prefetcher, AFailedFetchIsThatItemsResultOnly) {
  Prefetcher pre(5, [](std::size_t i) -> Result<std::string> {
    if (i == 2) return Status::IoError("GET object-2: connection reset");
    return Item(i);
  });
  for (std::size_t i = 0; i < 5; ++i) {
    auto got = pre.Take(i);
    if (i == 2) {
      ASSERT_FALSE(got.ok());
      EXPECT_EQ(got.status().message(), "GET object-2: connection reset");
    } else {
      ASSERT_TRUE(got.ok()) << i;
      EXPECT_EQ(*got, Item(i));
    }
  }
}

TEST(Prefetcher, AnItemWantedBeyondTheBudgetIsFetchedAndTheRestStillArrive) {
  Prefetcher pre(10, [](std::size_t i) -> Result<std::string> { return Item(i); },
                 {.fetchers = 2, .tune = false, .max_ahead_bytes = 1, .max_ahead_items = 1});
  auto seventh = pre.Take(7);
  ASSERT_TRUE(seventh.ok());
  EXPECT_EQ(*seventh, Item(7));
  for (std::size_t i = 0; i < 10; ++i) {
    if (i == 7) continue;
    auto got = pre.Take(i);
    ASSERT_TRUE(got.ok()) << i;
    EXPECT_EQ(*got, Item(i));
  }
}

TEST(Prefetcher, TakingTwiceOrOutOfRangeIsAnError) {
  Prefetcher pre(2, [](std::size_t i) -> Result<std::string> { return Item(i); });
  ASSERT_TRUE(pre.Take(0).ok());
  EXPECT_FALSE(pre.Take(0).ok());
  EXPECT_FALSE(pre.Take(2).ok());
  Prefetcher empty(0, [](std::size_t i) -> Result<std::string> { return Item(i); });
  EXPECT_FALSE(empty.Take(0).ok());
}

TEST(Prefetcher, DestroyedWithItemsUntakenItWaitsForFetchesUnderWayAndStartsNoMore) {
  std::atomic<std::size_t> fetched = 0;
  std::atomic<bool> slow_done = false;
  {
    Prefetcher pre(
        100,
        [&](std::size_t i) -> Result<std::string> {
          ++fetched;
          if (i == 1) {
            std::this_thread::sleep_for(100ms);
            slow_done = true;
          }
          return Item(i);
        },
        {.fetchers = 2, .tune = false, .max_ahead_bytes = 1 << 20, .max_ahead_items = 3});
    ASSERT_TRUE(pre.Take(0).ok());
    ASSERT_TRUE(Eventually([&] { return fetched >= 2; }));
  }
  EXPECT_TRUE(slow_done) << "the destructor waited for the fetch under way";
  EXPECT_LE(fetched.load(), 1u + 3u + 1u);
}

// Real threads and real time: the fetch functions stand for a server that serves GETs in
// parallel (S3: the latency is waiting) and one that serves them one at a time.
TEST(Prefetcher, TunesHowManyFetchesRunAtOnce) {
  PrefetchOptions options;
  options.fetchers = 16;
  {
    Prefetcher pre(
        300,
        [](std::size_t i) -> Result<std::string> {
          std::this_thread::sleep_for(3ms);
          return Item(i);
        },
        options);
    for (std::size_t i = 0; i < 300; ++i) ASSERT_TRUE(pre.Take(i).ok());
    EXPECT_GE(pre.most_at_once(), 8u) << "a parallel server gets many GETs at once";
  }
  {
    std::mutex server;
    Prefetcher pre(
        300,
        [&](std::size_t i) -> Result<std::string> {
          std::lock_guard one_at_a_time(server);
          std::this_thread::sleep_for(1ms);
          return std::string(100'000, static_cast<char>('a' + i % 26));
        },
        options);
    for (std::size_t i = 0; i < 300; ++i) ASSERT_TRUE(pre.Take(i).ok());
    EXPECT_LE(pre.most_at_once(), 4u) << "a serial server gets few GETs at once";
  }
}

}  // namespace
}  // namespace trailwatch::ingest
