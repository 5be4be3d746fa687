#include "app/vault_endpoint.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "common/crypto.h"
#include "common/time.h"
#include "trail/trail.h"

namespace trailwatch::app {
namespace {

constexpr std::string_view kTargetPrefix = "secretsmanager.";

std::string HeaderValue(const aws::HttpRequest& r, std::string_view name) {
  const auto values = aws::HeaderValues(r.headers, name);
  return values.empty() ? std::string() : std::string(values.front());
}

server::Reply Error(int status, std::string_view type, std::string_view message,
                    const std::string& request_id) {
  server::Reply r = server::AwsErrorReply(status, type, message);
  r.headers.push_back({"x-amzn-RequestId", request_id});
  return r;
}

std::optional<std::string> JsonOrNull(const std::string& json) {
  if (json.empty() || json == "null") return std::nullopt;
  return json;
}

}  // namespace

Result<std::string> AuditRecord(const vault::Response& response, const vault::CallContext& context,
                                std::string_view region, std::string_view account_id) {
  trail::ApiCall call;
  call.event_time_ms = context.time.time_since_epoch().count();
  call.request_id = context.request_id;
  const vault::Principal& p = context.principal;
  call.principal.type = trail::PrincipalType::kIamUser;
  call.principal.principal_id = p.principal_id;
  call.principal.arn = p.arn;
  call.principal.account_id = p.account_id;
  call.principal.access_key_id = p.access_key_id;
  call.principal.user_name = p.user_name;
  call.source_ip = context.source_ip;
  call.user_agent = context.user_agent;
  call.event_name = response.event_name;
  call.region = std::string(region);
  call.recipient_account_id = std::string(account_id);
  call.request_parameters = JsonOrNull(response.request_parameters);
  call.response_elements = JsonOrNull(response.response_elements);
  call.error_code = response.error_code;
  call.error_message = response.error_message;
  call.read_only = response.read_only;
  for (const std::string& arn : response.resources) {
    call.resources.push_back({arn, std::string(account_id), "AWS::SecretsManager::Secret"});
  }
  if (context.tls) {
    call.tls = trail::TlsDetails{context.tls_version, context.cipher_suite, context.host_header};
  }
  return trail::BuildRecord(call);
}

vault::AuthzDecision Authorize(const Caller& caller, const vault::AuthzRequest& request,
                               const vault::CallContext& context,
                               const std::optional<iam::Policy>& resource_policy) {
  iam::Request r;
  r.principal_arn = caller.principal.arn;
  r.principal_account = caller.principal.account_id;
  r.action = request.action;
  r.resource = request.resource_arn;
  const std::int64_t now_ms = context.time.time_since_epoch().count();
  r.context.Set("aws:SourceIp", context.source_ip);
  r.context.Set("aws:SecureTransport", context.tls ? "true" : "false");
  r.context.Set("aws:CurrentTime", FormatIso8601(now_ms - now_ms % 1000));
  r.context.Set("aws:EpochTime", std::to_string(now_ms / 1000));
  r.context.Set("aws:PrincipalArn", caller.principal.arn);
  r.context.Set("aws:PrincipalAccount", caller.principal.account_id);
  r.context.Set("aws:PrincipalType", "User");
  r.context.Set("aws:username", caller.principal.user_name);
  r.context.Set("aws:userid", caller.principal.principal_id);
  if (!context.user_agent.empty()) r.context.Set("aws:UserAgent", context.user_agent);
  if (request.secret_exists) r.context.Set("secretsmanager:SecretId", request.resource_arn);
  for (const auto& [key, value] : request.tags) {
    r.context.Set("secretsmanager:ResourceTag/" + key, value);
    r.context.Set("aws:ResourceTag/" + key, value);
  }
  std::optional<iam::NamedPolicy> named;
  if (resource_policy) named = iam::NamedPolicy{"resource policy", *resource_policy};
  const iam::Decision d = iam::Evaluate(r, caller.policies, named ? &*named : nullptr);
  vault::AuthzDecision out;
  out.allowed = d.allowed();
  if (!out.allowed) {
    out.message =
        iam::AccessDeniedMessage(caller.principal.arn, request.action, request.resource_arn, d);
  }
  return out;
}

VaultEndpoint::VaultEndpoint(Identity* identity, vault::Vault* vault, const aws::Verifier* verifier,
                             const Clock& clock)
    : identity_(identity), vault_(vault), verifier_(verifier), clock_(clock) {}

std::optional<iam::Policy> VaultEndpoint::ResourcePolicy(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  std::lock_guard lock(mu_);
  auto it = policies_.find(*text);
  if (it != policies_.end()) return it->second;
  iam::ParseOptions po;
  po.kind = iam::PolicyKind::kResource;
  po.limit = iam::kSecretResourcePolicyLimit;
  po.source = "resource policy";
  auto parsed = iam::Policy::Parse(*text, po);
  std::optional<iam::Policy> policy;
  if (parsed.ok()) policy = std::move(*parsed);
  if (policies_.size() > 1000) policies_.clear();
  policies_.emplace(*text, policy);
  return policy;
}

vault::AuthzDecision VaultEndpoint::Authorize(const vault::AuthzRequest& request,
                                              const vault::CallContext& context) {
  auto caller = identity_->CallerFor(context.principal.access_key_id);
  if (!caller.ok()) return {false, "the caller's access key is no longer valid"};
  const std::optional<iam::Policy> policy = ResourcePolicy(request.resource_policy);
  if (request.resource_policy && !policy) {
    // A stored policy that does not parse cannot be enforced; fail closed, but let the
    // owner repair it.
    if (request.action != "secretsmanager:PutResourcePolicy" &&
        request.action != "secretsmanager:DeleteResourcePolicy" &&
        request.action != "secretsmanager:GetResourcePolicy") {
      return {false, fmt::format("User: {} is not authorized to perform: {} on resource: {} "
                                 "because the resource policy cannot be evaluated",
                                 (*caller)->principal.arn, request.action, request.resource_arn)};
    }
  }
  return app::Authorize(**caller, request, context, policy);
}

server::Reply VaultEndpoint::Handle(const aws::HttpRequest& request, const server::Peer& peer) {
  auto uuid = NewUuid();
  const std::string request_id = uuid.ok() ? *uuid : "00000000-0000-4000-8000-000000000000";
  // Authentication comes first: nothing, not even the operation name, is looked at for an
  // unsigned or forged request.
  const aws::VerifyResult verified = verifier_->Verify(request);
  if (!verified.ok()) {
    return Error(verified.error().http_status, verified.error().type, verified.error().message,
                 request_id);
  }
  const std::string target = HeaderValue(request, "X-Amz-Target");
  // The operation is named by X-Amz-Target, and only the signed headers bind a request to its
  // signature: an unsigned target would let a captured GetSecretValue be replayed, within the
  // clock-skew window, as a DeleteSecret of the same SecretId. Every AWS SDK signs it.
  const std::vector<std::string>& signed_headers = verified.value().signed_headers;
  if (!target.empty() && std::find(signed_headers.begin(), signed_headers.end(), "x-amz-target") ==
                             signed_headers.end()) {
    return Error(400, "IncompleteSignatureException",
                 "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.", request_id);
  }
  if (!target.starts_with(kTargetPrefix)) {
    return Error(400, "UnknownOperationException", "", request_id);
  }
  auto caller = identity_->CallerFor(verified.value().access_key_id);
  if (!caller.ok()) {
    return Error(400, "UnrecognizedClientException",
                 "The security token included in the request is invalid.", request_id);
  }
  vault::CallContext ctx;
  ctx.principal = (*caller)->principal;
  ctx.source_ip = peer.ip;
  ctx.user_agent = HeaderValue(request, "User-Agent");
  ctx.request_id = request_id;
  ctx.tls = peer.tls;
  ctx.tls_version = peer.tls_version;
  ctx.cipher_suite = peer.cipher_suite;
  ctx.host_header = peer.host_header;
  ctx.time = clock_.Now();
  const vault::Response response =
      vault_->Handle(std::string_view(target).substr(kTargetPrefix.size()), request.body, ctx);
  server::Reply reply;
  reply.status = response.http_status;
  reply.headers.push_back({"x-amzn-RequestId", request_id});
  reply.body = response.body;
  return reply;
}

}  // namespace trailwatch::app
