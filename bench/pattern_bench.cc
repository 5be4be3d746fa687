// Filter pattern evaluation cost on realistic CloudTrail records.
//
// For every CIS AWS Foundations monitoring pattern (spec/cloudwatch.md §5.2, v5.0.0 text, plus
// Security Hub CloudWatch.3's MFA variant) and AWS's deleted-secret pattern (§6.1), on one
// record that matches and one that does not (a near miss from the same service):
//
//   full/<control>/<match|no_match>  Matcher::Matches on the message string: extraction
//                                    (JSON parse, values at the pattern's paths) + evaluation
//   eval/<control>/<match|no_match>  Program::Matches on an EventView extracted once
//
// and for all CIS patterns together, per event of a mixed stream of those records:
//
//   all_cis/shared_extraction        one PathRegistry, one extraction, every program evaluated
//   all_cis/separate_matchers        one Matcher per pattern (one extraction per pattern)
//
// Run through `scripts/bench pattern`, which prints a compact table.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cloudtrail_records.h"
#include "event/event.h"
#include "pattern/pattern.h"

namespace trailwatch::bench {
namespace {

using ProgramPtr = std::shared_ptr<const pattern::Program>;

struct Case {
  std::string_view name;
  std::string_view pattern;
  bool cis = true;  // part of the all_cis set
  RecordSpec match;
  RecordSpec no_match;
};

// requestParameters / responseElements / resources as CloudTrail writes them.
constexpr std::string_view kDescribeInstancesRequest =
    R"({"instancesSet":{},"filterSet":{"items":[{"name":"tag:Environment","valueSet":{"items":[{"value":"production"}]}},{"name":"instance-state-name","valueSet":{"items":[{"value":"running"}]}}]}})";
constexpr std::string_view kConsoleLoginMfaNo =
    R"({"LoginTo":"https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB_eu-west-1_0a1b2c3d4e5f6a7b","MobileVersion":"No","MFAUsed":"No"})";
constexpr std::string_view kConsoleLoginMfaYes =
    R"({"LoginTo":"https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB_eu-west-1_0a1b2c3d4e5f6a7b","MobileVersion":"No","MFAUsed":"Yes","MfaType":"Virtual MFA"})";
constexpr std::string_view kKmsKeyResources =
    R"([{"accountId":"111122223333","type":"AWS::KMS::Key","ARN":"arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}])";
constexpr std::string_view kBucketResources =
    R"([{"accountId":"111122223333","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::example-prod-artifacts"}])";
constexpr std::string_view kEc2Return =
    R"({"requestId":"7e4b1c2a-5d3f-4a8e-9b6c-0f1e2d3c4b5a","_return":true})";
constexpr std::string_view kSecretResources =
    R"([{"accountId":"111122223333","type":"AWS::SecretsManager::Secret","ARN":"arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/payments/db-credentials-AbCdEf"}])";

