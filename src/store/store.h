// store: trailwatch's SQLite persistence (data dir file `trailwatch.db`, design.md section 5).
//
// One database in WAL mode with synchronous=FULL and foreign keys on; the schema is versioned
// with PRAGMA user_version and migrated forward on Open. Rows are plain structs; blobs that must
// stay secret (secret values, secret access keys) arrive here already encrypted by the caller.
//
// Writes go through a single writer thread with group commit: Write() queues a job, the writer
// runs every queued job inside one transaction (each job in its own SAVEPOINT, so a failing job
// rolls back only itself), commits once (one fsync for the whole batch) and then wakes the
// callers. A caller therefore returns only after its job is durable. Reads run on pooled
// read-only connections, each inside one read transaction (a consistent WAL snapshot).
//
// Thread safety: Store is safe to use from any number of threads. A Transaction belongs to the
// job or read callback it was passed to and must not escape it. A write job must not call
// Store::Write (it would wait for itself); it may call Store::Read.
#ifndef TRAILWATCH_STORE_STORE_H_
#define TRAILWATCH_STORE_STORE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace trailwatch::store {

// Times are milliseconds since the Unix epoch (UTC), as common/clock.h.
struct SecretRow {
  std::int64_t id = 0;  // assigned by InsertSecret
  std::string arn;
  std::string name;
  std::optional<std::string> description;
  std::optional<std::string> kms_key_id;
  std::string tags_json = "[]";  // [{"Key":…,"Value":…}] in the caller's order
  std::optional<std::string> resource_policy;
  bool rotation_enabled = false;
  std::optional<std::string> rotation_lambda_arn;
  std::optional<std::string> rotation_rules_json;  // {"AutomaticallyAfterDays":…} as given
  std::optional<std::int64_t> last_rotated_ms;
  std::optional<std::int64_t> next_rotation_ms;
  std::int64_t created_ms = 0;
  std::int64_t last_changed_ms = 0;
  std::optional<std::int64_t> last_accessed_ms;
  std::optional<std::int64_t> deleted_ms;   // set while scheduled for deletion
  std::optional<std::int64_t> deletion_ms;  // when the deletion becomes final
};

// One version of a secret value. The value is sealed by the caller: `ciphertext` is the
// AES-GCM output, `wrapped_key` the data key sealed under the master key.
struct VersionRow {
  std::int64_t secret_id = 0;
  std::string version_id;
  bool binary = false;  // SecretBinary rather than SecretString
  std::string nonce;
  std::string ciphertext;
  std::string wrapped_key;
  std::int64_t created_ms = 0;
  std::optional<std::int64_t> last_accessed_ms;
  std::vector<std::string> stages;  // filled by reads; writes go through SetStage/RemoveStage
};

struct UserRow {
  std::string name;
  std::string arn;
  std::string user_id;  // AIDA…
  std::int64_t created_ms = 0;
};

struct AccessKeyRow {
  std::string access_key_id;
  std::string user_name;
  std::string sealed_secret;  // the secret access key, sealed under the master key
  std::string status = "Active";
  std::int64_t created_ms = 0;
};

struct JournalEntry {
  std::int64_t seq = 0;  // assigned by AppendJournal, strictly increasing
  std::int64_t event_time_ms = 0;
  std::string account;
  std::string region;
  std::string record_json;
  bool delivered = false;
  bool monitored = false;  // the live monitor has evaluated it (MarkMonitored)
};

// The checkpoint MarkMonitored keeps: the time (ms since the epoch, as decimal text) up to
// which the live monitor has handed every change and alert to the outbox.
inline constexpr std::string_view kMonitorWatermark = "monitor/watermark";

