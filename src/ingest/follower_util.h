// The polling thread of the AWS followers (S3Follower, LogsFollower): runs a poll, reports its
// error, waits an interval or until stopped.
#ifndef TRAILWATCH_INGEST_POLL_LOOP_H_
#define TRAILWATCH_INGEST_POLL_LOOP_H_

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "common/status.h"

namespace trailwatch::ingest {

class PollLoop {
 public:
  ~PollLoop() { Stop(); }

  void Start(std::chrono::milliseconds interval, std::function<Status()> poll,
             std::function<void(const Status&)> on_error) {
    if (thread_.joinable()) return;
    thread_ = std::thread([this, interval, poll = std::move(poll), on_error = std::move(on_error)] {
      for (;;) {
        if (Status s = poll(); !s.ok()) on_error(s);
        std::unique_lock lock(mu_);
        if (wake_.wait_for(lock, interval, [&] { return stopping_; })) return;
      }
    });
  }

  void Stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace trailwatch::ingest

#endif  // TRAILWATCH_INGEST_POLL_LOOP_H_
