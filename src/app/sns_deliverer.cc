#include "app/sns_deliverer.h"

#include <fmt/format.h>

#include <cstdlib>
#include <string>

#include "aws/client.h"
#include "aws/sns.h"

namespace trailwatch::app {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

class SnsDeliverer final : public notify::Deliverer {
 public:
  explicit SnsDeliverer(const Clock& clock) : clock_(clock) {}

  notify::DeliveryResult Deliver(const notify::Delivery& d) override {
    const std::string region = aws::TopicRegion(d.endpoint);
    if (region.empty()) {
      return {false, false, 0, fmt::format("sns endpoint must be an SNS topic ARN")};
    }
    aws::ClientOptions o;
    o.endpoint = aws::SnsEndpoint(region);
    o.region = region;
    o.service = "sns";
    o.credentials = {Env("AWS_ACCESS_KEY_ID"), Env("AWS_SECRET_ACCESS_KEY"),
                     Env("AWS_SESSION_TOKEN")};
    o.user_agent = "trailwatch";
    o.timeout_ms = 15'000;
    if (o.credentials.access_key_id.empty() || o.credentials.secret_access_key.empty()) {
      return {false, false, 0,
              "no AWS credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set)"};
    }
    aws::Client client(std::move(o), clock_);
    aws::SnsPublish p;
    p.topic_arn = d.endpoint;
    if (!d.subject.empty()) p.subject = d.subject;
    p.message = d.body;
    auto r = aws::Publish(client, p);
    if (!r.ok()) return {false, true, 0, fmt::format("SNS: {}", r.status().message())};
    if (r->ok) return {true, false, r->http_status, ""};
    return {false, r->retryable, r->http_status,
            fmt::format("SNS Publish: HTTP {} {}: {}", r->http_status, r->error_code,
                        r->error_message)};
  }

 private:
  const Clock& clock_;
};

}  // namespace

std::unique_ptr<notify::Deliverer> NewSnsDeliverer(const Clock& clock) {
  return std::make_unique<SnsDeliverer>(clock);
}

}  // namespace trailwatch::app