// One message in the notification outbox (notify's Outbox): a rendered delivery for one
// endpoint and its delivery state. `protocol` is notify's protocol name ("email", "https", ...);
// the store does not interpret it.
struct OutboxRow {
  std::int64_t id = 0;  // assigned by InsertOutbox
  std::int64_t created_ms = 0;
  std::string protocol;
  std::string endpoint;
  std::string message_id;  // unique per endpoint: the receiver's dedup key
  std::string subject;
  std::string body;
  std::string headers_json = "[]";          // [["name","value"],...] in sending order
  std::int64_t time_ms = 0;                 // the message's own time (mail Date, SNS Timestamp)
  std::string topic_arn;                    // for the API: the topic the message was published to
  std::string source;                       // for the API: the alarm or detection that caused it
  std::string state = "pending";            // "pending", "delivered" or "dead"
  std::int64_t attempts = 0;                // attempts recorded so far
  std::int64_t next_attempt_ms = 0;         // when a pending row is due
  std::string last_error;                   // the last failed attempt's error (never a secret)
  std::int64_t last_code = 0;               // the last HTTP status or SMTP reply code; 0 when none
  std::optional<std::int64_t> finished_ms;  // when it was delivered or dead-lettered
};

// The outcome of one delivery attempt, for RecordOutboxAttempt.
struct OutboxAttempt {
  std::int64_t id = 0;
  std::string state = "pending";     // the row's state after this attempt
  std::int64_t next_attempt_ms = 0;  // pending: when to try again
  std::string error;
  std::int64_t code = 0;
  std::int64_t at_ms = 0;  // when the attempt ended (finished_ms for delivered and dead)
};

// Which outbox rows ListOutbox returns: newest first, optionally only one state or topic, and
// only ids below `before_id` (0: no bound) for paging.
struct OutboxFilter {
  std::string state;      // empty: every state
  std::string topic_arn;  // empty: every topic
  std::int64_t before_id = 0;
  bool with_body = false;  // leave body and headers_json empty unless asked
};

// Rows per state.
struct OutboxCounts {
  std::int64_t pending = 0;
  std::int64_t delivered = 0;
  std::int64_t dead = 0;
};

// Access to the rows inside one transaction. Methods return kNotFound only where stated;
// every SQLite failure is kIoError or kInternal with SQLite's message (never row contents).
class Transaction {
 public:
  virtual ~Transaction() = default;

  // --- secrets ---
  virtual Result<std::optional<SecretRow>> FindSecretByArn(std::string_view arn) = 0;
  virtual Result<std::optional<SecretRow>> FindSecretByName(std::string_view name) = 0;
  // Secrets whose ARN starts with `arn_prefix` (partial-ARN lookup).
  virtual Result<std::vector<SecretRow>> FindSecretsByArnPrefix(std::string_view arn_prefix) = 0;
  // All secrets in creation order (ties by id).
  virtual Result<std::vector<SecretRow>> ListSecrets() = 0;
  // Assigns and returns the row id. Fails with kInvalidArgument if the name or ARN is taken.
  virtual Result<std::int64_t> InsertSecret(const SecretRow& row) = 0;
  // Overwrites every column of the row with `row.id`; kNotFound if there is none.
  virtual Status UpdateSecret(const SecretRow& row) = 0;
  // Removes the secret with its versions and stages.
  virtual Status DeleteSecret(std::int64_t id) = 0;

  // --- versions and staging labels ---
  virtual Result<std::vector<VersionRow>> ListVersions(std::int64_t secret_id) = 0;
  virtual Result<std::optional<VersionRow>> FindVersion(std::int64_t secret_id,
                                                        std::string_view version_id) = 0;
  virtual Result<std::optional<std::string>> VersionForStage(std::int64_t secret_id,
                                                             std::string_view stage) = 0;
  virtual Status InsertVersion(const VersionRow& row) = 0;
  virtual Status DeleteVersion(std::int64_t secret_id, std::string_view version_id) = 0;
  virtual Status TouchVersion(std::int64_t secret_id, std::string_view version_id,
                              std::int64_t accessed_ms) = 0;
  // Puts `stage` on `version_id`, taking it off whichever version had it.
  virtual Status SetStage(std::int64_t secret_id, std::string_view stage,
                          std::string_view version_id) = 0;
  virtual Status RemoveStage(std::int64_t secret_id, std::string_view stage) = 0;

