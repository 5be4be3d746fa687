// Shared between evaluate.cc (the decision) and reason.cc (its StateReason/StateReasonData).
#ifndef TRAILWATCH_ALARM_EVALUATE_INTERNAL_H_
#define TRAILWATCH_ALARM_EVALUATE_INTERNAL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "alarm/alarm.h"
#include "metrics/metrics.h"

namespace trailwatch::alarm::internal {

// One period slot that took part in a decision.
struct EvaluatedSlot {
  std::int64_t start_ms = 0;
  std::optional<metrics::Datapoint> point;  // nullopt: missing period
};

enum class OutcomeKind : std::uint8_t {
  kInsufficient,  // missing + no data: "Insufficient Data: ..."
  kThreshold,     // "Threshold Crossed: ..."
};

struct Outcome {
  OutcomeKind kind = OutcomeKind::kThreshold;
  State state = State::kOk;
  std::vector<EvaluatedSlot> slots;  // newest first; real points and the missing periods used
  // Missing periods filled with the TreatMissingData value (breaching / notBreaching only).
  std::uint32_t filled = 0;
};

std::string BuildReason(const AlarmConfig& config, const Outcome& outcome);
std::string BuildReasonData(const AlarmConfig& config, const Outcome& outcome,
                            std::int64_t query_time_ms);

}  // namespace trailwatch::alarm::internal

#endif  // TRAILWATCH_ALARM_EVALUATE_INTERNAL_H_