std::vector<Case> Cases() {
  std::vector<Case> cases;
  auto add = [&cases](std::string_view name, std::string_view pattern, RecordSpec match,
                      RecordSpec no_match, bool cis = true) {
    cases.push_back(Case{name, pattern, cis, match, no_match});
  };
  const RecordSpec console_login = RecordSpec()
                                       .Source("signin.amazonaws.com")
                                       .Name("ConsoleLogin")
                                       .Caller(Identity::kIamUser)
                                       .Type("AwsConsoleSignIn")
                                       .Response(R"({"ConsoleLogin":"Success"})")
                                       .AdditionalData(kConsoleLoginMfaYes)
                                       .ReadOnly(false);
  const RecordSpec console_login_no_mfa =
      RecordSpec(console_login).AdditionalData(kConsoleLoginMfaNo).Mfa(false);

  add("cis_4_1_unauthorized_api_calls",
      R"({ ($.errorCode ="*UnauthorizedOperation") || ($.errorCode ="AccessDenied*") && ($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") })",
      RecordSpec()
          .Name("RunInstances")
          .ErrorCode("Client.UnauthorizedOperation")
          .ErrorMessage("You are not authorized to perform this operation. Encoded "
                        "authorization failure message: 4pUbJ9mQ2xZk7sTqL0aVwE3nR8yHcF")
          .Request(
              R"({"instancesSet":{"items":[{"imageId":"ami-0abcdef1234567890","minCount":1,"maxCount":1}]},"instanceType":"m6i.large","subnetId":"subnet-0a1b2c3d4e5f67890","disableApiTermination":false,"clientToken":"run-7f3c9e2a"})")
          .ReadOnly(false),
      RecordSpec().Request(kDescribeInstancesRequest));

  add("cis_4_2_console_signin_without_mfa",
      R"({ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") })",
      console_login_no_mfa, console_login);

  // No match: an SSO (federated) sign-in, whose MFA happened at the identity provider.
  add("securityhub_cloudwatch_3_signin_without_mfa",
      R"({ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") })",
      console_login_no_mfa, RecordSpec(console_login_no_mfa).Caller(Identity::kAssumedRole));

  // No match: an action of the root user performed on its behalf by AWS Support.
  add("cis_4_3_root_usage",
      R"({ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" })",
      RecordSpec()
          .Source("iam.amazonaws.com")
          .Name("CreateAccessKey")
          .Caller(Identity::kRoot)
          .Response(
              R"({"accessKey":{"userName":"root","accessKeyId":"AKIA3EXAMPLEROOTKEY1","status":"Active","createDate":"Nov 2, 2026, 9:14:03 AM"}})")
          .ReadOnly(false)
          .Mfa(false),
      RecordSpec().Source("iam.amazonaws.com").Name("ListUsers").Caller(Identity::kRootViaService));

  add("cis_4_4_iam_policy_changes",
      R"({($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||($.eventName=DetachGroupPolicy)})",
      RecordSpec()
          .Source("iam.amazonaws.com")
          .Name("AttachRolePolicy")
          .Request(
              R"({"roleName":"app-runtime","policyArn":"arn:aws:iam::aws:policy/AdministratorAccess"})")
          .ReadOnly(false),
      RecordSpec()
          .Source("iam.amazonaws.com")
          .Name("ListAttachedRolePolicies")
          .Request(R"({"roleName":"app-runtime","maxItems":100})"));

  add("cis_4_5_cloudtrail_config_changes",
      R"({ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) })",
      RecordSpec()
          .Source("cloudtrail.amazonaws.com")
          .Name("StopLogging")
          .Request(
              R"({"name":"arn:aws:cloudtrail:eu-west-1:111122223333:trail/management-events"})")
          .ReadOnly(false),
      RecordSpec()
          .Source("cloudtrail.amazonaws.com")
          .Name("DescribeTrails")
          .Request(R"({"trailNameList":[],"includeShadowTrails":true})"));

  add("cis_4_6_console_auth_failures",
      R"({ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") })",
      RecordSpec(console_login_no_mfa)
          .ErrorMessage("Failed authentication")
          .Response(R"({"ConsoleLogin":"Failure"})"),
      console_login);

  add("cis_4_7_cmk_disable_or_deletion",
      R"({($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) })",
      RecordSpec()
          .Source("kms.amazonaws.com")
          .Name("ScheduleKeyDeletion")
          .Request(
              R"({"keyId":"arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab","pendingWindowInDays":30})")
          .Response(
              R"({"keyId":"arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab","deletionDate":"Dec 2, 2026, 12:00:00 AM","keyState":"PendingDeletion","pendingWindowInDays":30})")
          .Resources(kKmsKeyResources)
          .ReadOnly(false),
      RecordSpec()
          .Source("kms.amazonaws.com")
          .Name("Decrypt")
          .Request(
              R"({"encryptionAlgorithm":"SYMMETRIC_DEFAULT","encryptionContext":{"aws:s3:arn":"arn:aws:s3:::example-prod-artifacts/releases/2026-11-02/app.tar.gz"}})")
          .Resources(kKmsKeyResources));

  add("cis_4_8_s3_bucket_policy_changes",
      R"({ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) })",
      RecordSpec()
          .Source("s3.amazonaws.com")
          .Name("PutBucketPolicy")
          .Request(
              R"({"bucketPolicy":{"Version":"2012-10-17","Statement":[{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::example-prod-artifacts","arn:aws:s3:::example-prod-artifacts/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]},"bucketName":"example-prod-artifacts","Host":"example-prod-artifacts.s3.eu-west-1.amazonaws.com","policy":""})")
          .Resources(kBucketResources)
          .ReadOnly(false),
      RecordSpec()
          .Source("s3.amazonaws.com")
          .Name("GetBucketPolicy")
          .Request(
              R"({"bucketName":"example-prod-artifacts","Host":"example-prod-artifacts.s3.eu-west-1.amazonaws.com","policy":""})")
          .Resources(kBucketResources));

  add("cis_4_9_config_changes",
      R"({ ($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel) ||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder)) })",
      RecordSpec()
          .Source("config.amazonaws.com")
          .Name("StopConfigurationRecorder")
          .Request(R"({"configurationRecorderName":"default"})")
          .ReadOnly(false),
      RecordSpec()
          .Source("config.amazonaws.com")
          .Name("DescribeConfigurationRecorderStatus")
          .Request(R"({"configurationRecorderNames":["default"]})"));

  add("cis_4_10_security_group_changes",
      R"({ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) || ($.eventName = ModifySecurityGroupRules) })",
      RecordSpec()
          .Name("AuthorizeSecurityGroupIngress")
          .Request(
              R"({"groupId":"sg-0a1b2c3d4e5f67890","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":22,"toPort":22,"groups":{},"ipRanges":{"items":[{"cidrIp":"0.0.0.0/0","description":"temporary"}]},"ipv6Ranges":{},"prefixListIds":{}}]}})")
          .Response(
              R"({"requestId":"7e4b1c2a-5d3f-4a8e-9b6c-0f1e2d3c4b5a","_return":true,"securityGroupRuleSet":{"items":[{"groupOwnerId":"111122223333","groupId":"sg-0a1b2c3d4e5f67890","securityGroupRuleId":"sgr-0123456789abcdef0","isEgress":false,"ipProtocol":"tcp","fromPort":22,"toPort":22,"cidrIpv4":"0.0.0.0/0"}]}})")
          .ReadOnly(false),
      RecordSpec()
          .Name("DescribeSecurityGroups")
          .Request(
              R"({"securityGroupSet":{},"securityGroupIdSet":{"items":[{"groupId":"sg-0a1b2c3d4e5f67890"}]},"filterSet":{}})"));

  add("cis_4_11_nacl_changes",
      R"({ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) })",
      RecordSpec()
          .Name("CreateNetworkAclEntry")
          .Request(
              R"({"networkAclId":"acl-0a1b2c3d4e5f67890","ruleNumber":100,"egress":false,"ruleAction":"allow","icmpTypeCode":{},"ipProtocol":"6","portRange":{"from":3389,"to":3389},"cidrBlock":"0.0.0.0/0"})")
          .Response(kEc2Return)
          .ReadOnly(false),
      RecordSpec()
          .Name("DescribeNetworkAcls")
          .Request(
              R"({"networkAclIdSet":{},"filterSet":{"items":[{"name":"vpc-id","valueSet":{"items":[{"value":"vpc-0a1b2c3d4e5f67890"}]}}]}})"));

  add("cis_4_12_network_gateway_changes",
      R"({ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || ($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || ($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) })",
      RecordSpec()
          .Name("AttachInternetGateway")
          .Request(
              R"({"internetGatewayId":"igw-0a1b2c3d4e5f67890","vpcId":"vpc-0a1b2c3d4e5f67890"})")
          .Response(kEc2Return)
          .ReadOnly(false),
      RecordSpec()
          .Name("DescribeInternetGateways")
          .Request(
              R"({"internetGatewayIdSet":{},"filterSet":{"items":[{"name":"attachment.vpc-id","valueSet":{"items":[{"value":"vpc-0a1b2c3d4e5f67890"}]}}]}})"));

  add("cis_4_13_route_table_changes",
      R"({ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) })",
      RecordSpec()
          .Name("CreateRoute")
          .Request(
              R"({"routeTableId":"rtb-0a1b2c3d4e5f67890","destinationCidrBlock":"0.0.0.0/0","gatewayId":"igw-0a1b2c3d4e5f67890"})")
          .Response(kEc2Return)
          .ReadOnly(false),
      RecordSpec()
          .Name("DescribeRouteTables")
          .Request(
              R"({"routeTableIdSet":{},"filterSet":{"items":[{"name":"vpc-id","valueSet":{"items":[{"value":"vpc-0a1b2c3d4e5f67890"}]}}]}})"));

  add("cis_4_14_vpc_changes",
      R"({ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || ($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) })",
      RecordSpec()
          .Name("ModifyVpcAttribute")
          .Request(R"({"vpcId":"vpc-0a1b2c3d4e5f67890","enableDnsHostnames":{"value":true}})")
          .Response(kEc2Return)
          .ReadOnly(false),
      RecordSpec()
          .Name("DescribeVpcs")
          .Request(R"({"vpcSet":{"items":[{"vpcId":"vpc-0a1b2c3d4e5f67890"}]},"filterSet":{}})"));

  add("cis_4_15_organizations_changes",
      R"({ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") || ($.eventName = "AttachPolicy") || ($.eventName = "CreateAccount") || ($.eventName = "CreateOrganizationalUnit") || ($.eventName = "CreatePolicy") || ($.eventName = "DeclineHandshake") || ($.eventName = "DeleteOrganization") || ($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy") || ($.eventName = "DetachPolicy") || ($.eventName = "DisablePolicyType") || ($.eventName = "EnablePolicyType") || ($.eventName = "InviteAccountToOrganization") || ($.eventName = "LeaveOrganization") || ($.eventName = "MoveAccount") || ($.eventName = "RemoveAccountFromOrganization") || ($.eventName = "UpdatePolicy") || ($.eventName = "UpdateOrganizationalUnit")) })",
      RecordSpec()
          .Source("organizations.amazonaws.com")
          .Name("CreateAccount")
          .Request(
              R"({"accountName":"sandbox-alice","email":"aws+sandbox-alice@example.com","roleName":"OrganizationAccountAccessRole","iamUserAccessToBilling":"DENY"})")
          .Response(
              R"({"createAccountStatus":{"id":"car-0a1b2c3d4e5f67890a1b2c3d4e5f6789","accountName":"sandbox-alice","state":"IN_PROGRESS","requestedTimestamp":"Nov 2, 2026, 9:14:03 AM"}})")
          .ReadOnly(false),
      RecordSpec()
          .Source("organizations.amazonaws.com")
          .Name("ListAccounts")
          .Request(R"({"maxResults":20})"));

  // Secrets Manager (spec §6.1), not CIS. No match: a successful read of the same secret.
  const RecordSpec get_secret = RecordSpec()
                                    .Source("secretsmanager.amazonaws.com")
                                    .Name("GetSecretValue")
                                    .Caller(Identity::kIamUser)
                                    .Request(R"({"secretId":"prod/payments/db-credentials"})")
                                    .Resources(kSecretResources);
  add("secretsmanager_deleted_secret_access",
      R"({ $.eventName = "GetSecretValue" && $.errorMessage = "*secret because it was marked for deletion*" })",
      RecordSpec(get_secret)
          .ErrorCode("InvalidRequestException")
          .ErrorMessage("You can't perform this operation on the secret because it was marked for "
                        "deletion."),
      get_secret, /*cis=*/false);
  return cases;
}

