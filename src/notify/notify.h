// notify: what CloudWatch publishes to SNS for an alarm state change, byte for byte
// (spec cloudwatch.md section 4), so receivers that parse AWS's messages parse ours.
//
// This header holds the message formats (alarm JSON, subject, e-mail body, SNS HTTP/S envelope
// with its signature) and the deliverers that send one rendered message once (SMTP, HTTP/S,
// Slack, file), and (last section) the durable outbox that stores and retries them. Topics and
// subscriptions build on these (design.md section 2).
//
// Thread safety: the formatting functions are pure. A MessageSigner is immutable after
// loading and may be shared. Each Deliverer may be used from several threads at once (every
// Deliver() call uses its own connection).
#ifndef TRAILWATCH_NOTIFY_NOTIFY_H_
#define TRAILWATCH_NOTIFY_NOTIFY_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "alarm/alarm.h"
#include "alarm/composite.h"
#include "common/clock.h"
#include "common/status.h"

namespace trailwatch::store {
class Store;  // store/store.h; the Outbox keeps its rows there
}  // namespace trailwatch::store

namespace trailwatch::notify {

// The long region name CloudWatch writes into alarm messages and subjects: "US East (N.
// Virginia)", "EU (Ireland)" (not the console's newer "Europe (...)"). An unknown code is
// returned as is.
std::string RegionDisplayName(std::string_view region);

// The SNS Subject of an alarm message (spec 4.3): `ALARM: "name" in US East (N. Virginia)`.
// A long name is cut and suffixed with "..." inside the quotes so that the subject has at
// most 99 characters (SNS wants fewer than 100); cuts never split a UTF-8 sequence.
std::string AlarmSubject(alarm::State new_state, std::string_view alarm_name,
                         std::string_view region);

// The alarm JSON of a metric alarm's state change (spec 4.2): the SNS `Message` that HTTP/S,
// SQS, Lambda and email-json subscribers receive, compact, keys in AWS's order.
// `config_updated_ms` is AlarmConfigurationUpdatedTimestamp: when the alarm was last put.
std::string MetricAlarmMessage(const alarm::AlarmConfig& config,
                               const alarm::Transition& transition, std::int64_t config_updated_ms);

// What a composite alarm message needs besides the transition.
struct CompositeAlarmInfo {
  std::string name;
  std::string description;  // empty: JSON null
  std::string arn;
  std::string account;
  std::string region;
  std::string alarm_rule;
  std::vector<std::string> ok_actions;
  std::vector<std::string> alarm_actions;
  std::vector<std::string> insufficient_data_actions;
};

// A child alarm named in TriggeringChildren: its ARN and the state it changed to, when.
using TriggeringChild = alarm::ChildChange;

// The alarm JSON of a composite alarm's state change (spec 4.2, "Composite alarm JSON").
std::string CompositeAlarmMessage(const CompositeAlarmInfo& info,
                                  const alarm::Transition& transition,
                                  const std::vector<TriggeringChild>& triggering);

// True for an SNS topic ARN (arn:<partition>:sns:<region>:<account>:<name>): the only alarm
// actions that publish these messages.
bool IsSnsTopicArn(std::string_view arn);

// ---- E-mail body (protocol `email`, spec 4.4) ----

// One contributing event, as the caller extracted it from the CloudTrail record. Empty fields
// are "not known" and are left out of the text (principal, event name, time and IDs are
// expected to be present).
struct EventSummary {
  std::string event_time;  // eventTime as in the record, "2024-07-31T12:36:52Z"
  // userIdentity.arn; for the root user or an AWS service principal, whatever the caller
  // chose to show ("root", "cloudtrail.amazonaws.com").
  std::string principal;
  std::string access_key_id;  // userIdentity.accessKeyId
  std::string event_source;   // "secretsmanager.amazonaws.com"
  std::string event_name;     // "GetSecretValue"
  std::string resource;       // the resource acted on (ARN or name)
  std::string error_code;     // errorCode
  std::string source_ip;      // sourceIPAddress
  std::string user_agent;     // userAgent
  std::string aws_region;     // awsRegion (a code, "us-east-1")
  std::string recipient_account_id;
  std::string event_id;  // eventID
};

// At most this many events are listed in a message; the rest are counted.
inline constexpr std::size_t kMaxListedEvents = 10;

// What the e-mail body needs besides the alarm.
struct EmailOptions {
  // The "View this alarm" link is `alarm_link_base` + the URL-encoded alarm name; empty gives
  // AWS's console deeplink for the alarm's region (for alarms that also exist in AWS).
  std::string alarm_link_base;
  // The SNS footer's unsubscribe link: `unsubscribe_base` + "?SubscriptionArn=<arn>&Endpoint=
  // <address>"; AWS's is "https://sns.<region>.amazonaws.com/unsubscribe.html". An empty base
  // leaves the link out (the rest of the footer stays).
  std::string unsubscribe_base;
  std::string subscription_arn;
  std::string endpoint;  // the subscriber's address
};

// The plain-text body SNS mails to `email` subscribers for a metric alarm's transition, in
// AWS's layout (LF line ends), followed by trailwatch's "Who / What / Where / When" section
// (the first kMaxListedEvents of `events`; none when `events` is empty) and SNS's footer.
std::string MetricAlarmEmail(const alarm::AlarmConfig& config, const alarm::Transition& transition,
                             const std::vector<EventSummary>& events, const EmailOptions& options);

// The same for a composite alarm (AWS's composite variant: "has transitioned to", Alarm Rule,
// Triggering children).
std::string CompositeAlarmEmail(const CompositeAlarmInfo& info, const alarm::Transition& transition,
                                const std::vector<TriggeringChild>& triggering,
                                const std::vector<EventSummary>& events,
                                const EmailOptions& options);

// One event's lines of that section: "[1] <time> <event name>", then Who, Access Key, What,
// Resource, Error Code, Source IP, User Agent, Region, Account, When, Event ID (known ones).
std::string EventSummaryText(std::size_t index, const EventSummary& event);

// ---- Detection alerts (trailwatch's own; AWS has no equivalent message) ----

// `ALERT (high): "name" in US East (N. Virginia)`, cut like AlarmSubject.
std::string DetectionSubject(std::string_view severity, std::string_view detection,
                             std::string_view region);

struct DetectionAlertInfo {
  std::string detection;
  std::string severity;  // "low" … "critical"
  std::string region;
  std::int64_t time_ms = 0;
  std::uint64_t count = 0;  // matches in the threshold window, or held back for a roll-up
  bool rollup = false;
};

// The e-mail body of a detection alert: what fired, then the Who / What / Where / When of
// its events and SNS's footer.
std::string DetectionEmail(const DetectionAlertInfo& alert, const std::vector<EventSummary>& events,
                           const EmailOptions& options);

// ---- SNS HTTP/S envelope and signature (spec 4.5, 4.6) ----

enum class SnsMessageType : std::uint8_t {
  kNotification,
  kSubscriptionConfirmation,
  kUnsubscribeConfirmation,
};

// "Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation".
std::string_view SnsMessageTypeName(SnsMessageType type);

// One SNS message as delivered to HTTP/S and email-json subscribers. The fields a type does
// not use are ignored.
struct SnsMessage {
  SnsMessageType type = SnsMessageType::kNotification;
  std::string message_id;  // a UUID, the same on every retry
  std::string topic_arn;
  std::string subscription_arn;        // header; Notification and UnsubscribeConfirmation
  std::optional<std::string> subject;  // Notification only; nullopt leaves the key out
  std::string message;                 // the alarm JSON, or the confirmation text
  std::int64_t timestamp_ms = 0;       // publish time
  std::string token;                   // confirmations
  std::string subscribe_url;           // confirmations
  std::string unsubscribe_url;         // Notification
};

// The text AWS signs (spec 4.6): "Key\nvalue\n" for the type's signed keys in byte order.
std::string StringToSign(const SnsMessage& message);

// `base` + "?Action=Unsubscribe&SubscriptionArn=<arn>", as AWS builds UnsubscribeURL on
// "https://sns.<region>.amazonaws.com/".
std::string UnsubscribeUrl(std::string_view base, std::string_view subscription_arn);
// `base` + "?Action=ConfirmSubscription&TopicArn=<arn>&Token=<token>".
std::string SubscribeUrl(std::string_view base, std::string_view topic_arn, std::string_view token);
// AWS's Message texts of the two confirmation types.
std::string SubscriptionConfirmationText(std::string_view topic_arn);
std::string UnsubscribeConfirmationText(std::string_view subscription_arn);

// trailwatch's SNS signing identity: an RSA-2048 key and a self-signed X.509 certificate
// (SignatureVersion 2, SHA256withRSA). AWS's key is not ours, so receivers that verify must
// trust our SigningCertURL (docs/notifications.md).
class MessageSigner {
 public:
  MessageSigner(MessageSigner&&) noexcept;
  MessageSigner& operator=(MessageSigner&&) noexcept;
  ~MessageSigner();

