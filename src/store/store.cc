// The Store: one writer thread with group commit, and a pool of read connections.
#include "store/store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "store/sqlite.h"
#include "store/transaction.h"

namespace trailwatch::store {
namespace {

using internal::Connection;
using internal::SqlTransaction;

// One queued write: the job and, once its batch is done, its outcome.
struct Pending {
  Store::WriteJob job;
  Status result;
  bool done = false;
  // Each caller waits on its own condition so that a finished batch wakes only its callers,
  // not every thread queued behind it.
  std::condition_variable cv;
};

class StoreImpl final : public Store {
 public:
  StoreImpl(StoreOptions options, std::unique_ptr<Connection> writer)
      : options_(std::move(options)), writer_(std::move(writer)) {
    thread_ = std::thread([this] { WriterLoop(); });
  }

  ~StoreImpl() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    work_cv_.notify_all();
    thread_.join();
  }

  Status Write(WriteJob job) override {
    auto p = std::make_shared<Pending>();
    p->job = std::move(job);
    std::unique_lock lock(mu_);
    if (stopping_) return Status::Internal("the store is closing");
    queue_.push_back(p);
    work_cv_.notify_one();
    p->cv.wait(lock, [&] { return p->done; });
    return std::move(p->result);
  }

  Status Read(const ReadFn& fn) override {
    auto conn = AcquireReader();
    if (!conn.ok()) return conn.status();
    std::unique_ptr<Connection> c = std::move(conn).value();
    Status st = c->Run("BEGIN");
    if (st.ok()) {
      SqlTransaction tx(c.get());
      try {
        st = fn(tx);
      } catch (const std::exception&) {
        st = Status::Internal("a read callback threw an exception");
      } catch (...) {
        st = Status::Internal("a read callback threw");
      }
      // A read transaction has nothing to keep; ROLLBACK just ends the snapshot.
      (void)c->Run("ROLLBACK");
    }
    ReleaseReader(std::move(c));
    return st;
  }

  Result<std::vector<JournalEntry>> ReadUndelivered(std::size_t limit) override {
    return ReadValue<std::vector<JournalEntry>>(
        [limit](SqlTransaction& tx) { return tx.Undelivered(limit); });
  }

  Result<std::int64_t> MonitorResumePoint(std::int64_t since_ms, std::size_t max_rows) override {
    return ReadValue<std::int64_t>(
        [=](SqlTransaction& tx) { return tx.MonitorResumePoint(since_ms, max_rows); });
  }

  Result<std::vector<JournalEntry>> ReadJournalFrom(std::int64_t from_seq,
                                                    std::size_t limit) override {
    return ReadValue<std::vector<JournalEntry>>(
        [=](SqlTransaction& tx) { return tx.JournalFrom(from_seq, limit); });
  }

  Status MarkMonitored(const std::vector<std::int64_t>& seqs, std::int64_t watermark_ms) override {
    return Write([&seqs, watermark_ms](Transaction& tx) {
      return static_cast<SqlTransaction&>(tx).MarkMonitored(seqs, watermark_ms);
    });
  }

  StoreStats Stats() const override {
    return StoreStats{batches_.load(std::memory_order_relaxed),
                      jobs_.load(std::memory_order_relaxed)};
  }

