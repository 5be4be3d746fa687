#include "cloudtrail_records.h"

namespace trailwatch::bench {
namespace {

constexpr std::string_view kAccount = "111122223333";

std::string_view UserIdentity(Identity identity) {
  switch (identity) {
    case Identity::kAssumedRole:
      return R"({"type":"AssumedRole","principalId":"AROA3EXAMPLEXYZ4QRST5:alice@example.com","arn":"arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_AdministratorAccess_0a1b2c3d4e5f6a7b/alice@example.com","accountId":"111122223333","accessKeyId":"ASIA3EXAMPLE7QWERTY1","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROA3EXAMPLEXYZ4QRST5","arn":"arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_AdministratorAccess_0a1b2c3d4e5f6a7b","accountId":"111122223333","userName":"AWSReservedSSO_AdministratorAccess_0a1b2c3d4e5f6a7b"},"webIdFederationData":{},"attributes":{"creationDate":"2026-11-02T08:51:17Z","mfaAuthenticated":")";
    case Identity::kIamUser:
      return R"({"type":"IAMUser","principalId":"AIDA3EXAMPLEBOB00001","arn":"arn:aws:iam::111122223333:user/bob","accountId":"111122223333","accessKeyId":"AKIA3EXAMPLEBOB00001","userName":"bob","sessionContext":{"sessionIssuer":{},"webIdFederationData":{},"attributes":{"creationDate":"2026-11-02T08:51:17Z","mfaAuthenticated":")";
    case Identity::kRoot:
      return R"({"type":"Root","principalId":"111122223333","arn":"arn:aws:iam::111122223333:root","accountId":"111122223333","accessKeyId":"ASIA3EXAMPLEROOT0001","sessionContext":{"sessionIssuer":{},"webIdFederationData":{},"attributes":{"creationDate":"2026-11-02T08:51:17Z","mfaAuthenticated":")";
    case Identity::kRootViaService:
      return R"({"type":"Root","principalId":"111122223333","arn":"arn:aws:iam::111122223333:root","accountId":"111122223333","invokedBy":"support.amazonaws.com","sessionContext":{"sessionIssuer":{},"webIdFederationData":{},"attributes":{"creationDate":"2026-11-02T08:51:17Z","mfaAuthenticated":")";
  }
  return "{}";
}

void Member(std::string* out, std::string_view key, std::string_view raw_json) {
  out->append(",\"").append(key).append("\":").append(raw_json);
}

void StringMember(std::string* out, std::string_view key, std::string_view text) {
  out->append(",\"").append(key).append("\":\"").append(text).append("\"");
}

}  // namespace

std::string CloudTrailRecord(const RecordSpec& spec) {
  std::string_view service = spec.event_source.substr(0, spec.event_source.find('.'));
  std::string r;
  r.reserve(2048);
  r.append(R"({"eventVersion":"1.09","userIdentity":)");
  r.append(UserIdentity(spec.identity));
  r.append(spec.mfa_authenticated ? "true" : "false").append("\"}}}");
  StringMember(&r, "eventTime", "2026-11-02T09:14:03Z");
  StringMember(&r, "eventSource", spec.event_source);
  StringMember(&r, "eventName", spec.event_name);
  StringMember(&r, "awsRegion", "eu-west-1");
  StringMember(
      &r, "sourceIPAddress",
      spec.identity == Identity::kRootViaService ? "support.amazonaws.com" : "203.0.113.9");
  const bool console = spec.event_type == "AwsConsoleSignIn";
  const bool service_event = spec.event_type == "AwsServiceEvent";
  r.append(R"(,"userAgent":")");
  if (console) {
    r.append("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0");
  } else if (service_event || spec.identity == Identity::kRootViaService) {
    r.append(spec.identity == Identity::kRootViaService ? "support.amazonaws.com"
                                                        : spec.event_source);
  } else {
    r.append(
        "aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/linux#6.1.0-18-amd64 md/arch#x86_64 "
        "lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe "
        "md/distrib#debian.12 md/prompt#off md/command#");
    r.append(service).push_back('.');
    for (char c : spec.event_name) {  // RunInstances -> run-instances
      if (c >= 'A' && c <= 'Z') {
        if (r.back() != '.') r.push_back('-');
        r.push_back(static_cast<char>(c - 'A' + 'a'));
      } else {
        r.push_back(c);
      }
    }
  }
  r.push_back('"');
  if (!spec.error_code.empty()) StringMember(&r, "errorCode", spec.error_code);
  if (!spec.error_message.empty()) StringMember(&r, "errorMessage", spec.error_message);
  Member(&r, "requestParameters", spec.request_parameters);
  Member(&r, "responseElements", spec.response_elements);
  if (!spec.additional_event_data.empty()) {
    Member(&r, "additionalEventData", spec.additional_event_data);
  }
  StringMember(&r, "requestID", "7e4b1c2a-5d3f-4a8e-9b6c-0f1e2d3c4b5a");
  StringMember(&r, "eventID", "c9a8b7e6-d5f4-4e3d-8c2b-1a0f9e8d7c6b");
  Member(&r, "readOnly", spec.read_only ? "true" : "false");
  if (!spec.resources.empty()) Member(&r, "resources", spec.resources);
  StringMember(&r, "eventType", spec.event_type);
  Member(&r, "managementEvent", "true");
  StringMember(&r, "recipientAccountId", kAccount);
  StringMember(&r, "eventCategory", "Management");
  r.append(R"(,"tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256",)");
  r.append(R"("clientProvidedHostHeader":")").append(service).append(".eu-west-1.amazonaws.com\"}");
  if (console) {
    StringMember(&r, "sessionCredentialFromConsole", "true");
  } else if (!service_event) {  // API calls made through the account's VPC endpoint
    StringMember(&r, "vpcEndpointId", "vpce-0a1b2c3d4e5f67890");
    StringMember(&r, "vpcEndpointAccountId", kAccount);
  }
  r.append("}");
  return r;
}

}  // namespace trailwatch::bench
