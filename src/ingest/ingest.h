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

// --- `up` sources on AWS: s3://, logs://, sqs:// (docs/sources.md) ---

struct RemoteFollowerOptions {
  std::string url;  // s3://bucket/prefix, logs://log-group, sqs://QUEUE-NAME or sqs://QUEUE-URL
  store::Store* store = nullptr;
  const Clock* clock = nullptr;  // null: SystemClock::Instance()
  aws::Environment env = aws::Environment::Process();
  // s3://, logs://: the pause between polls. sqs:// polls again at once: it long-polls.
  std::chrono::milliseconds poll_interval{std::chrono::seconds(30)};
  // logs://: events can be ingested with timestamps a little in the past: every poll asks
  // again for this much before the newest timestamp read, and skips the ids already read.
  std::chrono::milliseconds lookback{std::chrono::minutes(10)};
  int wait_seconds = 20;  // sqs://: long polling
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

class PollLoop;

// An `up` source on AWS, polled on its own thread; FollowRemote makes the one its URL names.
// - s3://: every poll lists today's and yesterday's folder (UTC) of each
//   ".../CloudTrail/<region>/" under the prefix (the region folders are found again every 20
//   polls, so a new account or region is picked up) and reads the objects it has not read, in
//   key order. The keys read are kept per region folder in store checkpoints
//   ("ingest:s3:<bucket>/<folder>"), so a restart neither reads an object twice nor skips one
//   delivered meanwhile (up to a day of downtime). At the first start of a folder its
//   existing objects are taken as read. A prefix without CloudTrail's layout is listed whole
//   at every poll. stats: objects read.
// - logs://: every poll reads the events since the last one (FilterLogEvents from the newest
//   timestamp read minus the lookback), each message a record. The newest timestamp and the
//   ids read within the lookback are the store checkpoint "ingest:logs:<group>". At the first
//   start the events already there are noted, not read. stats: pages read.
// - sqs://: notifications of new log files (aws/sqs.h AnnouncedObjects: S3 event
//   notifications, CloudTrail's SNS notifications, EventBridge, raw or SNS-wrapped): reads
//   each announced object and deletes the message only once all its objects were read and
//   their records committed. Objects already read (the last 10,000, kept in the store
//   checkpoint "ingest:sqs:<queue>") are not read again when announced twice, and records
//   with an eventID already seen in this run are dropped. stats: objects read, messages
//   received (list_requests).
// Following starts now everywhere: `scan` is for history.
class RemoteFollower {
 public:
  virtual ~RemoteFollower();
  RemoteFollower(const RemoteFollower&) = delete;
  RemoteFollower& operator=(const RemoteFollower&) = delete;

  // Polls on a thread until Stop; a failed poll is reported to the sink as a problem.
  void Start();
  void Stop();
  // One poll (serialised with the thread's). The first error stops the poll; the next goes on
  // from where this one stopped.
  Status PollOnce();
  RemoteFollowerStats stats() const;

 protected:
  RemoteFollower(RecordSink* sink, std::string url, std::chrono::milliseconds interval);
  // One poll's work, counted into `delta`; never two at once. A follower's destructor calls
  // Stop() first, so that no poll runs on a half-destroyed follower.
  virtual Status Poll(RemoteFollowerStats* delta) = 0;

 private:
  RecordSink* sink_;
  const std::string url_;
  const std::chrono::milliseconds interval_;
  std::mutex poll_mu_;
  mutable std::mutex stats_mu_;
  RemoteFollowerStats stats_;
  std::unique_ptr<PollLoop> loop_;
};

// The follower of options.url (s3://, logs:// or sqs://); errors for a bad URL, a missing
// region or credentials setting.
Result<std::unique_ptr<RemoteFollower>> FollowRemote(RemoteFollowerOptions options,
                                                     RecordSink* sink);

// --- CloudWatch Logs: `scan logs://group` (docs/sources.md) ---

// One input that reads the log group's events with FilterLogEvents over [start, end), a page
// at a time (each page a document of CloudWatch Logs output: each message is a record, its
// timestamp the event time when the record has no eventTime).
Result<RemoteListing> ListLogs(std::string_view url, std::optional<std::int64_t> start_ms,
                               std::optional<std::int64_t> end_ms, const aws::Environment& env,
                               const Clock& clock);

// --- SQS: `scan sqs://QUEUE` (docs/sources.md) ---

// The objects announced by the messages now on the queue (a name or a URL, as for `up`), one
// input each, in bucket and key order, each object once; with a time range, keys in
// CloudTrail's layout outside its days (and the day after) are left out. Scanning does not
// consume: the messages are received until the queue has no more (hidden meanwhile), then
// handed back at once. A message that announces nothing readable is a note.
Result<RemoteListing> ListSqs(std::string_view url, std::optional<std::int64_t> start_ms,
                              std::optional<std::int64_t> end_ms, const aws::Environment& env,
                              const Clock& clock);

}  // namespace trailwatch::ingest

#endif  // TRAILWATCH_INGEST_INGEST_H_
