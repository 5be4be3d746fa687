#include "app/sns_deliverer.h"

#include <fmt/format.h>

#include <memory>
#include <string>

#include "aws/client.h"
#include "aws/credentials.h"
#include "aws/sns.h"

namespace trailwatch::app {
namespace {

class SnsDeliverer final : public notify::Deliverer {
 public:
  // One provider for every delivery: a role is assumed (or a credential_process run) once and
  // renewed before it expires, not per message.
  explicit SnsDeliverer(const Clock& clock)
      : clock_(clock), credentials_(aws::DefaultCredentials(aws::Environment::Process(), clock)) {}

  notify::DeliveryResult Deliver(const notify::Delivery& d) override {
    const std::string region = aws::TopicRegion(d.endpoint);
    if (region.empty()) {
      return {false, false, 0, fmt::format("sns endpoint must be an SNS topic ARN")};
    }
    aws::ClientOptions o;
    o.endpoint = aws::SnsEndpoint(region);
    o.region = region;
    o.service = "sns";
    o.provider = credentials_;
    o.user_agent = "trailwatch";
    o.timeout_ms = 15'000;
    aws::Client client(std::move(o), clock_);
    aws::SnsPublish p;
    p.topic_arn = d.endpoint;
    if (!d.subject.empty()) p.subject = d.subject;
    p.message = d.body;
    auto r = aws::Publish(client, p);
    if (!r.ok()) {
      // Network trouble is worth a retry; missing or unusable credentials are not.
      return {false, r.status().code() == StatusCode::kIoError, 0,
              fmt::format("SNS: {}", r.status().message())};
    }
    if (r->ok) return {true, false, r->http_status, ""};
    return {false, r->retryable, r->http_status,
            fmt::format("SNS Publish: HTTP {} {}: {}", r->http_status, r->error_code,
                        r->error_message)};
  }

 private:
  const Clock& clock_;
  const std::shared_ptr<aws::CredentialsProvider> credentials_;
};

}  // namespace

std::unique_ptr<notify::Deliverer> NewSnsDeliverer(const Clock& clock) {
  return std::make_unique<SnsDeliverer>(clock);
}

}  // namespace trailwatch::app
