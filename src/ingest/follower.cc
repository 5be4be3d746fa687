// FileFollower: polling, file identity (rotation, truncation, replacement), commits and the
// thread. See docs/sources.md.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "ingest/file_io.h"
#include "ingest/follower_impl.h"

namespace trailwatch::ingest {
namespace fs = std::filesystem;
using internal::kMaxDeparted;
using internal::kRecentNs;
using internal::kSniffBytes;
using internal::Sniff;

namespace {

std::string Absolute(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::absolute(path, ec);
  std::string s = ec ? path : p.lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

class Fd {
 public:
  explicit Fd(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::int64_t MtimeNs(const struct stat& st) {
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

}  // namespace

Status FileFollower::Impl::Poll() {
  polls.fetch_add(1);
  std::vector<std::string> paths;
  for (const std::string& root : roots) {
    Status st = internal::ListFiles(root, &paths);
    std::string& last = root_errors[root];
    // Not a malformed input: reported (once per new error) but not counted.
    if (!st.ok() && st.message() != last) sink->OnProblem({root, event::kWholeInput, st.message()});
    last = st.ok() ? "" : st.message();
  }
  const std::set<std::string> listed(paths.begin(), paths.end());
  std::set<std::string> done;
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::string> by_inode;
  bool index_built = false;
  for (const std::string& path : paths) {
    if (cancel.load()) break;                 // Stop(): what was read is still committed
    if (!done.insert(path).second) continue;  // under two roots
    Process(path, listed, &by_inode, &index_built);
    if (uncommitted >= options.commit_every_records) (void)Commit(NowMs());
  }
  return Commit(NowMs());
}

void FileFollower::Impl::Reset(FileState& s, std::uint64_t dev, std::uint64_t ino) {
  s.cp = FileCheckpoint{s.cp.path, FileCheckpoint::Mode::kDocument, dev, ino, 0, 0, false, 0, 0};
  s.mode_known = false;
  s.waiting = false;
  s.skip = 0;
  MarkDirty(s);
}

void FileFollower::Impl::Process(
    const std::string& path, const std::set<std::string>& listed,
    std::map<std::pair<std::uint64_t, std::uint64_t>, std::string>* by_inode, bool* index_built) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return;  // gone meanwhile
  const std::int64_t now = NowMs();
  auto it = files.find(path);
  if (it == files.end()) {
    // A file renamed (log rotation: app.log -> app.log.1) keeps what was consumed of it.
    if (!*index_built) {
      for (const auto& [p, f] : files) by_inode->emplace(std::pair(f.cp.device, f.cp.inode), p);
      *index_built = true;
    }
    FileState fresh;
    const std::pair<std::uint64_t, std::uint64_t> id(static_cast<std::uint64_t>(st.st_dev),
                                                     static_cast<std::uint64_t>(st.st_ino));
    auto old = by_inode->find(id);
    if (auto gone = departed.find(id); gone != departed.end()) {
      // Its old name has a new file already (seen earlier in this or a previous poll).
      fresh = std::move(gone->second);
      departed.erase(gone);
      fresh.observed = false;
      fresh.skip = 0;
    } else if (old != by_inode->end() && files.count(old->second) > 0) {
      struct stat ost {};
      const bool moved = listed.count(old->second) == 0 || ::stat(old->second.c_str(), &ost) != 0 ||
                         ost.st_ino != st.st_ino || ost.st_dev != st.st_dev;
      if (moved) {
        fresh = std::move(files[old->second]);
        files.erase(old->second);
        dirty.erase(old->second);
        fresh.observed = false;
        fresh.skip = 0;
        old->second = path;
      }
    }
    fresh.cp.path = path;
    it = files.emplace(path, std::move(fresh)).first;
    if (it->second.cp.inode != 0) MarkDirty(it->second);  // adopted: saved under its new name
    files_seen.store(files.size());
  }
  FileState& s = it->second;
  const auto size = static_cast<std::uint64_t>(st.st_size);
  const bool changed = !s.observed || size != s.size || MtimeNs(st) != s.mtime_ns;
  const std::int64_t grace = options.incomplete_grace.count();
  // File times are coarse (a clock tick): a file modified within the last seconds may have
  // changed again without its size or time showing it, so it is looked at until it is older.
  const std::int64_t age_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count() -
                              MtimeNs(st);
  const bool recent = age_ns < kRecentNs;
  if (!changed && !recent && !(s.waiting && now - s.changed_ms >= grace)) return;
  if (changed) {
    s.changed_ms = now;
    s.observed = true;
    s.size = size;
    s.mtime_ns = MtimeNs(st);
  }
  Fd fd(path);
  struct stat fst {};
  if (fd.get() < 0 || ::fstat(fd.get(), &fst) != 0) {
    // Reported once per change of the file, not on every poll; tried again on the next change.
    if (changed) {
      Report(path, event::kWholeInput, fmt::format("cannot open: {}", std::strerror(errno)));
    }
    return;
  }
  // What was opened decides (the path may have been replaced since the stat).
  const auto dev = static_cast<std::uint64_t>(fst.st_dev);
  const auto ino = static_cast<std::uint64_t>(fst.st_ino);
  const auto fsize = static_cast<std::uint64_t>(fst.st_size);
  const bool started = s.mode_known || s.cp.inode != 0;
  if (!started) {
    Reset(s, dev, ino);
  } else if (s.cp.device != dev || s.cp.inode != ino) {
    // Replaced: a new file under this name. What was consumed of the old one goes with it,
    // should it show up under another name (rotation).
    if (departed.size() >= kMaxDeparted) departed.erase(departed.begin());
    departed[{s.cp.device, s.cp.inode}] = s;
    Reset(s, dev, ino);
  } else if (fsize < s.cp.offset) {
    Reset(s, dev, ino);  // truncated (copytruncate rotation)
  } else if (s.cp.fingerprint_bytes > 0) {
    auto head = internal::ReadAt(fd.get(), 0, s.cp.fingerprint_bytes);
    if (!head.ok() || head->size() != s.cp.fingerprint_bytes ||
        internal::Fnv1a(*head) != s.cp.fingerprint) {
      Reset(s, dev, ino);  // rewritten in place, or a recycled inode
    }
  }
  if (!s.mode_known ||
      (s.cp.mode == FileCheckpoint::Mode::kDocument && s.cp.complete && fsize > s.cp.offset)) {
    auto prefix = internal::ReadAt(fd.get(), 0, kSniffBytes);
    if (!prefix.ok()) {
      Report(path, event::kWholeInput, prefix.status().message());
      return;
    }
    const Sniff sniff = internal::SniffMode(*prefix);
    if (sniff == Sniff::kWait) return;  // empty so far
    if (s.mode_known) {
      // A complete document grew. What it held was delivered: read it again and skip that.
      // NDJSON that began as one line is followed line by line from now on.
      s.skip = s.cp.records;
      s.cp.complete = false;
      if (sniff == Sniff::kLines) {
        s.cp.mode = FileCheckpoint::Mode::kLines;
        s.cp.offset = 0;
        s.cp.records = 0;
      }
    } else {
      // kOneLine stays undecided until it is read as a document or grows a line end.
      s.mode_known = sniff != Sniff::kOneLine;
      s.cp.mode =
          sniff == Sniff::kLines ? FileCheckpoint::Mode::kLines : FileCheckpoint::Mode::kDocument;
    }
  }
  if (s.cp.mode == FileCheckpoint::Mode::kLines) {
    Lines(s, fd.get(), fsize, now);
  } else if (!s.cp.complete) {
    Document(s, fd.get(), fsize, now);
  }
  Fingerprint(s, fd.get());
}

Status FileFollower::Impl::Commit(std::int64_t now) {
  uncommitted = 0;
  if (dirty.empty()) return Status::Ok();
  if (options.store == nullptr) {
    dirty.clear();
    return Status::Ok();
  }
  std::vector<FileCheckpoint> changed;
  changed.reserve(dirty.size());
  for (const std::string& path : dirty) changed.push_back(files.at(path).cp);
  Status st = sink->Commit(*options.store, changed, now);
  if (!st.ok()) {
    commit_errors.fetch_add(1);
    return st;
  }
  commits.fetch_add(1);
  dirty.clear();
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------

Result<std::unique_ptr<FileFollower>> FileFollower::Create(FollowerOptions options,
                                                           RecordSink* sink) {
  if (sink == nullptr) return Status::InvalidArgument("FileFollower needs a sink");
  if (options.paths.empty()) return Status::InvalidArgument("FileFollower needs paths");
  auto impl = std::make_unique<Impl>(std::move(options), sink);
  for (const std::string& p : impl->options.paths) impl->roots.push_back(Absolute(p));
  if (impl->options.store != nullptr) {
    auto saved = LoadCheckpoints(*impl->options.store);
    if (!saved.ok()) return saved.status().WithContext("loading file checkpoints");
    for (FileCheckpoint& cp : *saved) {
      // Only this follower's files: several followers may share a store.
      const bool mine = std::any_of(impl->roots.begin(), impl->roots.end(), [&](const auto& r) {
        return cp.path == r || (cp.path.starts_with(r) && cp.path[r.size()] == '/') || r == "/";
      });
      if (!mine) continue;
      Impl::FileState s;
      s.mode_known = true;
      std::string path = cp.path;
      s.cp = std::move(cp);
      impl->files.emplace(std::move(path), std::move(s));
    }
    impl->files_seen.store(impl->files.size());
  }
  return std::unique_ptr<FileFollower>(new FileFollower(std::move(impl)));
}

FileFollower::FileFollower(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

FileFollower::~FileFollower() { Stop(); }

Status FileFollower::PollOnce() {
  std::lock_guard lock(impl_->mu);
  return impl_->Poll();
}

void FileFollower::Start() {
  std::lock_guard lock(thread_mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
}

void FileFollower::Run() {
  std::unique_lock lock(thread_mu_);
  while (!stop_) {
    lock.unlock();
    (void)PollOnce();  // problems went to the sink; a failed commit is retried next poll
    lock.lock();
    wake_.wait_for(lock, impl_->options.poll_interval, [this] { return stop_; });
  }
}

void FileFollower::Stop() {
  std::thread thread;
  {
    std::lock_guard lock(thread_mu_);
    stop_ = true;
    thread = std::move(thread_);
  }
  impl_->cancel.store(true);  // a long first poll (a backlog) ends at the next file or chunk
  wake_.notify_all();
  if (thread.joinable()) thread.join();
  impl_->cancel.store(false);
}

FollowerStats FileFollower::stats() const {
  const Impl& i = *impl_;
  FollowerStats s;
  s.polls = i.polls.load();
  s.files_seen = i.files_seen.load();
  s.records = i.records.load();
  s.malformed = i.malformed.load();
  s.bytes = i.bytes.load();
  s.digests = i.digests.load();
  s.commits = i.commits.load();
  s.commit_errors = i.commit_errors.load();
  return s;
}

std::vector<FileCheckpoint> FileFollower::Positions() const {
  std::lock_guard lock(impl_->mu);
  std::vector<FileCheckpoint> out;
  out.reserve(impl_->files.size());
  for (const auto& [path, s] : impl_->files) out.push_back(s.cp);
  return out;
}

}  // namespace trailwatch::ingest