  // --- IAM users, access keys, inline policies ---
  virtual Status InsertUser(const UserRow& row) = 0;
  virtual Result<std::optional<UserRow>> FindUser(std::string_view name) = 0;
  virtual Result<std::vector<UserRow>> ListUsers() = 0;
  virtual Status DeleteUser(std::string_view name) = 0;
  virtual Status InsertAccessKey(const AccessKeyRow& row) = 0;
  virtual Result<std::optional<AccessKeyRow>> FindAccessKey(std::string_view access_key_id) = 0;
  virtual Result<std::vector<AccessKeyRow>> ListAccessKeys(std::string_view user_name) = 0;
  virtual Status SetAccessKeyStatus(std::string_view access_key_id, std::string_view status) = 0;
  virtual Status DeleteAccessKey(std::string_view access_key_id) = 0;
  // Creates or replaces the user's inline policy `policy_name`.
  virtual Status PutUserPolicy(std::string_view user_name, std::string_view policy_name,
                               std::string_view document) = 0;
  virtual Result<std::optional<std::string>> GetUserPolicy(std::string_view user_name,
                                                           std::string_view policy_name) = 0;
  // (policy name, document) pairs ordered by name.
  virtual Result<std::vector<std::pair<std::string, std::string>>> ListUserPolicies(
      std::string_view user_name) = 0;
  virtual Status DeleteUserPolicy(std::string_view user_name, std::string_view policy_name) = 0;

  // --- checkpoints: small named states (a source's position, an evaluator's state) ---
  // The state stored under `name`, if any.
  virtual Result<std::optional<std::string>> GetCheckpoint(std::string_view name) = 0;
  // Creates or replaces the state under `name`.
  virtual Status PutCheckpoint(std::string_view name, std::string_view state,
                               std::int64_t updated_ms) = 0;
  // Names starting with `prefix` and their states, ordered by name.
  virtual Result<std::vector<std::pair<std::string, std::string>>> ListCheckpoints(
      std::string_view prefix) = 0;

  // --- audit journal ---
  // Appends one undelivered record and returns its sequence number.
  virtual Result<std::int64_t> AppendJournal(const JournalEntry& entry) = 0;

  // --- notification outbox ---
  // Inserts a pending row and returns its id, or nullopt (and changes nothing) when the
  // endpoint already has a row with this message id: enqueueing the same message twice is a
  // no-op, whatever state the first copy is in.
  virtual Result<std::optional<std::int64_t>> InsertOutbox(const OutboxRow& row) = 0;
  // Up to `limit` pending rows with next_attempt_ms <= now_ms, the most overdue first (ties by
  // id), leaving out the endpoints in `busy` (those with an attempt in flight).
  virtual Result<std::vector<OutboxRow>> DueOutbox(std::int64_t now_ms, std::size_t limit,
                                                   const std::vector<std::string>& busy) = 0;
  // The earliest next_attempt_ms of the pending rows, nullopt when none is pending.
  virtual Result<std::optional<std::int64_t>> NextOutboxAttempt() = 0;
  // Records one attempt on a pending row: attempts + 1, the state, error and code, and
  // next_attempt_ms (pending) or finished_ms (delivered, dead). kNotFound when the row is not
  // pending any more, so a finished row never changes again.
  virtual Status RecordOutboxAttempt(const OutboxAttempt& attempt) = 0;
  virtual Result<std::optional<OutboxRow>> FindOutbox(std::int64_t id) = 0;
  // Up to `limit` rows matching `filter`, newest (highest id) first.
  virtual Result<std::vector<OutboxRow>> ListOutbox(const OutboxFilter& filter,
                                                    std::size_t limit) = 0;
  virtual Result<OutboxCounts> CountOutbox() = 0;
  // Deletes at most `max_rows` delivered and dead rows finished before `finished_before_ms`,
  // the longest finished first; returns how many. Pending rows are never deleted.
  virtual Result<std::int64_t> PruneOutbox(std::int64_t finished_before_ms,
                                           std::size_t max_rows) = 0;

