// Realistic CloudTrail records for benchmarks.
//
// Every record has the shape of a real management event as CloudTrail delivers it to
// CloudWatch Logs (one JSON object per log event, ~1.5 KB): userIdentity with sessionContext,
// requestParameters, responseElements, tlsDetails and a resources array. Fields are in
// CloudTrail's order, so a pattern's fields sit where they sit in production events.
#ifndef TRAILWATCH_BENCH_CLOUDTRAIL_RECORDS_H_
#define TRAILWATCH_BENCH_CLOUDTRAIL_RECORDS_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace trailwatch::bench {

enum class Identity : std::uint8_t {
  kAssumedRole,     // a role session (federated SSO user or workload), the most common caller
  kIamUser,         // an IAM user with an access key
  kRoot,            // the root user, signed in to the console
  kRootViaService,  // the root user's action performed by an AWS service (invokedBy)
};

struct RecordSpec {
  std::string_view event_source = "ec2.amazonaws.com";
  std::string_view event_name = "DescribeInstances";
  Identity identity = Identity::kAssumedRole;
  std::string_view event_type = "AwsApiCall";    // AwsConsoleSignIn, AwsServiceEvent
  std::string_view error_code;                   // empty: the call succeeded
  std::string_view error_message;                // empty: none
  std::string_view request_parameters = "null";  // raw JSON
  std::string_view response_elements = "null";   // raw JSON
  std::string_view additional_event_data;        // raw JSON object, empty: absent
  std::string_view resources;                    // raw JSON array, empty: absent
  bool read_only = true;
  bool mfa_authenticated = true;  // sessionContext.attributes.mfaAuthenticated

  // Setters for building a spec in one expression: RecordSpec().Name("StopLogging")...
  RecordSpec& Source(std::string_view v) { return Set(&RecordSpec::event_source, v); }
  RecordSpec& Name(std::string_view v) { return Set(&RecordSpec::event_name, v); }
  RecordSpec& Caller(Identity v) { return Set(&RecordSpec::identity, v); }
  RecordSpec& Type(std::string_view v) { return Set(&RecordSpec::event_type, v); }
  RecordSpec& ErrorCode(std::string_view v) { return Set(&RecordSpec::error_code, v); }
  RecordSpec& ErrorMessage(std::string_view v) { return Set(&RecordSpec::error_message, v); }
  RecordSpec& Request(std::string_view v) { return Set(&RecordSpec::request_parameters, v); }
  RecordSpec& Response(std::string_view v) { return Set(&RecordSpec::response_elements, v); }
  RecordSpec& AdditionalData(std::string_view v) {
    return Set(&RecordSpec::additional_event_data, v);
  }
  RecordSpec& Resources(std::string_view v) { return Set(&RecordSpec::resources, v); }
  RecordSpec& ReadOnly(bool v) { return Set(&RecordSpec::read_only, v); }
  RecordSpec& Mfa(bool v) { return Set(&RecordSpec::mfa_authenticated, v); }

 private:
  template <typename T>
  RecordSpec& Set(T RecordSpec::*member, T value) {
    this->*member = value;
    return *this;
  }
};

// The record as one line of JSON.
std::string CloudTrailRecord(const RecordSpec& spec);

}  // namespace trailwatch::bench

#endif  // TRAILWATCH_BENCH_CLOUDTRAIL_RECORDS_H_