ProgramPtr CompileOrDie(std::string_view text, const pattern::CompileOptions& options = {}) {
  auto program = pattern::Compile(text, options);
  if (!program.ok()) {
    std::fprintf(stderr, "pattern_bench: %s\n  in %.*s\n", program.status().ToString().c_str(),
                 static_cast<int>(text.size()), text.data());
    std::exit(1);
  }
  return *program;
}

void SetRecordCounters(benchmark::State& state, const std::string& record) {
  state.counters["record_bytes"] = static_cast<double>(record.size());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(record.size()));
}

// Extraction + evaluation, as for one pattern applied to a stream of messages.
void BM_FullPath(benchmark::State& state, ProgramPtr program, std::string record, bool expect) {
  pattern::Matcher matcher(program);
  if (matcher.Matches(record) != expect) {
    state.SkipWithError(expect ? "record does not match" : "record matches");
    return;
  }
  for (auto _ : state) {
    bool matched = matcher.Matches(record);
    benchmark::DoNotOptimize(matched);
  }
  SetRecordCounters(state, record);
}

// Evaluation only: the record is extracted once, outside the timed loop.
void BM_EvalOnly(benchmark::State& state, ProgramPtr program, std::string record, bool expect) {
  event::Extractor extractor;
  event::EventView view;
  extractor.Extract(program->path_set(), record, &view);
  if (program->Matches(view) != expect) {
    state.SkipWithError(expect ? "record does not match" : "record matches");
    return;
  }
  for (auto _ : state) {
    bool matched = program->Matches(view);
    benchmark::DoNotOptimize(matched);
  }
  SetRecordCounters(state, record);
}

