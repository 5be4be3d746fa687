// Conformance with shared/spec/cloudwatch.md §5.4 (CIS patterns over CloudTrail events) and §6
// (Secrets Manager). Every case runs through the public API (Compile + Matcher); where the spec
// marks behaviour [UNDOC]/[CONFLICT], the tests pin the choices written down in
// docs/filter-patterns.md.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "pattern/conformance.h"

namespace trailwatch::pattern {
namespace {

// ---------------------------------------------------------------------------------------------
// §5.4 CIS patterns (§5.2) over minimal CloudTrail events
// ---------------------------------------------------------------------------------------------

constexpr std::string_view kCisEvents[] = {
    // E1
    R"({"eventVersion":"1.08","userIdentity":{"type":"Root","accountId":"111122223333"},"eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","eventType":"AwsConsoleSignIn","sourceIPAddress":"198.51.100.7","responseElements":{"ConsoleLogin":"Success"},"additionalEventData":{"MFAUsed":"No"}})",
    // E2
    R"({"userIdentity":{"type":"IAMUser","userName":"alice"},"eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","eventType":"AwsConsoleSignIn","sourceIPAddress":"198.51.100.7","errorMessage":"Failed authentication","responseElements":{"ConsoleLogin":"Failure"},"additionalEventData":{"MFAUsed":"No"}})",
    // E3
    R"({"userIdentity":{"type":"Root","invokedBy":"support.amazonaws.com"},"eventSource":"iam.amazonaws.com","eventName":"ListUsers","eventType":"AwsApiCall","sourceIPAddress":"support.amazonaws.com"})",
    // E4
    R"({"userIdentity":{"type":"AssumedRole"},"eventSource":"s3.amazonaws.com","eventName":"HeadBucket","errorCode":"AccessDenied","eventType":"AwsApiCall","sourceIPAddress":"203.0.113.9"})",
    // E5
    R"({"userIdentity":{"type":"IAMUser"},"eventSource":"ec2.amazonaws.com","eventName":"RunInstances","errorCode":"Client.UnauthorizedOperation","eventType":"AwsApiCall","sourceIPAddress":"203.0.113.9"})",
    // E6
    R"({"userIdentity":{"type":"IAMUser"},"eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","eventType":"AwsApiCall","sourceIPAddress":"203.0.113.9"})",
    // E7
    R"({"userIdentity":{"type":"IAMUser"},"eventSource":"kms.amazonaws.com","eventName":"ScheduleKeyDeletion","eventType":"AwsApiCall","sourceIPAddress":"203.0.113.9"})",
    // E8
    R"({"userIdentity":{"type":"IAMUser"},"eventSource":"ec2.amazonaws.com","eventName":"ModifySecurityGroupRules","eventType":"AwsApiCall","sourceIPAddress":"203.0.113.9"})",
};

struct CisCase {
  std::string_view name;
  std::string_view pattern;
  std::set<int> matching_events;  // 1-based E1..E8; every other event must not match
};

TEST(CisConformance, PatternsOverMinimalCloudTrailEvents) {
  // The bracketed results of §5.4 are noted per row; the remaining cells follow from the
  // rules (none of the other events has the event names or fields the pattern asks for).
  const std::vector<CisCase> cases =
      {
          // [E4: match, E5: match, E6: no match]
          {"4.1 v1.2/v1.3",
           R"p({ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") })p",
           {4, 5}},
          {"4.1 Security Hub CloudWatch.2",
           R"p({($.errorCode="*UnauthorizedOperation") || ($.errorCode="AccessDenied*")})p",
           {4, 5}},
          // [E4: match, E5: match, E6: match]
          {"4.1 v1.4/v1.5 erratum",
           R"p({ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") || ($.sourceIPAddress!="delivery.logs.amazonaws.com") || ($.eventName!="HeadBucket") })p",
           {1, 2, 3, 4, 5, 6, 7, 8}},
          // [E4: no match (HeadBucket), E5: match, E6: no match]
          {"4.1 v2.0+",
           R"p({ ($.errorCode ="*UnauthorizedOperation") || ($.errorCode ="AccessDenied*") && ($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") })p",
           {5}},
          // [E1: match, E2: match]
          {"4.2 no MFA",
           R"p({ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") })p",
           {1, 2}},
          // [E1: no match (Root), E2: no match (not Success)]
          {"4.2 no MFA, SSO variant / Security Hub CloudWatch.3",
           R"p({ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") })p",
           {}},
          // [E1: match, E3: no match (invokedBy exists)]
          {"root usage",
           R"p({ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" })p",
           {1}},
          {"root usage, Security Hub CloudWatch.1",
           R"p({$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType !="AwsServiceEvent"})p",
           {1}},
          {"IAM policy changes",
           R"p({($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||($.eventName=DetachGroupPolicy)})p",
           {}},
          {"CloudTrail configuration changes",
           R"p({ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) })p",
           {}},
          // [E1: no match, E2: match]
          {"console authentication failures",
           R"p({ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") })p",
           {2}},
          // [E7: match]
          {"disabling or scheduled deletion of CMKs",
           R"p({($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) })p",
           {7}},
          {"S3 bucket policy changes",
           R"p({ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) })p",
           {}},
          {"AWS Config configuration changes",
           R"p({ ($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel) ||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder)) })p",
           {}},
          // [E8: no match]
          {"security group changes v1.2-v4.0",
           R"p({ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) })p",
           {}},
          // [E8: match]
          {"security group changes v5.0",
           R"p({ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) || ($.eventName = ModifySecurityGroupRules) })p",
           {8}},
          {"NACL changes",
           R"p({ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) })p",
           {}},
          {"network gateway changes",
           R"p({ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || ($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || ($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) })p",
           {}},
          {"route table changes", R"p({ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) })p", {}},
          {"VPC changes",
           R"p({ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || ($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) })p",
           {}},
          {"AWS Organizations changes",
           R"p({ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") || ($.eventName = "AttachPolicy") || ($.eventName = "CreateAccount") || ($.eventName = "CreateOrganizationalUnit") || ($.eventName = "CreatePolicy") || ($.eventName = "DeclineHandshake") || ($.eventName = "DeleteOrganization") || ($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy") || ($.eventName = "DetachPolicy") || ($.eventName = "DisablePolicyType") || ($.eventName = "EnablePolicyType") || ($.eventName = "InviteAccountToOrganization") || ($.eventName = "LeaveOrganization") || ($.eventName = "MoveAccount") || ($.eventName = "RemoveAccountFromOrganization") || ($.eventName = "UpdatePolicy") || ($.eventName = "UpdateOrganizationalUnit")) })p",
           {}},
      };
  for (const CisCase& c : cases) {
    SCOPED_TRACE(testing::Message() << "CIS " << c.name << ": " << c.pattern);
    auto program = Compile(c.pattern);
    if (!program.ok()) {
      ADD_FAILURE() << "pattern does not compile: " << program.status().ToString();
      continue;
    }
    Matcher matcher(*program);
    int number = 0;
    for (std::string_view event : kCisEvents) {
      ++number;
      const bool want = c.matching_events.count(number) > 0;
      EXPECT_EQ(matcher.Matches(event), want)
          << "CIS " << c.name << " on E" << number << " " << event
          << (want ? ": expected a match" : ": expected no match");
    }
  }
}