  Result<std::int64_t> PruneJournal(std::int64_t before_ms, std::int64_t replay_window_ms,
                                    std::size_t max_rows) override {
    std::int64_t deleted = 0;
    Status st = Write([&](Transaction& tx) -> Status {
      auto n = static_cast<SqlTransaction&>(tx).PruneJournal(before_ms, replay_window_ms, max_rows);
      if (!n.ok()) return n.status();
      deleted = *n;
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return deleted;
  }

  Status MarkDelivered(std::int64_t upto) override {
    return Write(
        [upto](Transaction& tx) { return static_cast<SqlTransaction&>(tx).MarkDelivered(upto); });
  }

 private:
  // One read transaction running a query of SqlTransaction that yields a T.
  template <typename T>
  Result<T> ReadValue(const std::function<Result<T>(SqlTransaction&)>& query) {
    std::optional<T> out;
    Status st = Read([&](Transaction& tx) {
      auto value = query(static_cast<SqlTransaction&>(tx));
      if (!value.ok()) return value.status();
      out = std::move(value).value();
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return std::move(*out);
  }

  Result<std::unique_ptr<Connection>> AcquireReader() {
    {
      std::lock_guard lock(pool_mu_);
      if (!pool_.empty()) {
        auto c = std::move(pool_.back());
        pool_.pop_back();
        return c;
      }
    }
    return Connection::Open(options_.path, /*read_only=*/true);
  }

  void ReleaseReader(std::unique_ptr<Connection> c) {
    std::lock_guard lock(pool_mu_);
    if (pool_.size() < options_.read_pool) pool_.push_back(std::move(c));
  }

  void WriterLoop() {
    for (;;) {
      std::vector<std::shared_ptr<Pending>> batch;
      {
        std::unique_lock lock(mu_);
        work_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, and nothing left to do
        while (!queue_.empty() && batch.size() < options_.max_batch) {
          batch.push_back(queue_.front());
          queue_.pop_front();
        }
      }
      RunBatch(batch);
      {
        std::lock_guard lock(mu_);
        for (const auto& p : batch) p->done = true;
      }
      // Notified after unlocking, so that a woken caller does not block at once on mu_; the
      // batch's shared ownership keeps each Pending alive until then.
      for (const auto& p : batch) p->cv.notify_one();
    }
  }

  // Runs a batch in one transaction. Results are written only to the Pending objects, which
  // their callers read after `done` is set under mu_.
  void RunBatch(const std::vector<std::shared_ptr<Pending>>& batch) {
    if (Status st = writer_->Run("BEGIN IMMEDIATE"); !st.ok()) {
      for (const auto& p : batch) p->result = st;
      return;
    }
    SqlTransaction tx(writer_.get());
    jobs_.fetch_add(batch.size(), std::memory_order_relaxed);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      Pending* p = batch[i].get();
      if (Status st = writer_->Run("SAVEPOINT job"); !st.ok()) {
        FailBatch(batch, st);
        return;
      }
      try {
        p->result = p->job(tx);
      } catch (const std::exception&) {
        p->result = Status::Internal("a write job threw an exception");
      } catch (...) {
        p->result = Status::Internal("a write job threw");
      }
      // SQLite aborts the whole transaction on some errors (SQLITE_FULL, SQLITE_IOERR…); the
      // work of earlier jobs is then gone too, so none of them may report success.
      if (sqlite3_get_autocommit(writer_->db()) != 0) {
        FailBatch(batch, Status::IoError("the write transaction was aborted by SQLite"));
        return;
      }
      if (!p->result.ok()) {
        if (Status st = writer_->Run("ROLLBACK TO job"); !st.ok()) {
          FailBatch(batch, st);
          return;
        }
      }
      if (Status st = writer_->Run("RELEASE job"); !st.ok()) {
        FailBatch(batch, st);
        return;
      }
    }
    if (Status st = writer_->Run("COMMIT"); !st.ok()) {
      FailBatch(batch, st);
      return;
    }
    batches_.fetch_add(1, std::memory_order_relaxed);
  }

  void FailBatch(const std::vector<std::shared_ptr<Pending>>& batch, const Status& st) {
    if (sqlite3_get_autocommit(writer_->db()) == 0) (void)writer_->Exec("ROLLBACK");
    for (const auto& p : batch) p->result = st;
  }

  const StoreOptions options_;
  std::unique_ptr<Connection> writer_;  // used only by the writer thread after construction

  std::mutex mu_;
  std::condition_variable work_cv_;
  std::deque<std::shared_ptr<Pending>> queue_;
  bool stopping_ = false;

  std::atomic<std::uint64_t> batches_{0};
  std::atomic<std::uint64_t> jobs_{0};

  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Connection>> pool_;

  std::thread thread_;  // last: started after every other member exists
};

// Creates the file with mode 0600 before SQLite does, so the database (and the -wal/-shm files
// SQLite derives from its mode) is never readable by others.
Status CreatePrivateFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IoError("cannot create " + path);
  ::close(fd);
  return Status::Ok();
}

}  // namespace

int Store::SchemaVersion() { return internal::CurrentSchemaVersion(); }

Result<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  if (options.path.empty()) return Status::InvalidArgument("store: no database path");
  if (options.max_batch == 0) return Status::InvalidArgument("store: max_batch must be > 0");
  if (Status st = CreatePrivateFile(options.path); !st.ok()) return st;
  auto writer = Connection::Open(options.path, /*read_only=*/false);
  if (!writer.ok()) return writer.status();
  if (Status st = internal::Migrate(**writer); !st.ok()) return st;
  return std::unique_ptr<Store>(new StoreImpl(options, std::move(writer).value()));
}

}  // namespace trailwatch::store
