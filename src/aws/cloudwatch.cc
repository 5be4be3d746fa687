#include "aws/cloudwatch.h"

#include <fmt/format.h>

#include <pugixml.hpp>

#include "common/time.h"

namespace trailwatch::aws {

Status PutMetricData(Client& client, std::string_view metric_namespace,
                     const std::vector<MetricDatum>& data, std::int64_t time_ms) {
  if (data.empty()) return Status::Ok();
  std::string body =
      "Action=PutMetricData&Version=2010-08-01&Namespace=" + FormEncode(metric_namespace);
  const std::string stamp = FormEncode(FormatIso8601(time_ms));
  for (std::size_t i = 0; i < data.size(); ++i) {
    const std::string m = fmt::format("&MetricData.member.{}.", i + 1);
    body += m + "MetricName=" + FormEncode(data[i].name);
    body += m + fmt::format("Value={}", data[i].value);
    body += m + "Unit=" + FormEncode(data[i].unit);
    body += m + "Timestamp=" + stamp;
  }
  auto response = client.CallQuery(std::move(body));
  if (!response.ok()) return response.status().WithContext("PutMetricData");
  if (response->status >= 200 && response->status < 300) return Status::Ok();
  pugi::xml_document doc;
  std::string message;
  if (doc.load_buffer(response->body.data(), response->body.size())) {
    message = doc.child("ErrorResponse").child("Error").child("Message").text().get();
  }
  return Status::IoError(fmt::format("PutMetricData: {}{}{} (HTTP {})", ErrorCode(*response),
                                     message.empty() ? "" : ": ", message, response->status));
}

}  // namespace trailwatch::aws