  // Runs `fn` inside a nested SAVEPOINT; when `fn` returns false its changes are rolled back
  // and the enclosing job continues. Returns an error only when SQLite fails.
  virtual Status Nested(const std::function<bool(Transaction&)>& fn) = 0;
};

struct StoreOptions {
  std::string path;  // the database file; created with mode 0600 if missing
  // Most jobs one commit may carry; larger batches amortise fsync better but delay the first
  // caller of the batch by the time the others take.
  std::size_t max_batch = 256;
  // Read connections kept open for reuse; more are opened on demand and closed after use.
  std::size_t read_pool = 8;
};

// Counters since Open, for tests and /metrics.
struct StoreStats {
  std::uint64_t batches = 0;  // committed transactions (one fsync each)
  std::uint64_t jobs = 0;     // write jobs run
};

class Store {
 public:
  using WriteJob = std::function<Status(Transaction&)>;
  using ReadFn = std::function<Status(Transaction&)>;

  // Opens or creates the database, applies pending migrations and starts the writer thread.
  // Fails with kInvalidArgument when the file's schema is newer than this build knows.
  static Result<std::unique_ptr<Store>> Open(const StoreOptions& options);

  virtual ~Store() = default;

  // Runs `job` on the writer thread in its own SAVEPOINT and returns once the batch holding
  // it has committed. A job that returns an error (or throws) is rolled back alone and its
  // status is returned; if the commit fails every job of the batch gets that error.
  virtual Status Write(WriteJob job) = 0;

  // Runs `fn` on a read-only connection inside one read transaction.
  virtual Status Read(const ReadFn& fn) = 0;

  // Up to `limit` undelivered journal entries, oldest first.
  virtual Result<std::vector<JournalEntry>> ReadUndelivered(std::size_t limit) = 0;
  // Marks every entry with seq <= upto delivered (durably, through the writer).
  virtual Status MarkDelivered(std::int64_t upto) = 0;
  // Where the live monitor takes the journal up at start: the first entry it has not
  // evaluated (what a crash left behind) or, if earlier, the first with an event time at or
  // after `since_ms` (what its windows still need), though no more than `max_rows` entries
  // before the end unless not evaluated. The last seq + 1 when there is nothing to take up.
  virtual Result<std::int64_t> MonitorResumePoint(std::int64_t since_ms, std::size_t max_rows) = 0;
  // Up to `limit` journal entries with seq >= from_seq, oldest first.
  virtual Result<std::vector<JournalEntry>> ReadJournalFrom(std::int64_t from_seq,
                                                            std::size_t limit) = 0;
  // Marks the entries with these seqs evaluated and sets the kMonitorWatermark checkpoint,
  // in one transaction (durably, through the writer).
  virtual Status MarkMonitored(const std::vector<std::int64_t>& seqs,
                               std::int64_t watermark_ms) = 0;

  // Deletes up to `max_rows` journal entries that are delivered (in a trail log file),
  // evaluated by the monitor and older than `before_ms` (event time); returns how many. An
  // entry missing either mark is never deleted, whatever its age, nor is an entry after the
  // first unevaluated one and within `replay_window_ms` of its event time (a restart replays
  // from that one, and those rebuild its windows).
  virtual Result<std::int64_t> PruneJournal(std::int64_t before_ms, std::int64_t replay_window_ms,
                                            std::size_t max_rows) = 0;

  virtual StoreStats Stats() const = 0;

  // Schema version this build writes (PRAGMA user_version after Open).
  static int SchemaVersion();
};

}  // namespace trailwatch::store

#endif  // TRAILWATCH_STORE_STORE_H_
