// Prefetcher and ConcurrencyTuner (prefetch.h).
#include "ingest/prefetch.h"

#include <algorithm>

namespace trailwatch::ingest {
namespace {

constexpr double kWorthDoubling = 1.25;  // a doubling must raise the throughput this much
constexpr std::size_t kMinEpochFetches = 8;
constexpr std::size_t kCooldownEpochs = 16;
constexpr std::size_t kProbeWins = 2;

}  // namespace

ConcurrencyTuner::ConcurrencyTuner(std::size_t max) : max_(std::max<std::size_t>(max, 1)) {}

void ConcurrencyTuner::Begin(SteadyTime now) {
  epoch_start_ = now;
  epoch_bytes_ = epoch_fetches_ = 0;
}

std::size_t ConcurrencyTuner::OnFetched(std::size_t bytes, SteadyTime now) {
  epoch_bytes_ += bytes;
  ++epoch_fetches_;
  // Long enough that each fetch slot served about twice.
  if (epoch_fetches_ < std::max(kMinEpochFetches, 2 * limit_)) return limit_;
  const double seconds = std::chrono::duration<double>(now - epoch_start_).count();
  EndEpoch(seconds > 0 ? static_cast<double>(epoch_bytes_) / seconds : 0);
  Begin(now);
  highest_ = std::max(highest_, limit_);
  return limit_;
}

void ConcurrencyTuner::EndEpoch(double rate) {
  if (probing_) {
    // A doubling must win in two epochs in a row: on a busy machine one epoch is noisy.
    if (rate < kWorthDoubling * stable_rate_) {
      probing_ = false;
      probe_wins_ = 0;
      limit_ = stable_;
      cooldown_ = kCooldownEpochs;
      return;
    }
    if (++probe_wins_ < kProbeWins) return;
    probing_ = false;
    probe_wins_ = 0;
    stable_ = limit_;
    stable_rate_ = rate;
    cooldown_ = 0;  // keep climbing
  } else {
    // The baseline a doubling must beat: the mean of the stable limit's last two epochs.
    stable_rate_ = last_rate_ < 0 ? rate : (rate + last_rate_) / 2;
    last_rate_ = rate;
  }
  if (cooldown_ > 0) {
    --cooldown_;
    return;
  }
  if (stable_ < max_) {
    limit_ = std::min(max_, 2 * stable_);
    probing_ = true;
    last_rate_ = -1;
  }
}

Prefetcher::Prefetcher(std::size_t count, Fetch fetch, PrefetchOptions options)
    : fetch_(std::move(fetch)),
      options_(std::move(options)),
      slots_(count),
      tuner_(options_.fetchers) {}

Prefetcher::~Prefetcher() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  may_fetch_.notify_all();
  for (std::thread& t : threads_) t.join();
}

std::size_t Prefetcher::most_at_once() const {
  std::lock_guard lock(mu_);
  return most_at_once_;
}

Result<std::string> Prefetcher::Take(std::size_t index) {
  std::unique_lock lock(mu_);
  if (index >= slots_.size() || slots_[index].taken) {
    return Status::Internal("prefetch: item out of range or taken twice");
  }
  if (threads_.empty()) {
    tuner_.Begin(options_.now());
    AddFetchers();
  }
  if (index >= demand_) {
    demand_ = index + 1;
    may_fetch_.notify_all();
  }
  fetched_.wait(lock, [&] { return slots_[index].value.has_value(); });
  Slot& slot = slots_[index];
  Result<std::string> out = std::move(*slot.value);
  slot.value.reset();
  slot.taken = true;
  if (out.ok()) ready_bytes_ -= out->size();
  while (low_ < slots_.size() && slots_[low_].taken) ++low_;
  may_fetch_.notify_all();
  return out;
}

std::size_t Prefetcher::Limit() const {
  return std::clamp<std::size_t>(options_.tune ? tuner_.limit() : options_.fetchers, 1,
                                 slots_.size());
}

void Prefetcher::AddFetchers() {
  // Threads only up to the limit: every one of them wakes at each change.
  while (!stop_ && threads_.size() < Limit()) threads_.emplace_back([this] { Work(); });
}

bool Prefetcher::MayStart() const {
  if (next_ >= slots_.size()) return false;
  if (in_flight_ >= Limit()) return false;
  if (next_ < demand_) return true;
  return ready_bytes_ < options_.max_ahead_bytes && next_ - low_ < options_.max_ahead_items;
}

void Prefetcher::Work() {
  std::unique_lock lock(mu_);
  for (;;) {
    may_fetch_.wait(lock, [&] { return stop_ || next_ >= slots_.size() || MayStart(); });
    if (stop_ || next_ >= slots_.size()) return;
    const std::size_t i = next_++;
    ++in_flight_;
    most_at_once_ = std::max(most_at_once_, in_flight_);
    lock.unlock();
    Result<std::string> got = fetch_(i);
    const SteadyTime done = options_.now();
    lock.lock();
    --in_flight_;
    const std::size_t bytes = got.ok() ? got->size() : 0;
    ready_bytes_ += bytes;
    slots_[i].value = std::move(got);
    tuner_.OnFetched(bytes, done);
    AddFetchers();
    fetched_.notify_all();
    may_fetch_.notify_all();
  }
}

}  // namespace trailwatch::ingest