  // Loads `dir`/sns-signing-key.pem (mode 0600) and `dir`/sns-signing-cert.pem, creating
  // the directory (0700), the key and the certificate when missing; a certificate that is
  // missing, does not match the key or expires within 30 days is re-issued from the same key.
  // `cert_base_url` is where the daemon serves CertificatePem() ("https://host:4580/sns"):
  // SigningCertURL is `cert_base_url` + "/" + CertificateFileName().
  static Result<MessageSigner> LoadOrCreate(const std::string& dir, std::string cert_base_url,
                                            const Clock& clock);

  // Base64 SHA256withRSA (PKCS#1 v1.5) signature of `data`.
  Result<std::string> Sign(std::string_view data) const;
  const std::string& CertificatePem() const;
  // "SimpleNotificationService-<32 hex digits of the certificate's SHA-256>.pem": a new name
  // for a new certificate, so receivers that cache by URL never verify with a stale one.
  const std::string& CertificateFileName() const;
  std::string SigningCertUrl() const;

 private:
  struct Impl;
  explicit MessageSigner(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The JSON body SNS POSTs to HTTP/S subscribers and mails to email-json subscribers: AWS's
// key order and layout ("{\n  \"Type\" : ...}"), SignatureVersion "2", signed with `signer`.
Result<std::string> EnvelopeJson(const SnsMessage& message, const MessageSigner& signer);

using Header = std::pair<std::string, std::string>;
// The x-amz-sns-* headers, Content-Type and User-Agent SNS sends with the envelope.
std::vector<Header> EnvelopeHeaders(const SnsMessage& message);

// ---- Deliverers ----

// kSns: trailwatch's own, publishes to a real SNS topic (the endpoint is its ARN).
enum class Protocol : std::uint8_t { kEmail, kEmailJson, kHttp, kHttps, kSlack, kFile, kSns };

// An endpoint fit for logs and the API: webhook URLs (http, https, slack) often carry a
// credential in their path, query or userinfo, so only "scheme://host[:port]" and "/..." are
// kept; addresses, file paths and topic ARNs are shown as they are.
std::string RedactedEndpoint(std::string_view protocol, std::string_view endpoint);

// "email", "email-json", "http", "https", "slack", "file", "sns".
std::string_view ProtocolName(Protocol protocol);
Result<Protocol> ParseProtocol(std::string_view name);

// One rendered message for one endpoint. The outbox stores it and hands the same bytes to
// Deliver() on every attempt, so retries repeat the message id, date and signature.
struct Delivery {
  Protocol protocol = Protocol::kFile;
  std::string endpoint;  // mail address, URL or file path
  // Stable per message: the Message-ID's local part, x-amz-sns-message-id.
  std::string message_id;
  std::int64_t time_ms = 0;  // the mail's Date
  std::string subject;       // e-mail: empty gives "AWS Notification Message", as SNS does; sns
  // email: the text; email-json and http(s): EnvelopeJson(); slack: SlackPayload(); file:
  // FileLine() (without the line end); sns: the SNS Message.
  std::string body;
  std::vector<Header> headers;  // http(s): EnvelopeHeaders()
};

struct DeliveryResult {
  bool ok = false;
  bool retryable = false;  // meaningful when !ok: whether the outbox should try again
  int code = 0;            // the last HTTP status or SMTP reply code; 0 when none came
  std::string error;       // empty when ok; never holds a password
};

// Sends one Delivery once, synchronously, within its timeouts. No retries inside.
class Deliverer {
 public:
  virtual ~Deliverer() = default;
  virtual DeliveryResult Deliver(const Delivery& delivery) = 0;
};

struct SmtpOptions {
  // smtp://host[:port] (STARTTLS when the server offers it) or smtps://host[:port] (TLS from
  // the start).
  std::string url;
  std::string from;               // "trailwatch@example.com"
  std::string from_display_name;  // optional, "AWS Notifications"
  std::string username;           // AUTH when non-empty
  std::string password;
  bool require_tls = false;  // fail instead of sending in clear when STARTTLS is absent
  bool verify_peer = true;   // check the server certificate and host name
  std::string ca_file;       // extra CA bundle; empty: the system's
  std::int64_t connect_timeout_ms = 15'000;
  std::int64_t timeout_ms = 60'000;
};

struct HttpOptions {
  bool verify_peer = true;
  std::string ca_file;
  std::int64_t connect_timeout_ms = 15'000;
  std::int64_t timeout_ms = 15'000;  // SNS gives an endpoint 15 seconds (spec 4.8)
};

// email and email-json over SMTP (libcurl).
std::unique_ptr<Deliverer> NewSmtpDeliverer(SmtpOptions options);
// http, https and slack: POST `body` with `headers` (libcurl).
std::unique_ptr<Deliverer> NewHttpDeliverer(HttpOptions options);
// file: appends `body` and a line end to the file named by `endpoint`, then fsyncs it.
std::unique_ptr<Deliverer> NewFileDeliverer();

// The RFC 5322 message the SMTP deliverer sends (CRLF line ends): From, To, Subject (RFC 2047
// when not ASCII), Date, Message-ID "<message_id@from-domain>", MIME text/plain UTF-8.
// Fails on header injection (line breaks in an address) or an empty address.
Result<std::string> MimeMessage(const SmtpOptions& options, const Delivery& delivery);

// Slack incoming-webhook JSON: `text` (the subject, for notifications), a header, the reason
// and one Who / What / Where / When section per listed event.
std::string SlackPayload(std::string_view subject, std::string_view reason, std::string_view link,
                         const std::vector<EventSummary>& events);

// One NDJSON line for the file deliverer: {"time","messageId","topicArn","subject",
// "message","events":[...]}; `message` stays a JSON string (`jq '.message|fromjson'`).
std::string FileLine(std::int64_t time_ms, std::string_view message_id, std::string_view topic_arn,
                     std::string_view subject, std::string_view message,
                     const std::vector<EventSummary>& events);

// ---- Durable outbox: at-least-once delivery with SNS's retry policies ----
//
// The Outbox keeps every Delivery in the store (table `outbox`, schema 3) until it is
// acknowledged or dead-lettered. Enqueue() returns once the rows are durable; dispatcher
// threads hand due rows to the Deliverer of their protocol and record each outcome in one
// durable write: a success is marked delivered before anything else happens, so a restart
// retries only rows that were never acknowledged. An attempt cut short by a crash is retried
// (at-least-once): receivers dedup on the message id, which is the same on every attempt.
//
// Thread safety: every Outbox method may be called from any thread.

// How the delay grows across SNS's backoff phase (spec 4.8). AWS shows the four curves only
// as a graph; ours are written down in docs/notifications.md.
enum class BackoffFunction : std::uint8_t { kLinear, kArithmetic, kGeometric, kExponential };

// An SNS delivery retry policy (spec 4.8, `healthyRetryPolicy`). Retries run through four
// phases in order: `num_no_delay_retries` at once, `num_min_delay_retries` `min_delay_ms`
// apart, the backoff phase (num_retries minus the other three) growing from `min_delay_ms` to
// `max_delay_ms`, and `num_max_delay_retries` `max_delay_ms` apart. At most 1 + num_retries
// attempts in all.
struct RetryPolicy {
  int num_retries = 3;  // every retry of every phase (SNS's numRetries)
  int num_no_delay_retries = 0;
  int num_min_delay_retries = 0;
  int num_max_delay_retries = 0;
  std::int64_t min_delay_ms = 20'000;
  std::int64_t max_delay_ms = 20'000;
  BackoffFunction backoff = BackoffFunction::kLinear;
  // No retry is scheduled later than this after the message was enqueued (SNS caps HTTP/S
  // retrying at one hour); 0: no cap.
  std::int64_t max_total_ms = 0;
};

// The policy a protocol gets by default: http, https and slack SNS's default HTTP/S policy
// (3 retries 20 s apart, within one hour); email and email-json SNS's policy for
// customer-managed endpoints such as SMTP (2 at 10 s, 10 exponential 10-600 s, 38 at 600 s);
// file 3 quick retries (1, 2, 4 s; ours).
RetryPolicy DefaultRetryPolicy(Protocol protocol);

// The delay before the next attempt once `attempts` attempts (>= 1) have failed, or nullopt
// when `policy` allows no more (the message is then dead).
std::optional<std::int64_t> RetryDelayMs(const RetryPolicy& policy, int attempts);
// RetryDelayMs(DefaultRetryPolicy(protocol), attempts).
std::optional<std::int64_t> RetryDelayMs(Protocol protocol, int attempts);

// What the API shows a message came from.
struct OutboxLabel {
  std::string topic_arn;  // the topic it was published to
  std::string source;     // the alarm or detection that caused it
};

enum class OutboxState : std::uint8_t { kPending, kDelivered, kDead };
// "pending", "delivered", "dead" (the store's spelling).
std::string_view OutboxStateName(OutboxState state);
Result<OutboxState> ParseOutboxState(std::string_view name);

// One outbox message as the API lists it.
struct OutboxEntry {
  std::int64_t id = 0;
  Delivery delivery;  // body and headers only when the query asked for them
  OutboxLabel label;
  OutboxState state = OutboxState::kPending;
  int attempts = 0;
  std::int64_t created_ms = 0;
  std::int64_t next_attempt_ms = 0;         // meaningful while pending
  std::optional<std::int64_t> finished_ms;  // when delivered or dead-lettered
  std::string last_error;                   // of the last failed attempt; never a secret
  int last_code = 0;                        // its HTTP status or SMTP reply, 0 when none
};

struct OutboxQuery {
  std::optional<OutboxState> state;  // nullopt: every state
  std::string topic_arn;             // empty: every topic
  std::int64_t before_id = 0;        // paging: only ids below this; 0: from the newest
  std::size_t limit = 100;
  bool with_body = false;
};

// Counters for /metrics. `sent`, `failed_attempts` and `dead` count since Start();
// `queued` is the number of pending rows in the store now.
struct OutboxStats {
  std::uint64_t sent = 0;
  std::uint64_t failed_attempts = 0;  // every failed attempt, retried or not
  std::uint64_t dead = 0;
  std::uint64_t queued = 0;
};

struct OutboxOptions {
  const Clock* clock = nullptr;  // nullptr: SystemClock::Instance()
  // The longest a dispatcher sleeps before it looks at the table again. It also sleeps until
  // the next row is due by `clock`, or until Enqueue()/Kick() wakes it; tests with a FakeClock
  // set it to a few milliseconds.
  std::chrono::milliseconds poll_interval{1000};
  // Dispatcher threads: attempts in flight at once. One endpoint never has two in flight, so
  // a dead endpoint holds up only itself.
  std::size_t workers = 4;
  // Per-protocol policies; a protocol missing here gets DefaultRetryPolicy().
  std::map<Protocol, RetryPolicy> policies;
  // Told one line per failed attempt and per dead letter (no secrets; URLs cut to scheme and
  // host), from the dispatcher threads, possibly several at once; may be empty.
  std::function<void(std::string_view)> log;
};

// The deliverer used for each protocol; not owned, must outlive the Outbox.
using DelivererMap = std::map<Protocol, Deliverer*>;

class Outbox {
 public:
  // REQUIRES: `store` and the deliverers outlive the Outbox.
  Outbox(store::Store& store, DelivererMap deliverers, OutboxOptions options = {});
  // Stop()s.
  ~Outbox();
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // Starts the dispatcher threads; rows left pending by an earlier run are due at once.
  // kInvalidArgument when already started or stopped.
  Status Start();
  // Stops taking rows and waits for the attempts in flight (each bounded by its deliverer's
  // timeouts) and their records. Rows stay pending for the next Start. Idempotent.
  void Stop();

  // Stores the deliveries as pending rows in one durable transaction, wakes a dispatcher and
  // returns how many were new: a delivery whose endpoint already has its message id (in any
  // state) is skipped, so enqueueing the same message twice sends it once. Works before
  // Start(). kInvalidArgument, and nothing stored, when a delivery has no endpoint or message
  // id or its protocol has no deliverer; a store error otherwise.
  Result<std::size_t> Enqueue(const std::vector<Delivery>& deliveries, const OutboxLabel& label);

  // Makes the dispatchers look for due rows now (after moving a FakeClock, say).
  void Kick();

  // Messages matching `query`, newest first.
  Result<std::vector<OutboxEntry>> List(const OutboxQuery& query) const;
  OutboxStats Stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace trailwatch::notify

#endif  // TRAILWATCH_NOTIFY_NOTIFY_H_
