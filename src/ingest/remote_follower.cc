// RemoteFollower and FollowRemote (ingest.h).
#include <fmt/format.h>

#include "ingest/follower_util.h"
#include "ingest/ingest.h"

namespace trailwatch::ingest {

RemoteFollower::RemoteFollower(RecordSink* sink, std::string url,
                               std::chrono::milliseconds interval)
    : sink_(sink), url_(std::move(url)), interval_(interval), loop_(std::make_unique<PollLoop>()) {}

RemoteFollower::~RemoteFollower() { Stop(); }

void RemoteFollower::Start() {
  loop_->Start(
      interval_, [this] { return PollOnce(); }, sink_, url_);
}

void RemoteFollower::Stop() { loop_->Stop(); }

Status RemoteFollower::PollOnce() {
  std::lock_guard lock(poll_mu_);
  RemoteFollowerStats delta;
  const Status status = Poll(&delta);
  std::lock_guard s(stats_mu_);
  AddPoll(&stats_, delta, !status.ok());
  return status;
}

RemoteFollowerStats RemoteFollower::stats() const {
  std::lock_guard lock(stats_mu_);
  return stats_;
}

Result<std::unique_ptr<RemoteFollower>> FollowRemote(RemoteFollowerOptions options,
                                                     RecordSink* sink) {
  if (options.url.starts_with("s3://")) return FollowS3(std::move(options), sink);
  if (options.url.starts_with("logs://")) return FollowLogs(std::move(options), sink);
  if (options.url.starts_with("sqs://")) return FollowSqs(std::move(options), sink);
  return Status::InvalidArgument(fmt::format("{}: expected s3://, logs:// or sqs://", options.url));
}

}  // namespace trailwatch::ingest
