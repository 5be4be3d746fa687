#include "app/subscriptions.h"

#include <fmt/format.h>

#include <map>
#include <optional>

#include "common/crypto.h"
#include "common/encoding.h"
#include "common/json_text.h"

namespace trailwatch::app {
namespace {

constexpr std::string_view kPrefix = "sns:subscription:";
constexpr std::string_view kPending = "pending ";
constexpr std::string_view kConfirmed = "confirmed";

bool NeedsConfirmation(const SubscriptionRef& s) {
  return s.subscription.protocol == "http" || s.subscription.protocol == "https";
}

std::string XmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

server::Reply Xml(int status, std::string body) {
  server::Reply r;
  r.status = status;
  r.content_type = "text/xml";
  r.body = std::move(body);
  return r;
}

// AWS's query-protocol error for SNS.
server::Reply Error(int status, std::string_view code, std::string_view message) {
  return Xml(status,
             fmt::format("<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\">\n"
                         "  <Error>\n    <Type>Sender</Type>\n    <Code>{}</Code>\n"
                         "    <Message>{}</Message>\n  </Error>\n"
                         "</ErrorResponse>\n",
                         code, XmlEscape(message)));
}

Result<std::optional<std::string>> GetState(store::Store* store, const std::string& key) {
  std::optional<std::string> state;
  Status s = store->Read([&](store::Transaction& t) {
    auto got = t.GetCheckpoint(key);
    if (!got.ok()) return got.status();
    state = std::move(*got);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return state;
}

Status PutState(store::Store* store, const std::string& key, std::string state,
                std::int64_t now_ms) {
  return store->Write([&](store::Transaction& t) { return t.PutCheckpoint(key, state, now_ms); });
}

}  // namespace

Confirmations::Confirmations(store::Store* store, const Publisher* publisher,
                             std::string subscribe_base, const Clock& clock)
    : store_(store),
      publisher_(publisher),
      subscribe_base_(std::move(subscribe_base)),
      clock_(clock) {}

Status Confirmations::SendNew(notify::Outbox* outbox) {
  const std::int64_t now = clock_.Now().time_since_epoch().count();
  for (const SubscriptionRef& s : publisher_->Subscriptions()) {
    if (!NeedsConfirmation(s)) continue;
    const std::string key = fmt::format("{}{}", kPrefix, s.subscription_arn);
    auto state = GetState(store_, key);
    if (!state.ok()) return state.status();
    if (*state) continue;  // sent once already (pending or confirmed)
    auto random = RandomBytes(64);
    if (!random.ok()) return random.status();
    const std::string token = HexEncode(*random);
    auto delivery = publisher_->Confirmation(s, token, subscribe_base_, now);
    if (!delivery.ok()) return delivery.status();
    // Queued first: a crash in between sends a second confirmation next time, never none.
    auto queued = outbox->Enqueue({std::move(*delivery)}, {s.topic_arn, "subscription"});
    if (!queued.ok()) return queued.status();
    if (Status st = PutState(store_, key, fmt::format("{}{}", kPending, token), now); !st.ok()) {
      return st;
    }
  }
  return Status::Ok();
}

server::Reply Confirmations::Confirm(const aws::HttpRequest& request) {
  const auto params = ParseFormQuery(request.query);
  auto get = [&](const char* name) -> std::string {
    auto it = params.find(name);
    return it == params.end() ? std::string() : it->second;
  };
  if (get("Action") != "ConfirmSubscription") {
    return Error(400, "InvalidAction", "Only ConfirmSubscription is served here");
  }
  const std::string topic = get("TopicArn");
  const std::string token = get("Token");
  if (topic.empty() || token.empty()) {
    return Error(400, "InvalidParameter", "TopicArn and Token are required");
  }
  for (const SubscriptionRef& s : publisher_->Subscriptions()) {
    if (s.topic_arn != topic || !NeedsConfirmation(s)) continue;
    const std::string key = fmt::format("{}{}", kPrefix, s.subscription_arn);
    auto state = GetState(store_, key);
    if (!state.ok()) return Error(500, "InternalError", "the store is unavailable");
    if (!*state || !(*state)->starts_with(kPending)) continue;
    const std::string_view expected = std::string_view(**state).substr(kPending.size());
    if (!ConstantTimeEquals(expected, token)) continue;
    if (Status st =
            PutState(store_, key, std::string(kConfirmed), clock_.Now().time_since_epoch().count());
        !st.ok()) {
      return Error(500, "InternalError", "the store is unavailable");
    }
    return Xml(200, fmt::format("<ConfirmSubscriptionResponse "
                                "xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\">\n"
                                "  <ConfirmSubscriptionResult>\n"
                                "    <SubscriptionArn>{}</SubscriptionArn>\n"
                                "  </ConfirmSubscriptionResult>\n"
                                "</ConfirmSubscriptionResponse>\n",
                                XmlEscape(s.subscription_arn)));
  }
  return Error(400, "InvalidParameter", "Invalid token");
}

std::string Confirmations::ListJson() const {
  std::string out = "{\"subscriptions\":[";
  bool first = true;
  for (const SubscriptionRef& s : publisher_->Subscriptions()) {
    std::string status = "NotRequired";
    if (NeedsConfirmation(s)) {
      auto state = GetState(store_, fmt::format("{}{}", kPrefix, s.subscription_arn));
      status = state.ok() && *state && **state == kConfirmed ? "Confirmed" : "PendingConfirmation";
    }
    out += first ? "{" : ",{";
    first = false;
    out += "\"topicArn\":";
    AppendJsonString(&out, s.topic_arn);
    out += ",\"subscriptionArn\":";
    AppendJsonString(&out, s.subscription_arn);
    out += ",\"protocol\":";
    AppendJsonString(&out, s.subscription.protocol);
    out += ",\"endpoint\":";
    AppendJsonString(&out,
                     notify::RedactedEndpoint(s.subscription.protocol, s.subscription.endpoint));
    out += ",\"status\":";
    AppendJsonString(&out, status);
    out += '}';
  }
  return out + "]}";
}

}  // namespace trailwatch::app
