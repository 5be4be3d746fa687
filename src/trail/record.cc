// CloudTrail records for API calls, in the field order CloudTrail writes (spec 1.2, 1.5).
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "common/crypto.h"
#include "common/encoding.h"
#include "common/json_text.h"
#include "trail/internal.h"
#include "trail/trail.h"

namespace trailwatch::trail {
namespace {

// CloudTrail truncates userAgent at 1 KB (spec 1.2).
constexpr std::size_t kMaxUserAgent = 1024;

void Key(std::string* out, std::string_view key) {
  if (out->back() != '{') *out += ',';
  AppendJsonString(out, key);
  *out += ':';
}

void Field(std::string* out, std::string_view key, std::string_view value) {
  Key(out, key);
  AppendJsonString(out, value);
}

void UserIdentity(std::string* out, const Principal& p) {
  *out += '{';
  switch (p.type) {
    case PrincipalType::kIamUser:
      Field(out, "type", "IAMUser");
      Field(out, "principalId", p.principal_id);
      Field(out, "arn", p.arn);
      Field(out, "accountId", p.account_id);
      Field(out, "accessKeyId", p.access_key_id);
      Field(out, "userName", p.user_name);
      break;
    case PrincipalType::kRoot:
      Field(out, "type", "Root");
      Field(out, "principalId", p.principal_id.empty() ? p.account_id : p.principal_id);
      Field(out, "arn", p.arn.empty() ? fmt::format("arn:aws:iam::{}:root", p.account_id) : p.arn);
      Field(out, "accountId", p.account_id);
      Field(out, "accessKeyId", p.access_key_id);
      if (!p.user_name.empty()) Field(out, "userName", p.user_name);
      break;
    case PrincipalType::kAnonymous:
      // How CloudTrail shows unauthenticated callers (e.g. anonymous S3 requests).
      Field(out, "type", "AWSAccount");
      Field(out, "principalId", "");
      Field(out, "accountId", "ANONYMOUS_PRINCIPAL");
      break;
  }
  *out += '}';
}

// Re-serialised compactly so a record is one line whatever whitespace the caller used.
Result<std::string> ObjectOrNull(const std::optional<std::string>& text, std::string_view name) {
  if (!text) return std::string("null");
  // ordered_json keeps the caller's key order (AWS writes parameters in request order).
  const auto j = nlohmann::ordered_json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !(j.is_object() || j.is_null())) {
    return Status::InvalidArgument(fmt::format("{} is not a JSON object", name));
  }
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace

Result<std::string> BuildRecord(const ApiCall& call) {
  if (call.event_name.empty() || call.region.empty() || call.event_source.empty()) {
    return Status::InvalidArgument("a record needs eventName, eventSource and awsRegion");
  }
  auto params = ObjectOrNull(call.request_parameters, "requestParameters");
  if (!params.ok()) return params.status();
  auto response = ObjectOrNull(call.response_elements, "responseElements");
  if (!response.ok()) return response.status();
  std::string event_id = call.event_id;
  if (event_id.empty()) {
    auto id = NewUuid();
    if (!id.ok()) return id.status();
    event_id = std::move(id).value();
  }

  std::string out = "{";
  Field(&out, "eventVersion", kEventVersion);
  Key(&out, "userIdentity");
  UserIdentity(&out, call.principal);
  Field(&out, "eventTime", internal::IsoSeconds(call.event_time_ms));
  Field(&out, "eventSource", call.event_source);
  Field(&out, "eventName", call.event_name);
  Field(&out, "awsRegion", call.region);
  Field(&out, "sourceIPAddress", call.source_ip);
  if (!call.user_agent.empty()) {
    std::string_view ua = call.user_agent;
    if (ua.size() > kMaxUserAgent) {
      std::size_t cut = kMaxUserAgent;
      // Never split a UTF-8 sequence: back up to a lead byte.
      while (cut > 0 && (static_cast<unsigned char>(ua[cut]) & 0xc0u) == 0x80u) --cut;
      ua = ua.substr(0, cut);
    }
    Field(&out, "userAgent", ua);
  }
  if (!call.error_code.empty()) Field(&out, "errorCode", call.error_code);
  if (!call.error_message.empty()) Field(&out, "errorMessage", call.error_message);
  Key(&out, "requestParameters");
  out += *params;
  Key(&out, "responseElements");
  out += *response;
  if (!call.request_id.empty()) Field(&out, "requestID", call.request_id);
  Field(&out, "eventID", event_id);
  Key(&out, "readOnly");
  out += call.read_only ? "true" : "false";
  if (!call.resources.empty()) {
    Key(&out, "resources");
    out += '[';
    for (std::size_t i = 0; i < call.resources.size(); ++i) {
      if (i > 0) out += ',';
      const ResourceRef& r = call.resources[i];
      out += '{';
      Field(&out, "ARN", r.arn);
      if (!r.account_id.empty()) Field(&out, "accountId", r.account_id);
      if (!r.type.empty()) Field(&out, "type", r.type);
      out += '}';
    }
    out += ']';
  }
  Field(&out, "eventType", "AwsApiCall");
  Key(&out, "managementEvent");
  out += "true";
  Field(&out, "recipientAccountId", call.recipient_account_id);
  Field(&out, "eventCategory", "Management");
  if (call.tls) {
    Key(&out, "tlsDetails");
    out += '{';
    Field(&out, "tlsVersion", call.tls->tls_version);
    Field(&out, "cipherSuite", call.tls->cipher_suite);
    Field(&out, "clientProvidedHostHeader", call.tls->client_provided_host_header);
    out += '}';
  }
  out += '}';
  return out;
}

}  // namespace trailwatch::trail
