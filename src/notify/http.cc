// The HTTP/S and Slack deliverers (libcurl) and the Slack message format.
#include <curl/curl.h>
#include <fmt/format.h>
#include <strings.h>

#include <algorithm>

#include "common/json_text.h"
#include "net/curl.h"
#include "notify/notify.h"
#include "notify/text.h"

namespace trailwatch::notify {
namespace {

// Keeps the start of a response body for error messages (Slack explains itself there).
struct ResponseHead {
  std::string text;
};

std::size_t KeepHead(char* data, std::size_t size, std::size_t count, void* user) {
  constexpr std::size_t kKeep = 200;
  auto* head = static_cast<ResponseHead*>(user);
  const std::size_t n = size * count;
  if (head->text.size() < kKeep) head->text.append(data, std::min(n, kKeep - head->text.size()));
  return n;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

class HttpDeliverer final : public Deliverer {
 public:
  explicit HttpDeliverer(HttpOptions options) : options_(std::move(options)) { net::InitCurl(); }

  DeliveryResult Deliver(const Delivery& d) override {
    const bool https_only = d.protocol == Protocol::kHttps;
    if (d.protocol == Protocol::kHttp ? !StartsWith(d.endpoint, "http://")
        : https_only                  ? !StartsWith(d.endpoint, "https://")
                     : !StartsWith(d.endpoint, "https://") && !StartsWith(d.endpoint, "http://")) {
      return {false, false, 0,
              fmt::format("{} endpoint must be an {} URL", ProtocolName(d.protocol),
                          https_only ? "https://" : "http(s)://")};
    }
    net::CurlHandle curl;
    if (!curl) return {false, true, 0, "cannot start libcurl"};
    net::CurlList headers;
    bool has_type = false;
    for (const auto& [name, value] : d.headers) {
      if (name.find_first_of("\r\n:") != std::string::npos ||
          value.find_first_of("\r\n") != std::string::npos) {
        return {false, false, 0, "header with a line break or colon in its name"};
      }
      has_type = has_type || ::strcasecmp(name.c_str(), "Content-Type") == 0;
      headers.Append(name + ": " + value);
    }
    if (!has_type) headers.Append("Content-Type: application/json");
    headers.Append("Expect:");  // no 100-continue round trip
    ResponseHead head;
    CURL* h = curl.get();
    curl_easy_setopt(h, CURLOPT_URL, d.endpoint.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, https_only ? "https" : "http,https");
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, d.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(d.body.size()));
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &KeepHead);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &head);
    // SNS does not follow redirects; a 3xx is an answer like any other.
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    net::SetTlsAndTimeouts(h, options_.verify_peer, options_.ca_file, options_.connect_timeout_ms,
                           options_.timeout_ms);
    const net::CurlOutcome o = curl.Perform();
    const int status = static_cast<int>(o.response);
    if (o.code != CURLE_OK) {
      return {false, net::IsTransientCurlError(o.code), status, fmt::format("HTTP: {}", o.message)};
    }
    if (status >= 200 && status < 300) return {true, false, status, ""};
    // Spec 4.8: 5xx is retried, other answers are not. Slack asks callers to retry on 429.
    const bool retry = status >= 500 || (d.protocol == Protocol::kSlack && status == 429);
    std::string error = fmt::format("HTTP status {}", status);
    if (!head.text.empty()) error += ": " + head.text;
    return {false, retry, status, error};
  }

 private:
  HttpOptions options_;
};

// Slack's mrkdwn needs &, < and > escaped; everything else is literal.
std::string Mrkdwn(std::string_view s) {
  std::string out;
  for (char ch : s) {
    if (ch == '&') {
      out += "&amp;";
    } else if (ch == '<') {
      out += "&lt;";
    } else if (ch == '>') {
      out += "&gt;";
    } else {
      out += ch;
    }
  }
  return out;
}

// Slack rejects over-long texts; cut at a code point boundary.
std::string Cut(std::string s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  std::size_t end = 0;
  while (end < s.size()) {
    std::size_t len = Utf8SequenceLength(s, end);
    if (len == 0) len = 1;
    if (end + len > max_bytes - 3) break;
    end += len;
  }
  s.resize(end);
  return s + "...";
}

void TextObject(std::string* out, std::string_view type, std::string_view text) {
  *out += '{';
  AppendJsonField(out, "type", type);
  AppendJsonField(out, "text", text);
  *out += '}';
}

void Field(std::string* out, std::string_view title, const std::vector<std::string>& parts) {
  std::string text = fmt::format("*{}*", title);
  for (const std::string& p : parts) {
    if (!p.empty()) text += "\n" + p;
  }
  if (out->back() != '[') *out += ',';
  TextObject(out, "mrkdwn", Cut(text, 2000));
}

std::string Labeled(std::string_view label, std::string_view value) {
  return value.empty() ? "" : fmt::format("{}: {}", label, Mrkdwn(value));
}

}  // namespace

std::string SlackPayload(std::string_view subject, std::string_view reason, std::string_view link,
                         const std::vector<EventSummary>& events) {
  std::string out = "{";
  AppendJsonField(&out, "text", subject);
  out += ",\"blocks\":[{\"type\":\"header\",\"text\":";
  TextObject(&out, "plain_text", Cut(std::string(subject), 150));
  out += "},{\"type\":\"section\",\"text\":";
  std::string text = Mrkdwn(reason);
  if (!link.empty()) text += fmt::format("\n<{}|View this alarm>", link);
  TextObject(&out, "mrkdwn", Cut(text, 3000));
  out += '}';
  const std::size_t listed = std::min(events.size(), kMaxListedEvents);
  for (std::size_t i = 0; i < listed; ++i) {
    const EventSummary& e = events[i];
    out += ",{\"type\":\"section\",\"fields\":[";
    Field(&out, "Who",
          {Mrkdwn(e.principal.empty() ? "unknown" : e.principal),
           Labeled("Access key", e.access_key_id)});
    Field(&out, "What",
          {Mrkdwn(fmt::format("{} {}", e.event_source, e.event_name)),
           Labeled("Resource", e.resource), Labeled("Error", e.error_code)});
    Field(&out, "Where",
          {Labeled("Source IP", e.source_ip), Labeled("Region", e.aws_region),
           Labeled("Account", e.recipient_account_id), Labeled("User agent", e.user_agent)});
    Field(&out, "When", {Mrkdwn(e.event_time), Labeled("Event ID", e.event_id)});
    out += "]}";
  }
  if (listed < events.size()) {
    out += ",{\"type\":\"context\",\"elements\":[";
    TextObject(&out, "mrkdwn",
               fmt::format("{} more contributing events not shown", events.size() - listed));
    out += "]}";
  }
  out += "]}";
  return out;
}

std::unique_ptr<Deliverer> NewHttpDeliverer(HttpOptions options) {
  return std::make_unique<HttpDeliverer>(std::move(options));
}

}  // namespace trailwatch::notify
