// Internal to ingest/: the FileFollower's state, shared by follower.cc (polling, identity,
// commits) and reading.cc (reading a file's new records).
#ifndef TRAILWATCH_INGEST_FOLLOWER_IMPL_H_
#define TRAILWATCH_INGEST_FOLLOWER_IMPL_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "ingest/ingest.h"

namespace trailwatch::ingest {
namespace internal {

inline constexpr std::size_t kFingerprintBytes = 1024;
inline constexpr std::size_t kChunk = 1 << 20;
inline constexpr std::size_t kSniffBytes = 1 << 20;
inline constexpr std::size_t kMaxDeparted = 1024;
inline constexpr std::int64_t kRecentNs = 2'000'000'000;

}  // namespace internal

struct FileFollower::Impl {
  struct FileState {
    FileCheckpoint cp;
    bool mode_known = false;      // cp.mode was restored or sniffed
    bool observed = false;        // stat'ed by this process
    std::uint64_t size = 0;       // as last observed
    std::int64_t mtime_ns = 0;    // as last observed
    std::int64_t changed_ms = 0;  // clock time of the last observed change
    bool waiting = false;         // incomplete: looked at again when its grace period ends
    std::uint64_t skip = 0;       // records below this index were delivered by an earlier read
  };

  // Hands records of one read to the sink, numbering them in the file and leaving out those
  // an earlier read delivered. `base` is added to the reader's indexes (a line's records).
  class Deliverer final : public event::RecordHandler {
   public:
    Deliverer(Impl& impl, FileState& state, std::uint64_t base, std::uint64_t offset)
        : impl_(impl), state_(state), base_(base), next_(base), offset_(offset) {}

    void OnRecord(std::string_view json, const event::RecordInfo& info) override {
      const std::uint64_t index = base_ + info.index;
      next_ = std::max(next_, index + 1);
      if (index < state_.skip) return;
      RecordOrigin origin;
      origin.path = state_.cp.path;
      origin.record = index;
      origin.offset = offset_;
      origin.timestamp_ms = info.timestamp_ms;
      origin.padded = info.padded;
      impl_.sink->OnRecord(json, origin);
      impl_.records.fetch_add(1);
      ++impl_.uncommitted;
    }

    void OnMalformed(std::uint64_t index, std::string_view reason) override {
      // In a line, damage of the whole "input" is damage of that line's record.
      if (index == event::kWholeInput && lines_) index = next_ - base_;
      std::uint64_t at = index;
      if (index != event::kWholeInput) {
        at = base_ + index;
        next_ = std::max(next_, at + 1);
        if (at < state_.skip) return;
      }
      impl_.Report(state_.cp.path, at, reason);
    }

    void set_lines() { lines_ = true; }
    std::uint64_t next() const { return next_; }

   private:
    Impl& impl_;
    FileState& state_;
    std::uint64_t base_;
    std::uint64_t next_;
    std::uint64_t offset_;
    bool lines_ = false;
  };

  // Holds a document's records until it is known to be complete.
  class Buffer final : public event::RecordHandler {
   public:
    void OnRecord(std::string_view json, const event::RecordInfo& info) override {
      records_.push_back({arena_.size(), json.size(), info});
      arena_.append(json);
      arena_.append(event::kJsonPadding, '\0');  // so the sink may parse in place
    }
    void OnMalformed(std::uint64_t index, std::string_view reason) override {
      problems_.emplace_back(index, std::string(reason));
    }
    void Replay(event::RecordHandler* to) const {
      for (const Entry& e : records_) {
        event::RecordInfo info = e.info;
        info.padded = true;
        to->OnRecord(std::string_view(arena_).substr(e.begin, e.length), info);
      }
      for (const auto& [index, reason] : problems_) to->OnMalformed(index, reason);
    }

   private:
    struct Entry {
      std::size_t begin;
      std::size_t length;
      event::RecordInfo info;
    };
    std::string arena_;
    std::vector<Entry> records_;
    std::vector<std::pair<std::uint64_t, std::string>> problems_;
  };

  Impl(FollowerOptions o, RecordSink* s)
      : options(std::move(o)),
        sink(s),
        clock(options.clock ? options.clock : &SystemClock::Instance()),
        reader(options.read) {}

  std::int64_t NowMs() const { return clock->Now().time_since_epoch().count(); }

  void Report(std::string_view path, std::uint64_t record, std::string_view reason) {
    malformed.fetch_add(1);
    sink->OnProblem({path, record, reason});
  }

  void MarkDirty(FileState& s) { dirty.insert(s.cp.path); }

  Status Poll();
  void Process(const std::string& path, const std::set<std::string>& listed,
               std::map<std::pair<std::uint64_t, std::uint64_t>, std::string>* by_inode,
               bool* index_built);
  void Reset(FileState& s, std::uint64_t dev, std::uint64_t ino);
  void Lines(FileState& s, int fd, std::uint64_t size, std::int64_t now);
  void DeliverLine(FileState& s, std::string_view line, std::uint64_t offset);
  void Document(FileState& s, int fd, std::uint64_t size, std::int64_t now);
  void Fingerprint(FileState& s, int fd);
  Status Commit(std::int64_t now);

  FollowerOptions options;
  RecordSink* sink;
  const Clock* clock;
  event::Reader reader;
  std::vector<std::string> roots;

  mutable std::mutex mu;  // serialises polls; guards everything below
  std::map<std::string, FileState> files;
  std::set<std::string> dirty;  // paths whose position is not committed
  std::map<std::string, std::string> root_errors;
  // States of files replaced under their name, by old (device, inode), until the file turns
  // up under another name or is pushed out (bounded).
  std::map<std::pair<std::uint64_t, std::uint64_t>, FileState> departed;
  std::uint64_t uncommitted = 0;  // records delivered since the last commit

  std::atomic<bool> cancel{false};  // set while Stop() waits for the thread
  std::atomic<std::uint64_t> polls{0}, files_seen{0}, records{0}, malformed{0}, bytes{0},
      digests{0}, commits{0}, commit_errors{0};
};

}  // namespace trailwatch::ingest

#endif  // TRAILWATCH_INGEST_FOLLOWER_IMPL_H_