// ---------------------------------------------------------------------------------------------
// §6 Secrets Manager patterns
// ---------------------------------------------------------------------------------------------

constexpr std::string_view kRotationFailed =
    R"({"eventVersion":"1.08","userIdentity":{"accountId":"123456789012","invokedBy":"secretsmanager.amazonaws.com"},)"
    R"("eventTime":"2022-09-13T02:17:48Z","eventSource":"secretsmanager.amazonaws.com","eventName":"RotationFailed",)"
    R"("awsRegion":"us-east-2","sourceIPAddress":"secretsmanager.amazonaws.com","userAgent":"secretsmanager.amazonaws.com",)"
    R"("errorMessage":"Error when executing lambda arn:aws:lambda:us-east-2:123456789012:function:SecretsManagertest-alternating-users-rotation2 during setSecret step",)"
    R"("requestParameters":null,"responseElements":null,)"
    R"("additionalEventData":{"SecretId":"arn:aws:secretsmanager:us-east-2:123456789012:secret:MyDatabaseSecret-a1b2c3"},)"
    R"("requestID":"Rotation-arn:aws:secretsmanager:us-east-2:123456789012:secret:MyDatabaseSecret-a1b2c3-eeb681b1-a07d-4aeb-9b61-1ee6590ec295",)"
    R"("eventID":"EXAMPLE3-90ab-cdef-fedc-ba987EXAMPLE","readOnly":false,"eventType":"AwsServiceEvent",)"
    R"("managementEvent":true,"recipientAccountId":"123456789012","eventCategory":"Management"})";

