// ingest: sources with checkpoints. This header: followed files and directories (design.md
// sections 1 and 5, docs/sources.md).
//
// A FileFollower watches a list of paths (files, or directories walked recursively) by polling,
// and hands every record of every file to a RecordSink exactly once, in file order: new files
// once they are complete, NDJSON files line by line as they grow. Formats are those of
// event::Reader, detected from content. What was consumed is kept per file (device, inode,
// offset, records, a fingerprint of the first bytes) in store checkpoints named
// "ingest:file:<absolute path>", so a restart neither repeats nor skips records, including those
// of files that appeared while it was down.
//
// Exactly once across crashes: positions are made durable by RecordSink::Commit, called after
// the records it covers were delivered. The default writes them in a store write of their own,
// so a crash between delivery and that write delivers those records again after the restart
// (at least once). A sink that writes what it made of the records inside the same store write
// (override Commit, call SaveCheckpoints in your job) gets exactly once.
//
// Thread safety: Start() runs PollOnce() on one internal thread every poll interval; the sink
// is called on that thread only. PollOnce(), Positions() and stats() may be called from any
// thread (polls are serialised; Positions() waits for a running poll), but not from the sink,
// which runs inside a poll.
#ifndef TRAILWATCH_INGEST_INGEST_H_
#define TRAILWATCH_INGEST_INGEST_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "aws/credentials.h"
#include "common/clock.h"
#include "common/status.h"
#include "event/event.h"
#include "store/store.h"

namespace trailwatch::ingest {

// Where a delivered record came from. Valid only during RecordSink::OnRecord.
struct RecordOrigin {
  std::string_view path;     // absolute path of the file
  std::uint64_t record = 0;  // 0-based position of the record in its file
  // NDJSON read line by line: byte offset of the record's line in the file; otherwise 0.
  std::uint64_t offset = 0;
  std::int64_t timestamp_ms = -1;  // CloudWatch Logs `timestamp`, when the input has one
  bool padded = false;             // as event::RecordInfo::padded
};

// Something in a file that is not a record (the file keeps being followed).
struct Problem {
  std::string_view path;
  std::uint64_t record = 0;  // event::kWholeInput when it concerns the whole file
  std::string_view reason;
};

// What has been consumed of one file: the checkpoint state.
struct FileCheckpoint {
  enum class Mode : std::uint8_t {
    kLines,     // NDJSON followed line by line; `offset` is just past the last complete line
    kDocument,  // read whole once complete (gzip, {"Records":[…]}, arrays, …)
  };
  std::string path;
  Mode mode = Mode::kDocument;
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::uint64_t offset = 0;   // bytes of the file consumed
  std::uint64_t records = 0;  // records (and malformed records) consumed: the next position
  bool complete = false;      // kDocument: read; only a replacement or growth reads it again
  // FNV-1a of the first `fingerprint_bytes` (at most 1024) bytes, to tell a file rewritten in
  // place, or a new file that got a recycled inode, from the one that was consumed.
  std::uint64_t fingerprint = 0;
  std::uint32_t fingerprint_bytes = 0;

  // The stored form: one compact JSON object ({"v":1,"mode":"lines",…}).
  std::string ToState() const;
  static Result<FileCheckpoint> FromState(std::string_view path, std::string_view state);
  friend bool operator==(const FileCheckpoint&, const FileCheckpoint&) = default;
};

inline constexpr std::string_view kCheckpointPrefix = "ingest:file:";
// "ingest:file:" + path.
std::string CheckpointName(std::string_view path);

// Writes the checkpoints of `files` inside `tx` (for sinks that commit their own work with
// them). Returns the first store error.
Status SaveCheckpoints(store::Transaction& tx, std::span<const FileCheckpoint> files,
                       std::int64_t now_ms);
// Every file checkpoint in the store. Entries that do not parse are skipped.
Result<std::vector<FileCheckpoint>> LoadCheckpoints(store::Store& store);

class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // One record as compact JSON (CloudWatch Logs messages exactly as stored). Valid only
  // during the call.
  virtual void OnRecord(std::string_view json, const RecordOrigin& origin) = 0;
  // A malformed record or file (counted in FollowerStats::malformed), or a watched directory
  // that cannot be listed (reported once per new error, not counted).
  virtual void OnProblem(const Problem& problem) { (void)problem; }
  // Makes `files` (the new positions of every file that advanced since the last successful
  // commit) durable; called after their records were delivered and before any later record of
  // them is. The default is store.Write(SaveCheckpoints(...)). On an error the follower goes
  // on (nothing is delivered twice in this process), counts it, and offers the positions again
  // at the next commit.
  virtual Status Commit(store::Store& store, std::span<const FileCheckpoint> files,
                        std::int64_t now_ms);
};

