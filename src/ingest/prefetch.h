// Prefetcher: fetches the objects of a listing on a few threads ahead of the thread that parses
// them, so that network waits overlap parsing. How many fetches run at once is tuned while it
// runs: S3 serves many GETs in parallel (each costs tens of milliseconds, mostly waiting), while
// a server on the same machine (moto, MinIO on a laptop) is slowed by them.
#ifndef TRAILWATCH_INGEST_PREFETCH_H_
#define TRAILWATCH_INGEST_PREFETCH_H_

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"

namespace trailwatch::ingest {

using SteadyTime = std::chrono::steady_clock::time_point;

// Finds how many fetches at once fetch fastest. It starts at one and doubles while a doubling
// raises the throughput (bytes per second over an epoch of several fetches) by a quarter or more,
// two epochs in a row; after a doubling that did not, it settles back and tries again some
// epochs later, since conditions change (the parser was the bottleneck for a while, the server
// warmed up).
class ConcurrencyTuner {
 public:
  explicit ConcurrencyTuner(std::size_t max);
  void Begin(SteadyTime now);
  // A fetch of `bytes` finished at `now`; returns the limit from now on.
  std::size_t OnFetched(std::size_t bytes, SteadyTime now);
  std::size_t limit() const { return limit_; }
  std::size_t highest() const { return highest_; }

 private:
  void EndEpoch(double rate);

  const std::size_t max_;
  std::size_t limit_ = 1;
  std::size_t highest_ = 1;
  std::size_t stable_ = 1;      // the limit that was measured best
  double stable_rate_ = -1;     // its throughput; < 0 before the first epoch
  double last_rate_ = -1;       // the stable limit's previous epoch; < 0: none since a change
  bool probing_ = false;        // limit_ is a doubling of stable_ under trial
  std::size_t probe_wins_ = 0;  // epochs the trial has won so far
  std::size_t cooldown_ = 0;    // epochs until the next trial
  SteadyTime epoch_start_{};
  std::size_t epoch_bytes_ = 0;
  std::size_t epoch_fetches_ = 0;
};

struct PrefetchOptions {
  std::size_t fetchers = 16;  // most fetches at once (each its own connection)
  bool tune = true;           // false: always `fetchers` at once
  // How far fetching may run ahead of the lowest item not yet taken: fetched bytes waiting, and
  // items. An item someone waits for is fetched whatever the budget, with those before it.
  std::size_t max_ahead_bytes = std::size_t{64} << 20;
  std::size_t max_ahead_items = 64;
  std::function<SteadyTime()> now = [] { return std::chrono::steady_clock::now(); };
};

class Prefetcher {
 public:
  // `fetch(i)` returns item i's bytes; it is called from the fetch threads, in index order
  // (each index once), and outlives the prefetcher.
  using Fetch = std::function<Result<std::string>(std::size_t index)>;

  Prefetcher(std::size_t count, Fetch fetch, PrefetchOptions options = {});
  // Waits for the fetches under way; starts no more.
  ~Prefetcher();
  Prefetcher(const Prefetcher&) = delete;
  Prefetcher& operator=(const Prefetcher&) = delete;

  // Item `index`, waiting for it. The fetch threads start at the first call. Each item can be
  // taken once, in any order (in order is what fetching ahead is good for).
  Result<std::string> Take(std::size_t index);

  std::size_t count() const { return slots_.size(); }
  // The most fetches that were under way at once.
  std::size_t most_at_once() const;

 private:
  struct Slot {
    std::optional<Result<std::string>> value;
    bool taken = false;
  };

  // mu_ held:
  std::size_t Limit() const;
  bool MayStart() const;
  void AddFetchers();
  void Work();

  const Fetch fetch_;
  const PrefetchOptions options_;
  mutable std::mutex mu_;
  std::condition_variable fetched_;    // an item arrived
  std::condition_variable may_fetch_;  // a fetch may be possible
  std::vector<Slot> slots_;
  ConcurrencyTuner tuner_;
  std::size_t next_ = 0;         // the next index to fetch
  std::size_t low_ = 0;          // the lowest index not yet taken
  std::size_t demand_ = 0;       // every index below it is wanted now
  std::size_t ready_bytes_ = 0;  // fetched, not yet taken
  std::size_t in_flight_ = 0;
  std::size_t most_at_once_ = 0;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace trailwatch::ingest

#endif  // TRAILWATCH_INGEST_PREFETCH_H_