TEST(SecretsManagerConformance, PatternsCompile) {
  ExpectCompiles({
      R"p({ $.eventName = "GetSecretValue" && $.errorMessage = "*secret because it was marked for deletion*" })p",
      R"p({ ($.eventSource = secretsmanager.amazonaws.com) && ($.requestParameters.secretId = "<secret-arn>") && ($.eventName = "GetSecretValue" || $.eventName = "PutSecretValue" || $.eventName = "UpdateSecret" || $.eventName = "DeleteSecret") })p",
      R"p({ ($.eventSource = secretsmanager.amazonaws.com) && ($.eventName = DeleteSecret) })p",
      R"p({ ($.eventSource = "secretsmanager.amazonaws.com") && (($.eventName = DeleteSecret) || ($.eventName = PutSecretValue) || ($.eventName = UpdateSecret) || ($.eventName = RotateSecret)) })p",
      R"p({ ($.eventSource = secretsmanager.amazonaws.com) && (($.eventName = PutResourcePolicy) || ($.eventName = DeleteResourcePolicy) || ($.eventName = DeleteSecret)) })p",
      R"p({ ($.eventSource = secretsmanager.amazonaws.com) && ($.eventName = RotationFailed) })p",
      R"p({ $.eventName = RotateSecret && $.errorCode = * })p",
      R"p({ ($.eventSource = "secretsmanager.amazonaws.com") && ($.eventName = "GetSecretValue") && ($.requestParameters.secretId = "Production_Database_Credentials") })p",
      R"p({ $.eventName = "GetSecretValue" && $.requestParameters.secretId = "*wallet*" })p",
      R"p({ ($.errorCode = "AccessDenied") && ($.eventName = "GetSecretValue") })p",
      R"p({ $.eventSource = "secretsmanager.amazonaws.com" && $.eventName = "GetSecretValue" })p",
      "GetSecretValue",
  });
}

TEST(SecretsManagerConformance, ExistsIsInvalidOnAws) {
  constexpr std::string_view kPattern =
      R"p({ ($.eventSource = secretsmanager.amazonaws.com) && ($.errorCode EXISTS) })p";
  auto program = Compile(kPattern);
  EXPECT_FALSE(program.ok()) << "pattern: " << kPattern;
  // The replacement the spec recommends compiles.
  ExpectCompiles({R"p({ ($.eventSource = secretsmanager.amazonaws.com) && ($.errorCode = *) })p"});
}

TEST(SecretsManagerConformance, RotationFailedRecord) {
  RunCases({
      {R"p({ ($.eventSource = secretsmanager.amazonaws.com) && ($.eventName = RotationFailed) })p",
       kRotationFailed, true},
      {R"p({ $.eventName = RotateSecret && $.errorCode = * })p", kRotationFailed, false},
      {R"p({ $.eventName = "GetSecretValue" && $.errorMessage = "*secret because it was marked for deletion*" })p",
       kRotationFailed, false},
      {R"p({ $.eventType = "AwsServiceEvent" && $.userIdentity.invokedBy = "secretsmanager.amazonaws.com" && $.requestParameters IS NULL })p",
       kRotationFailed, true},
      {R"p({ $.additionalEventData.SecretId = "*MyDatabaseSecret*" })p", kRotationFailed, true},
      {R"p({ $.readOnly IS FALSE && $.managementEvent IS TRUE })p", kRotationFailed, true},
      {R"p({ $.eventName = "GetSecretValue" && $.errorMessage = "*secret because it was marked for deletion*" })p",
       R"({"eventSource":"secretsmanager.amazonaws.com","eventName":"GetSecretValue","errorCode":"InvalidRequestException","errorMessage":"You can't perform this operation on the secret because it was marked for deletion."})",
       true},
  });
}

}  // namespace
}  // namespace trailwatch::pattern
