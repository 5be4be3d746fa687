#include "store/sqlite.h"

#include <fmt/format.h>

#include <utility>

namespace trailwatch::store::internal {

Status SqliteError(sqlite3* db, int rc, std::string_view what) {
  const char* msg = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  std::string text = fmt::format("sqlite: {}: {} ({})", what, msg, rc);
  const int primary = rc & 0xff;
  if (primary == SQLITE_IOERR || primary == SQLITE_FULL || primary == SQLITE_CANTOPEN ||
      primary == SQLITE_READONLY || primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    return Status::IoError(std::move(text));
  }
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) {
    return Status::Corruption(std::move(text));
  }
  if (primary == SQLITE_CONSTRAINT) return Status::InvalidArgument(std::move(text));
  return Status::Internal(std::move(text));
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::Bind(int i, std::string_view text) {
  sqlite3_bind_text64(stmt_, i, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

void Statement::BindBlob(int i, std::string_view bytes) {
  // A zero-length blob must still be a blob, not NULL: SQLite treats a null pointer as NULL.
  static const char kEmpty = 0;
  sqlite3_bind_blob64(stmt_, i, bytes.empty() ? &kEmpty : bytes.data(), bytes.size(),
                      SQLITE_TRANSIENT);
}

void Statement::Bind(int i, std::int64_t v) { sqlite3_bind_int64(stmt_, i, v); }

void Statement::Bind(int i, const std::optional<std::string>& text) {
  if (text) {
    Bind(i, std::string_view(*text));
  } else {
    BindNull(i);
  }
}

void Statement::Bind(int i, const std::optional<std::int64_t>& v) {
  if (v) {
    Bind(i, *v);
  } else {
    BindNull(i);
  }
}

void Statement::BindNull(int i) { sqlite3_bind_null(stmt_, i); }

Result<bool> Statement::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(db_, rc, "step");
}

Status Statement::Run() {
  for (;;) {
    auto row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
  }
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string Statement::Text(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  const int n = sqlite3_column_bytes(stmt_, col);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
}

std::optional<std::string> Statement::OptText(int col) const {
  if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
  return Text(col);
}

std::string Statement::Blob(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  const int n = sqlite3_column_bytes(stmt_, col);
  if (p == nullptr) return {};
  return std::string(static_cast<const char*>(p), static_cast<std::size_t>(n));
}

std::int64_t Statement::Int(int col) const { return sqlite3_column_int64(stmt_, col); }

std::optional<std::int64_t> Statement::OptInt(int col) const {
  if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
  return Int(col);
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path, bool read_only) {
  sqlite3* db = nullptr;
  const int flags =
      (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
      SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status s = SqliteError(db, rc, "open " + path);
    sqlite3_close(db);
    return s;
  }
  sqlite3_extended_result_codes(db, 1);
  // Readers and the writer share the file; a short busy wait covers checkpoints and the
  // moment a reader opens while the writer holds the WAL index lock.
  sqlite3_busy_timeout(db, 5000);
  std::unique_ptr<Connection> conn(new Connection(db));
  if (Status s = conn->Exec("PRAGMA foreign_keys=ON"); !s.ok()) return s;
  if (!read_only) {
    if (Status s = conn->Exec("PRAGMA journal_mode=WAL"); !s.ok()) return s;
  }
  // FULL: each commit's WAL frames are fsynced before the commit returns, so an answered
  // write survives a power cut.
  if (Status s = conn->Exec("PRAGMA synchronous=FULL"); !s.ok()) return s;
  return conn;
}

Connection::~Connection() {
  cache_.clear();  // statements must be finalised before the connection closes
  sqlite3_close(db_);
}

Status Connection::Exec(const char* sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  sqlite3_free(err);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, "exec");
  return Status::Ok();
}

Status Connection::Run(const char* sql) {
  auto stmt = Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  StatementScope scope(*stmt);
  return (*stmt)->Run();
}

Result<Statement*> Connection::Prepare(const char* sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return it->second.get();
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, "prepare");
  auto owned = std::make_unique<Statement>(db_, stmt);
  Statement* raw = owned.get();
  cache_.emplace(sql, std::move(owned));
  return raw;
}

}  // namespace trailwatch::store::internal
