#include "app/event_description.h"

#include <initializer_list>

#include "common/json_text.h"
#include "engine/engine.h"

namespace trailwatch::app {
namespace {

event::JsonPath Path(std::initializer_list<const char*> keys) {
  event::JsonPath p;
  for (const char* k : keys) p.steps.push_back({event::PathStep::Kind::kKey, k, 0});
  return p;
}

}  // namespace

EventDescription::EventDescription() {
  event_time_ = engine::RegisterEventTime(&registry_);
  principal_ = registry_.Add(Path({"userIdentity", "arn"}));
  access_key_ = registry_.Add(Path({"userIdentity", "accessKeyId"}));
  identity_type_ = registry_.Add(Path({"userIdentity", "type"}));
  invoked_by_ = registry_.Add(Path({"userIdentity", "invokedBy"}));
  event_source_ = registry_.Add(Path({"eventSource"}));
  event_name_ = registry_.Add(Path({"eventName"}));
  for (auto keys : std::initializer_list<std::initializer_list<const char*>>{
           {"requestParameters", "secretId"},
           {"additionalEventData", "SecretId"},
           {"requestParameters", "name"},
           {"requestParameters", "bucketName"},
           {"requestParameters", "userName"},
           {"requestParameters", "roleName"},
           {"requestParameters", "policyArn"},
           {"requestParameters", "groupId"},
           {"requestParameters", "keyId"},
           {"requestParameters", "instanceId"},
           {"requestParameters", "trailName"}}) {
    resource_.push_back(registry_.Add(Path(keys)));
  }
  event::JsonPath first_resource = Path({"resources"});
  first_resource.steps.push_back({event::PathStep::Kind::kIndex, {}, 0});
  first_resource.steps.push_back({event::PathStep::Kind::kKey, "ARN", 0});
  resource_.push_back(registry_.Add(first_resource));
  source_ip_ = registry_.Add(Path({"sourceIPAddress"}));
  user_agent_ = registry_.Add(Path({"userAgent"}));
  error_code_ = registry_.Add(Path({"errorCode"}));
  event_id_ = registry_.Add(Path({"eventID"}));
  region_ = registry_.Add(Path({"awsRegion"}));
  account_ = registry_.Add(Path({"recipientAccountId"}));
}

std::uint32_t EventDescription::Add(const event::JsonPath& path) { return registry_.Add(path); }

void EventDescription::Finish() { paths_ = event::PathSet::Build(registry_.paths(), false); }

void EventDescription::Reader::Extract(const event::RecordText& json) {
  if (const event::ParsedRecord* parsed = json.parsed()) {
    extractor_.Extract(*d_.paths_, *parsed, &view_);
  } else {
    extractor_.Extract(*d_.paths_, json.get(), &view_);
  }
}

std::string EventDescription::Reader::Get(std::uint32_t slot) const {
  std::string v;
  view_.AnyValue(slot, [&](const event::Value& x) {
    if (x.kind != event::ValueKind::kString && x.kind != event::ValueKind::kNumber &&
        x.kind != event::ValueKind::kBool) {
      return false;
    }
    v = std::string(x.text);
    return true;
  });
  return v;
}

std::string EventDescription::Reader::Resource() const {
  for (std::uint32_t slot : d_.resource_) {
    std::string r = Get(slot);
    if (!r.empty()) return r;
  }
  return {};
}

detect::EventFields EventDescription::Reader::Fields(std::int64_t time_ms) const {
  detect::EventFields f;
  f.time_ms = time_ms;
  f.principal_arn = Get(d_.principal_);
  f.access_key_id = Get(d_.access_key_);
  f.user_agent = Get(d_.user_agent_);
  f.event_name = Get(d_.event_name_);
  f.event_source = Get(d_.event_source_);
  f.resource = Resource();
  f.error_code = Get(d_.error_code_);
  f.source_ip = Get(d_.source_ip_);
  f.region = Get(d_.region_);
  f.account = Get(d_.account_);
  f.event_id = Get(d_.event_id_);
  return f;
}

std::string EventDescription::Reader::Summary() const {
  std::string principal = Get(d_.principal_);
  if (principal.empty()) principal = Get(d_.invoked_by_);
  if (principal.empty()) principal = Get(d_.identity_type_);
  std::string json = "{";
  auto field = [&](std::string_view key, const std::string& value) {
    if (value.empty()) return;
    json += json.size() == 1 ? "\"" : ",\"";
    json += key;
    json += "\":";
    AppendJsonString(&json, value);
  };
  field("eventTime", Get(d_.event_time_));
  field("principal", principal);
  field("accessKeyId", Get(d_.access_key_));
  field("eventSource", Get(d_.event_source_));
  field("eventName", Get(d_.event_name_));
  field("resource", Resource());
  field("sourceIPAddress", Get(d_.source_ip_));
  field("userAgent", Get(d_.user_agent_));
  field("errorCode", Get(d_.error_code_));
  field("awsRegion", Get(d_.region_));
  field("recipientAccountId", Get(d_.account_));
  field("eventID", Get(d_.event_id_));
  json += "}";
  return json;
}

}  // namespace trailwatch::app
