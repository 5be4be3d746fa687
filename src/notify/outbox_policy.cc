// Retry schedules: SNS's delivery policies (spec cloudwatch.md 4.8) as a pure function of the
// number of attempts made, so the schedule is tested as a table and the same on every restart.
#include <algorithm>
#include <cmath>

#include "notify/notify.h"

namespace trailwatch::notify {
namespace {

// Where a backoff step lies between min and max delay, for t in [0, 1]. AWS documents the
// four functions only as a graph of their shapes: linear is a straight line, exponential
// starts slowly and ends steeply, arithmetic and geometric rise early and flatten. Ours keep
// those shapes: exponential multiplies by a constant ratio per step (min * (max/min)^t),
// arithmetic and geometric are concave (quadratic and cubic ease-out).
double BackoffPosition(BackoffFunction f, double t, double min_delay, double max_delay) {
  switch (f) {
    case BackoffFunction::kLinear:
      return min_delay + (max_delay - min_delay) * t;
    case BackoffFunction::kArithmetic:
      return min_delay + (max_delay - min_delay) * (1.0 - (1.0 - t) * (1.0 - t));
    case BackoffFunction::kGeometric:
      return min_delay + (max_delay - min_delay) * (1.0 - (1.0 - t) * (1.0 - t) * (1.0 - t));
    case BackoffFunction::kExponential:
      if (min_delay <= 0.0) return max_delay * t;
      return min_delay * std::pow(max_delay / min_delay, t);
  }
  return max_delay;
}

}  // namespace

RetryPolicy DefaultRetryPolicy(Protocol protocol) {
  RetryPolicy p;
  switch (protocol) {
    case Protocol::kHttp:
    case Protocol::kHttps:
    case Protocol::kSlack:
      // SNS's default HTTP/S policy: numRetries 3, min = max = 20 s, linear; retrying ends
      // one hour after the publish at the latest.
      p.num_retries = 3;
      p.min_delay_ms = 20'000;
      p.max_delay_ms = 20'000;
      p.backoff = BackoffFunction::kLinear;
      p.max_total_ms = 3'600'000;
      break;
    case Protocol::kEmail:
    case Protocol::kEmailJson:
      // SNS's fixed policy for customer-managed endpoints (SMTP/email, SMS, mobile push):
      // 0 immediate, 2 at 10 s, 10 exponential 10-600 s, 38 at 600 s.
      p.num_retries = 50;
      p.num_no_delay_retries = 0;
      p.num_min_delay_retries = 2;
      p.num_max_delay_retries = 38;
      p.min_delay_ms = 10'000;
      p.max_delay_ms = 600'000;
      p.backoff = BackoffFunction::kExponential;
      break;
    case Protocol::kSns:
      // SNS's policy for AWS-managed endpoints (SQS, Lambda): 3 at once, 2 at 1 s, 10
      // exponential 1-20 s, then 20 s apart (AWS goes on for 23 days; one day here).
      p.num_retries = 3 + 2 + 10 + 4'300;
      p.num_no_delay_retries = 3;
      p.num_min_delay_retries = 2;
      p.num_max_delay_retries = 4'300;
      p.min_delay_ms = 1'000;
      p.max_delay_ms = 20'000;
      p.backoff = BackoffFunction::kExponential;
      break;
    case Protocol::kFile:
      // Ours: a local file either works or needs an operator; a few quick retries ride out a
      // momentary full disk.
      p.num_retries = 3;
      p.min_delay_ms = 1'000;
      p.max_delay_ms = 4'000;
      p.backoff = BackoffFunction::kExponential;
      break;
  }
  return p;
}

std::optional<std::int64_t> RetryDelayMs(const RetryPolicy& policy, int attempts) {
  const int retry = attempts;  // the retry that would come next, counted from 1
  if (retry < 1 || retry > policy.num_retries) return std::nullopt;
  const int no_delay = std::max(policy.num_no_delay_retries, 0);
  const int min_phase = std::max(policy.num_min_delay_retries, 0);
  const int max_phase = std::max(policy.num_max_delay_retries, 0);
  const int backoff = std::max(policy.num_retries - no_delay - min_phase - max_phase, 0);
  if (retry <= no_delay) return 0;
  if (retry <= no_delay + min_phase) return policy.min_delay_ms;
  if (retry <= no_delay + min_phase + backoff) {
    const int step = retry - no_delay - min_phase - 1;  // 0 .. backoff-1
    // One backoff retry waits the minimum; more spread evenly from minimum to maximum.
    const double t = backoff > 1 ? static_cast<double>(step) / (backoff - 1) : 0.0;
    const double delay =
        BackoffPosition(policy.backoff, t, static_cast<double>(policy.min_delay_ms),
                        static_cast<double>(policy.max_delay_ms));
    return static_cast<std::int64_t>(std::llround(delay));
  }
  return policy.max_delay_ms;
}

std::optional<std::int64_t> RetryDelayMs(Protocol protocol, int attempts) {
  return RetryDelayMs(DefaultRetryPolicy(protocol), attempts);
}

std::string_view OutboxStateName(OutboxState state) {
  switch (state) {
    case OutboxState::kPending:
      return "pending";
    case OutboxState::kDelivered:
      return "delivered";
    case OutboxState::kDead:
      return "dead";
  }
  return "pending";
}

Result<OutboxState> ParseOutboxState(std::string_view name) {
  for (OutboxState s : {OutboxState::kPending, OutboxState::kDelivered, OutboxState::kDead}) {
    if (OutboxStateName(s) == name) return s;
  }
  return Status::InvalidArgument("unknown outbox state '" + std::string(name) + "'");
}

}  // namespace trailwatch::notify
