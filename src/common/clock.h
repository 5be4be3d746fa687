// Clock: the injectable source of "now". Production code takes a Clock& instead of calling
// std::chrono directly, so alarm windows and timeouts are testable with FakeClock.
//
// Thread safety: SystemClock is stateless; FakeClock is safe for concurrent Now() and Advance().
#ifndef TRAILWATCH_COMMON_CLOCK_H_
#define TRAILWATCH_COMMON_CLOCK_H_

#include <atomic>
#include <chrono>
#include <cstdint>

namespace trailwatch {

using TimePoint = std::chrono::time_point<std::chrono::system_clock, std::chrono::milliseconds>;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override;
  // A process-wide instance for wiring in main(); components still take Clock&.
  static SystemClock& Instance();
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start) : ms_(start.time_since_epoch().count()) {}
  TimePoint Now() const override { return TimePoint(std::chrono::milliseconds(ms_.load())); }
  void Advance(std::chrono::milliseconds d) { ms_ += d.count(); }

 private:
  std::atomic<std::int64_t> ms_;
};

}  // namespace trailwatch

#endif  // TRAILWATCH_COMMON_CLOCK_H_
