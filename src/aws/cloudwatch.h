// CloudWatch PutMetricData (the query protocol): how trailwatch exports its own metrics.
#ifndef TRAILWATCH_AWS_CLOUDWATCH_H_
#define TRAILWATCH_AWS_CLOUDWATCH_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "aws/client.h"
#include "common/status.h"

namespace trailwatch::aws {

struct MetricDatum {
  std::string name;
  double value = 0;
  std::string unit = "Count";
};

// Publishes `data` (up to 1000 datums) under `metric_namespace`, stamped `time_ms`, with
// `client` (whose service must be "monitoring"). Errors carry AWS's code and message.
Status PutMetricData(Client& client, std::string_view metric_namespace,
                     const std::vector<MetricDatum>& data, std::int64_t time_ms);

}  // namespace trailwatch::aws

#endif  // TRAILWATCH_AWS_CLOUDWATCH_H_