struct AllCis {
  std::vector<std::string> patterns;
  std::vector<std::string> records;  // every CIS case's match and no-match record
  std::size_t expected_matches = 0;  // over one pass of `records`, by separate matchers
};

// All CIS programs on one shared extraction per event.
void BM_AllCisShared(benchmark::State& state, const AllCis& all) {
  event::PathRegistry registry;
  pattern::CompileOptions options;
  options.registry = &registry;
  std::vector<ProgramPtr> programs;
  for (const std::string& p : all.patterns) programs.push_back(CompileOrDie(p, options));
  const auto paths = event::PathSet::Build(registry.paths(), false);
  event::Extractor extractor;
  event::EventView view;

  std::size_t matches = 0;
  for (const std::string& r : all.records) {
    extractor.Extract(*paths, r, &view);
    for (const ProgramPtr& p : programs) matches += p->Matches(view) ? 1U : 0U;
  }
  if (matches != all.expected_matches) {
    state.SkipWithError("shared extraction disagrees with separate matchers");
    return;
  }
  std::size_t i = 0;
  for (auto _ : state) {
    extractor.Extract(*paths, all.records[i], &view);
    std::size_t n = 0;
    for (const ProgramPtr& p : programs) n += p->Matches(view) ? 1U : 0U;
    benchmark::DoNotOptimize(n);
    if (++i == all.records.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["patterns"] = static_cast<double>(programs.size());
  state.counters["paths"] = static_cast<double>(registry.paths().size());
}

// The same work with one Matcher (and so one extraction) per pattern.
void BM_AllCisSeparate(benchmark::State& state, const AllCis& all) {
  std::vector<std::unique_ptr<pattern::Matcher>> matchers;
  for (const std::string& p : all.patterns) {
    matchers.push_back(std::make_unique<pattern::Matcher>(CompileOrDie(p)));
  }
  std::size_t i = 0;
  for (auto _ : state) {
    std::size_t n = 0;
    for (const auto& m : matchers) n += m->Matches(all.records[i]) ? 1U : 0U;
    benchmark::DoNotOptimize(n);
    if (++i == all.records.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["patterns"] = static_cast<double>(matchers.size());
}

void RegisterAll() {
  static AllCis all;
  for (const Case& c : Cases()) {
    const ProgramPtr program = CompileOrDie(c.pattern);
    const std::string match = CloudTrailRecord(c.match);
    const std::string no_match = CloudTrailRecord(c.no_match);
    const std::string name(c.name);
    benchmark::RegisterBenchmark(("full/" + name + "/match").c_str(), BM_FullPath, program, match,
                                 true);
    benchmark::RegisterBenchmark(("full/" + name + "/no_match").c_str(), BM_FullPath, program,
                                 no_match, false);
    benchmark::RegisterBenchmark(("eval/" + name + "/match").c_str(), BM_EvalOnly, program, match,
                                 true);
    benchmark::RegisterBenchmark(("eval/" + name + "/no_match").c_str(), BM_EvalOnly, program,
                                 no_match, false);
    if (c.cis) {
      all.patterns.emplace_back(c.pattern);
      all.records.push_back(match);
      all.records.push_back(no_match);
    }
  }
  for (const std::string& p : all.patterns) {
    pattern::Matcher matcher(CompileOrDie(p));
    for (const std::string& r : all.records) all.expected_matches += matcher.Matches(r) ? 1U : 0U;
  }
  benchmark::RegisterBenchmark("all_cis/shared_extraction", BM_AllCisShared, std::cref(all));
  benchmark::RegisterBenchmark("all_cis/separate_matchers", BM_AllCisSeparate, std::cref(all));
}

}  // namespace
}  // namespace trailwatch::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  trailwatch::bench::RegisterAll();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
