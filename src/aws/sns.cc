#include "aws/sns.h"

#include <fmt/format.h>

#include <pugixml.hpp>
#include <vector>

namespace trailwatch::aws {
Result<SnsPublishResult> Publish(Client& client, const SnsPublish& publish) {
  std::string body = "Action=Publish&Version=2010-03-31&TopicArn=" + FormEncode(publish.topic_arn) +
                     "&Message=" + FormEncode(publish.message);
  if (publish.subject) body += "&Subject=" + FormEncode(*publish.subject);
  auto response = client.CallQuery(std::move(body));
  if (!response.ok()) return response.status();
  SnsPublishResult out;
  out.http_status = response->status;
  pugi::xml_document doc;
  const bool parsed = doc.load_string(response->body.c_str());
  if (response->status >= 200 && response->status < 300) {
    const pugi::xml_node id =
        doc.child("PublishResponse").child("PublishResult").child("MessageId");
    if (!parsed || !id) {
      out.error_code = "MalformedResponse";
      out.error_message = "the answer to Publish has no MessageId";
      out.retryable = true;
      return out;
    }
    out.ok = true;
    out.message_id = id.text().get();
    return out;
  }
  const pugi::xml_node error = doc.child("ErrorResponse").child("Error");
  out.error_code = parsed && error ? error.child("Code").text().get() : "";
  out.error_message = parsed && error ? error.child("Message").text().get() : "";
  if (out.error_code.empty()) out.error_code = fmt::format("HTTP{}", response->status);
  // Throttling and 5xx pass; so may credentials that expired or a clock that drifted (the
  // operator renews them), which the long SNS policy leaves time for.
  out.retryable = response->status >= 500 || response->status == 429 ||
                  out.error_code == "Throttling" || out.error_code == "ThrottlingException" ||
                  out.error_code == "ExpiredToken" || out.error_code == "RequestExpired" ||
                  out.error_code == "InvalidClientTokenId" ||
                  out.error_code == "SignatureDoesNotMatch";
  return out;
}

std::string SnsEndpoint(std::string_view region) {
  const Environment env = Environment::Process();
  auto loaded = LoadProfile(env);
  const Profile profile = loaded.ok() ? std::move(*loaded) : Profile{};
  return ResolveEndpoint(env, profile, "SNS", "sns", region).url;
}

std::string TopicRegion(std::string_view topic_arn) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    const std::size_t colon = topic_arn.find(':', start);
    if (colon == std::string_view::npos) return "";
    parts.push_back(topic_arn.substr(start, colon - start));
    start = colon + 1;
  }
  if (parts[0] != "arn" || parts[2] != "sns" || parts[3].empty()) return "";
  return std::string(parts[3]);
}

}  // namespace trailwatch::aws