struct FollowerOptions {
  // Files or directories (walked recursively; names starting with '.' and temporary names,
  // *.tmp *.temp *.part *.partial *~, are ignored inside directories). Paths that do not exist
  // yet are waited for.
  std::vector<std::string> paths;
  // Where checkpoints live; null: none (a new follower reads everything again).
  store::Store* store = nullptr;
  // Times the grace period; null means SystemClock::Instance().
  const Clock* clock = nullptr;
  // Time between polls of the internal thread. New data is seen within about one interval.
  std::chrono::milliseconds poll_interval{250};
  // How long a file that does not decode or parse yet (still being written) is waited for,
  // counted from its last change, before it is reported as malformed and what it holds is
  // read as it is. The same applies to an unterminated last NDJSON line that is valid JSON.
  std::chrono::milliseconds incomplete_grace{10000};
  // A commit after this many records within one poll, so a long backlog is checkpointed as
  // it goes; every poll that delivered something also ends with a commit.
  std::uint64_t commit_every_records = 10000;
  event::ReadOptions read;
};

// Counters since Create(), for /metrics.
struct FollowerStats {
  std::uint64_t polls = 0;
  std::uint64_t files_seen = 0;  // distinct files tracked
  std::uint64_t records = 0;     // records delivered
  std::uint64_t malformed = 0;   // problems reported
  std::uint64_t bytes = 0;       // bytes read from files
  std::uint64_t digests = 0;     // CloudTrail digest files skipped
  std::uint64_t commits = 0;     // successful Commit calls
  std::uint64_t commit_errors = 0;
};

class FileFollower {
 public:
  // Loads the checkpoints of the files under options.paths from options.store (several
  // followers may share a store). `sink` must outlive the follower.
  static Result<std::unique_ptr<FileFollower>> Create(FollowerOptions options, RecordSink* sink);
  ~FileFollower();  // Stop()s
  FileFollower(const FileFollower&) = delete;
  FileFollower& operator=(const FileFollower&) = delete;

  // One pass over every path: delivers what is new and commits. Returns the commit's error,
  // if any (the pass itself does not fail: unreadable files are reported as problems).
  Status PollOnce();
  // Starts / stops the internal polling thread. Stop() ends a running poll early (at the next
  // file or read chunk; what was delivered is committed) and waits for it.
  void Start();
  void Stop();

  FollowerStats stats() const;
  // The current position of every tracked file (including what is not committed yet).
  std::vector<FileCheckpoint> Positions() const;

 private:
  struct Impl;
  explicit FileFollower(std::unique_ptr<Impl> impl);
  void Run();

  std::unique_ptr<Impl> impl_;
  std::mutex thread_mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

// --- S3: `scan s3://bucket/prefix` (docs/sources.md) ---

// One remote input: its URL, and how to read it part by part (engine::Input::read).
struct RemoteInput {
  std::string name;
  std::function<Result<bool>(std::string* bytes)> read;
};

struct RemoteListing {
  std::vector<RemoteInput> inputs;  // in key order
  std::uint64_t list_requests = 0;  // listing requests made
  std::uint64_t messages = 0;       // sqs://: the messages received
  std::vector<std::string> notes;   // what was skipped and why, for stderr
};

// Lists s3://bucket/prefix. CloudTrail's key layout
// ([prefix/]AWSLogs/[o-org/]<account>/CloudTrail/<region>/YYYY/MM/DD/) is recognised: with a
// time range (event time, [start, end)) only the days it covers are listed, and the day after
// (CloudTrail delivers up to an hour or so late); digest folders are never listed. Other keys
// under the prefix are all read. Region, endpoint and credentials: aws/credentials.h.
Result<RemoteListing> ListS3(std::string_view url, std::optional<std::int64_t> start_ms,
                             std::optional<std::int64_t> end_ms, const aws::Environment& env,
                             const Clock& clock);

// --- S3: an `up` source (docs/sources.md) ---

struct S3FollowerOptions {
  std::string url;  // s3://bucket/prefix
  store::Store* store = nullptr;
  const Clock* clock = nullptr;  // null: SystemClock::Instance()
  aws::Environment env = aws::Environment::Process();
  std::chrono::milliseconds poll_interval{std::chrono::seconds(30)};
  event::ReadOptions read;
};

struct RemoteFollowerStats {
  std::uint64_t polls = 0;
  std::uint64_t objects = 0;  // objects read
  std::uint64_t records = 0;
  std::uint64_t malformed = 0;
  std::uint64_t errors = 0;  // failed polls (listing, fetching, storing)
  std::uint64_t list_requests = 0;
};

// Follows a CloudTrail bucket: every poll lists today's and yesterday's folder (UTC) of each
// ".../CloudTrail/<region>/" under the prefix (the region folders are found again every 20
// polls, so a new account or region is picked up) and reads the objects it has not read, in key
// order, handing their records to the sink. The keys read are kept per region folder in store
// checkpoints ("ingest:s3:<bucket>/<folder>"), so a restart neither reads an object twice nor
// skips one delivered meanwhile (up to a day of downtime). At the first start of a folder its
// existing objects are taken as read: following starts now (`scan` is for history). A prefix
// without CloudTrail's layout is listed whole at every poll.
class S3Follower {
 public:
  static Result<std::unique_ptr<S3Follower>> Create(S3FollowerOptions options, RecordSink* sink);
  ~S3Follower();
  S3Follower(const S3Follower&) = delete;
  S3Follower& operator=(const S3Follower&) = delete;

