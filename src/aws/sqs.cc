#include "aws/sqs.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

namespace trailwatch::aws {
namespace {

std::string Text(const nlohmann::json& o, const char* key) {
  if (!o.is_object()) return "";
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// S3 event notifications encode keys as form values: '+' for space, %XX for the rest.
std::string FormDecode(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out.push_back(' ');
    } else if (in[i] == '%' && i + 2 < in.size() &&
               std::isxdigit(static_cast<unsigned char>(in[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(in[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

void Collect(const nlohmann::json& j, std::vector<std::pair<std::string, std::string>>* out,
             int depth) {
  if (!j.is_object() || depth > 2) return;
  // SNS envelope: the Message is the notification, as a string.
  if (Text(j, "Type") == "Notification" && j.contains("Message")) {
    const auto inner = nlohmann::json::parse(Text(j, "Message"), nullptr, false);
    return Collect(inner, out, depth + 1);
  }
  // CloudTrail's own notification.
  if (auto keys = j.find("s3ObjectKey"); keys != j.end() && keys->is_array()) {
    const std::string bucket = Text(j, "s3Bucket");
    for (const auto& k : *keys) {
      if (k.is_string() && !bucket.empty()) out->emplace_back(bucket, k.get<std::string>());
    }
    return;
  }
  // S3 event notification.
  if (auto records = j.find("Records"); records != j.end() && records->is_array()) {
    for (const auto& r : *records) {
      if (!Text(r, "eventName").starts_with("ObjectCreated:")) continue;
      auto s3 = r.find("s3");
      if (s3 == r.end() || !s3->is_object()) continue;
      const std::string bucket = s3->contains("bucket") ? Text((*s3)["bucket"], "name") : "";
      const std::string key = s3->contains("object") ? Text((*s3)["object"], "key") : "";
      if (!bucket.empty() && !key.empty()) out->emplace_back(bucket, FormDecode(key));
    }
    return;
  }
  // EventBridge "Object Created".
  if (Text(j, "detail-type") == "Object Created") {
    auto d = j.find("detail");
    if (d == j.end() || !d->is_object()) return;
    const std::string bucket = d->contains("bucket") ? Text((*d)["bucket"], "name") : "";
    const std::string key = d->contains("object") ? Text((*d)["object"], "key") : "";
    if (!bucket.empty() && !key.empty()) out->emplace_back(bucket, key);
  }
}

}  // namespace

Result<std::vector<std::pair<std::string, std::string>>> AnnouncedObjects(std::string_view body) {
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded()) return Status::Corruption("the message is not JSON");
  std::vector<std::pair<std::string, std::string>> out;
  Collect(j, &out, 0);
  return out;
}

SqsQueue::SqsQueue(std::string queue, ClientOptions options, const Clock& clock)
    : queue_(std::move(queue)) {
  options.service = "sqs";
  if (queue_.starts_with("https://") || queue_.starts_with("http://")) url_ = queue_;
  client_ = std::make_unique<Client>(std::move(options), clock);
}

SqsQueue::~SqsQueue() = default;

Result<std::string> SqsQueue::Call(std::string_view op, const std::string& body) {
  auto r = client_->CallJson(fmt::format("AmazonSQS.{}", op), body, "1.0");
  const std::string where = fmt::format("sqs://{}", queue_);
  if (!r.ok()) return r.status().WithContext(where);
  if (r->status != 200) {
    const JsonError e = ParseJsonError(*r).value_or(JsonError{});
    std::string advice;
    if (e.type.find("NonExistentQueue") != std::string::npos || e.type == "QueueDoesNotExist") {
      advice =
          " (check the queue's name or URL and region, and AWS_ENDPOINT_URL_SQS for a "
          "non-AWS endpoint)";
    } else if (e.type == "AccessDenied" || e.type == "AccessDeniedException" || r->status == 403) {
      advice =
          " (the credentials need sqs:ReceiveMessage and sqs:DeleteMessage on the queue, "
          "sqs:ChangeMessageVisibility and sqs:GetQueueAttributes to scan it)";
    }
    return Status::InvalidArgument(fmt::format("{}: {} {}{}{} (HTTP {}){}", where, op, e.type,
                                               e.message.empty() ? "" : ": ", e.message, r->status,
                                               advice));
  }
  return std::move(r->body);
}

Status SqsQueue::ResolveUrl() {
  if (!url_.empty()) return Status::Ok();
  auto body = Call("GetQueueUrl", nlohmann::json{{"QueueName", queue_}}.dump());
  if (!body.ok()) return body.status();
  url_ = Text(nlohmann::json::parse(*body, nullptr, false), "QueueUrl");
  if (url_.empty())
    return Status::Corruption(fmt::format("sqs://{}: GetQueueUrl gave no URL", queue_));
  return Status::Ok();
}

Result<std::vector<SqsMessage>> SqsQueue::Receive(int wait_seconds,
                                                  std::optional<int> visibility_seconds) {
  if (Status s = ResolveUrl(); !s.ok()) return s;
  nlohmann::json request{
      {"QueueUrl", url_}, {"MaxNumberOfMessages", 10}, {"WaitTimeSeconds", wait_seconds}};
  if (visibility_seconds) request["VisibilityTimeout"] = *visibility_seconds;
  auto body = Call("ReceiveMessage", request.dump());
  if (!body.ok()) return body.status();
  const auto j = nlohmann::json::parse(*body, nullptr, false);
  std::vector<SqsMessage> out;
  if (auto messages = j.is_object() ? j.find("Messages") : j.end();
      j.is_object() && messages != j.end() && messages->is_array()) {
    for (const auto& m : *messages) {
      out.push_back({Text(m, "MessageId"), Text(m, "ReceiptHandle"), Text(m, "Body")});
    }
  }
  return out;
}

Status SqsQueue::Delete(const SqsMessage& message) {
  if (Status s = ResolveUrl(); !s.ok()) return s;
  auto body =
      Call("DeleteMessage",
           nlohmann::json{{"QueueUrl", url_}, {"ReceiptHandle", message.receipt_handle}}.dump());
  return body.ok() ? Status::Ok() : body.status();
}

Result<SqsQueue::Info> SqsQueue::Describe() {
  if (Status s = ResolveUrl(); !s.ok()) return s;
  auto body =
      Call("GetQueueAttributes",
           nlohmann::json{{"QueueUrl", url_}, {"AttributeNames", {"RedrivePolicy", "FifoQueue"}}}
               .dump());
  if (!body.ok()) return body.status();
  const auto j = nlohmann::json::parse(*body, nullptr, false);
  const nlohmann::json attributes =
      j.is_object() && j.contains("Attributes") ? j["Attributes"] : nlohmann::json::object();
  Info info;
  info.fifo = Text(attributes, "FifoQueue") == "true";
  if (const std::string redrive = Text(attributes, "RedrivePolicy"); !redrive.empty()) {
    // {"deadLetterTargetArn": "...", "maxReceiveCount": 5} (a number, or a string of one).
    const auto policy = nlohmann::json::parse(redrive, nullptr, false);
    const nlohmann::json most = policy.is_object() && policy.contains("maxReceiveCount")
                                    ? policy["maxReceiveCount"]
                                    : nlohmann::json();
    if (most.is_number_integer()) {
      info.max_receive_count = most.get<int>();
    } else if (most.is_string()) {
      info.max_receive_count = std::atoi(most.get<std::string>().c_str());
    } else {
      info.max_receive_count = 1;  // unreadable: assume the strictest
    }
  }
  return info;
}

Status SqsQueue::Release(const std::vector<SqsMessage>& messages) {
  if (Status s = ResolveUrl(); !s.ok()) return s;
  std::size_t failed = 0;
  std::string first_error;
  for (std::size_t at = 0; at < messages.size(); at += 10) {
    nlohmann::json entries = nlohmann::json::array();
    for (std::size_t i = at; i < std::min(messages.size(), at + 10); ++i) {
      entries.push_back({{"Id", std::to_string(i - at)},
                         {"ReceiptHandle", messages[i].receipt_handle},
                         {"VisibilityTimeout", 0}});
    }
    auto body = Call("ChangeMessageVisibilityBatch",
                     nlohmann::json{{"QueueUrl", url_}, {"Entries", entries}}.dump());
    if (!body.ok()) {
      // The other batches are still worth handing back.
      failed += entries.size();
      if (first_error.empty()) first_error = body.status().message();
      continue;
    }
    const auto j = nlohmann::json::parse(*body, nullptr, false);
    if (auto f = j.is_object() ? j.find("Failed") : j.end();
        j.is_object() && f != j.end() && f->is_array() && !f->empty()) {
      failed += f->size();
      if (first_error.empty()) first_error = Text((*f)[0], "Code");
    }
  }
  if (failed > 0) {
    return Status::IoError(fmt::format("sqs://{}: {} of {} messages not handed back ({})", queue_,
                                       failed, messages.size(), first_error));
  }
  return Status::Ok();
}

Result<std::unique_ptr<SqsQueue>> OpenSqsQueue(const std::string& queue, const Environment& env,
                                               const Clock& clock) {
  auto profile = LoadProfile(env);
  if (!profile.ok()) return profile.status();
  ClientOptions o = ServiceOptions(env, *profile, "SQS", "sqs", clock);
  // Long polls last up to 20 s.
  o.timeout_ms = 40'000;
  return std::make_unique<SqsQueue>(queue, std::move(o), clock);
}

}  // namespace trailwatch::aws
