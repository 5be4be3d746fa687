// What the AWS followers (RemoteFollower: s3://, logs://, sqs://) share: the polling thread,
// the handler that hands an object's records to the sink, the counters; their factories.
#ifndef TRAILWATCH_INGEST_FOLLOWER_UTIL_H_
#define TRAILWATCH_INGEST_FOLLOWER_UTIL_H_

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string_view>
#include <thread>

#include "common/status.h"
#include "ingest/ingest.h"

namespace trailwatch::ingest {

// Runs a poll, reports its error to the sink, waits an interval (after an error at least
// `error_pause`) or until stopped.
class PollLoop {
 public:
  ~PollLoop() { Stop(); }

  // `sink` and `url` outlive the loop.
  void Start(std::chrono::milliseconds interval, std::function<Status()> poll, RecordSink* sink,
             std::string_view url,
             std::chrono::milliseconds error_pause = std::chrono::seconds(5)) {
    if (thread_.joinable()) return;
    thread_ = std::thread([this, interval, error_pause, poll = std::move(poll), sink, url] {
      for (;;) {
        auto wait = interval;
        if (Status s = poll(); !s.ok()) {
          sink->OnProblem({url, event::kWholeInput, s.message()});
          wait = std::max(interval, error_pause);
        }
        std::unique_lock lock(mu_);
        if (wake_.wait_for(lock, wait, [&] { return stopping_; })) return;
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

// Hands the records of one object (`name`) to the sink, counting them in `counts`; records
// `keep` refuses are dropped.
class SinkHandler final : public event::RecordHandler {
 public:
  SinkHandler(RecordSink* sink, std::string_view name, RemoteFollowerStats* counts,
              std::function<bool(std::string_view json)> keep = nullptr)
      : sink_(sink), name_(name), counts_(counts), keep_(std::move(keep)) {}

  void OnRecord(std::string_view json, const event::RecordInfo& info) override {
    if (keep_ && !keep_(json)) return;
    RecordOrigin o;
    o.path = name_;
    o.record = info.index;
    o.timestamp_ms = info.timestamp_ms;
    o.padded = info.padded;
    ++counts_->records;
    sink_->OnRecord(json, o);
  }
  void OnMalformed(std::uint64_t index, std::string_view reason) override {
    ++counts_->malformed;
    sink_->OnProblem({name_, index, reason});
  }

 private:
  RecordSink* sink_;
  std::string_view name_;
  RemoteFollowerStats* counts_;
  std::function<bool(std::string_view)> keep_;
};

// Adds one poll's counters to the follower's (under its lock).
inline void AddPoll(RemoteFollowerStats* total, const RemoteFollowerStats& poll, bool failed) {
  ++total->polls;
  total->objects += poll.objects;
  total->records += poll.records;
  total->malformed += poll.malformed;
  total->list_requests += poll.list_requests;
  if (failed) ++total->errors;
}

// FollowRemote's cases (s3_follower.cc, logs_source.cc, sqs_source.cc).
Result<std::unique_ptr<RemoteFollower>> FollowS3(RemoteFollowerOptions options, RecordSink* sink);
Result<std::unique_ptr<RemoteFollower>> FollowLogs(RemoteFollowerOptions options, RecordSink* sink);
Result<std::unique_ptr<RemoteFollower>> FollowSqs(RemoteFollowerOptions options, RecordSink* sink);

}  // namespace trailwatch::ingest

#endif  // TRAILWATCH_INGEST_FOLLOWER_UTIL_H_