  void Start();
  void Stop();
  // One poll (serialised with the thread's). The first error stops the poll; the next goes on
  // from where this one stopped.
  Status PollOnce();
  RemoteFollowerStats stats() const;

 private:
  struct Impl;
  explicit S3Follower(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// --- CloudWatch Logs: `scan logs://group` and an `up` source (docs/sources.md) ---

// One input that reads the log group's events with FilterLogEvents over [start, end), a page
// at a time (each page a document of CloudWatch Logs output: each message is a record, its
// timestamp the event time when the record has no eventTime).
Result<RemoteListing> ListLogs(std::string_view url, std::optional<std::int64_t> start_ms,
                               std::optional<std::int64_t> end_ms, const aws::Environment& env,
                               const Clock& clock);

struct LogsFollowerOptions {
  std::string url;  // logs://log-group
  store::Store* store = nullptr;
  const Clock* clock = nullptr;  // null: SystemClock::Instance()
  aws::Environment env = aws::Environment::Process();
  std::chrono::milliseconds poll_interval{std::chrono::seconds(30)};
  // Events can be ingested with timestamps a little in the past: every poll asks again for
  // this much before the newest timestamp read, and skips the event ids already read.
  std::chrono::milliseconds lookback{std::chrono::minutes(10)};
  event::ReadOptions read;
};

// Follows a log group: every poll reads the events since the last one (FilterLogEvents from
// the newest timestamp read minus the lookback), handing each message to the sink as a record.
// The newest timestamp and the ids read within the lookback are kept in a store checkpoint
// ("ingest:logs:<group>"): a restart reads nothing twice and misses nothing. The first start
// begins now (`scan logs://…` is for history).
class LogsFollower {
 public:
  static Result<std::unique_ptr<LogsFollower>> Create(LogsFollowerOptions options,
                                                      RecordSink* sink);
  ~LogsFollower();
  LogsFollower(const LogsFollower&) = delete;
  LogsFollower& operator=(const LogsFollower&) = delete;

  void Start();
  void Stop();
  Status PollOnce();
  // objects: pages read.
  RemoteFollowerStats stats() const;

 private:
  struct Impl;
  explicit LogsFollower(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// --- SQS: `scan sqs://QUEUE` (docs/sources.md) ---

// The objects announced by the messages now on the queue (names or URLs as SqsFollower), one
// input each, in bucket and key order, each object once; with a time range, keys in
// CloudTrail's layout outside its days (and the day after) are left out. Scanning does not
// consume: the messages are received until the queue has no more (hidden meanwhile), then
// handed back at once. A message that announces nothing readable is a note.
Result<RemoteListing> ListSqs(std::string_view url, std::optional<std::int64_t> start_ms,
                              std::optional<std::int64_t> end_ms, const aws::Environment& env,
                              const Clock& clock);

// --- SQS: an `up` source (docs/sources.md) ---

struct SqsFollowerOptions {
  std::string url;  // sqs://QUEUE-NAME or sqs://https://sqs.REGION.amazonaws.com/ACCOUNT/NAME
  store::Store* store = nullptr;
  const Clock* clock = nullptr;  // null: SystemClock::Instance()
  aws::Environment env = aws::Environment::Process();
  int wait_seconds = 20;  // long polling
  event::ReadOptions read;
};

// Follows the notifications of new log files on a queue (aws/sqs.h AnnouncedObjects: S3 event
// notifications, CloudTrail's SNS notifications, EventBridge, raw or SNS-wrapped): reads each
// announced object, hands its records to the sink, and deletes the message only once all its
// objects were read and their records committed. Objects already read (the last 10,000,
// kept in the store checkpoint "ingest:sqs:<queue>") are not read again when announced twice,
// and records with an eventID already seen in this run are dropped.
class SqsFollower {
 public:
  static Result<std::unique_ptr<SqsFollower>> Create(SqsFollowerOptions options, RecordSink* sink);
  ~SqsFollower();
  SqsFollower(const SqsFollower&) = delete;
  SqsFollower& operator=(const SqsFollower&) = delete;

  void Start();
  void Stop();
  Status PollOnce();
  // objects: objects read; list_requests: messages received.
  RemoteFollowerStats stats() const;

 private:
  struct Impl;
  explicit SqsFollower(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace trailwatch::ingest

#endif  // TRAILWATCH_INGEST_INGEST_H_
