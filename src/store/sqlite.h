// Internal: thin RAII over the SQLite C API (connections, cached prepared statements) and the
// schema migrations. Not part of the public store API.
#ifndef TRAILWATCH_STORE_SQLITE_H_
#define TRAILWATCH_STORE_SQLITE_H_

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace trailwatch::store::internal {

// A Status for SQLite result `rc` on `db`, with SQLite's own message (never bound values).
Status SqliteError(sqlite3* db, int rc, std::string_view what);

// One prepared statement, reset and unbound when the Binding that used it is destroyed.
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are 1-based, as SQLite counts them.
  void Bind(int i, std::string_view text);
  void BindBlob(int i, std::string_view bytes);
  void Bind(int i, std::int64_t v);
  void Bind(int i, const std::optional<std::string>& text);
  void Bind(int i, const std::optional<std::int64_t>& v);
  void BindNull(int i);

  // SQLITE_ROW -> true, SQLITE_DONE -> false, else an error.
  Result<bool> Step();
  // Steps to completion (statements without rows).
  Status Run();
  void Reset();

  std::string Text(int col) const;
  std::optional<std::string> OptText(int col) const;
  std::string Blob(int col) const;
  std::int64_t Int(int col) const;
  std::optional<std::int64_t> OptInt(int col) const;

  sqlite3* db() const { return db_; }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

// A connection with a cache of prepared statements keyed by their SQL text.
class Connection {
 public:
  // Opens `path`; read_only connections never create the file.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, bool read_only);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* db() const { return db_; }
  Status Exec(const char* sql);
  // Exec through the statement cache, for the transaction-control statements every request
  // runs (sqlite3_exec would parse them each time).
  Status Run(const char* sql);
  // The cached statement for `sql` (its text keys the cache).
  // REQUIRES: the previous use of the same statement has been Reset().
  Result<Statement*> Prepare(const char* sql);

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::map<std::string, std::unique_ptr<Statement>> cache_;
};

// Resets a statement when leaving scope, so the cache can hand it out again.
class StatementScope {
 public:
  explicit StatementScope(Statement* s) : s_(s) {}
  ~StatementScope() { s_->Reset(); }
  StatementScope(const StatementScope&) = delete;
  StatementScope& operator=(const StatementScope&) = delete;

 private:
  Statement* s_;
};

// Brings the schema to the current version inside one exclusive transaction.
Status Migrate(Connection& conn);
int CurrentSchemaVersion();

}  // namespace trailwatch::store::internal

#endif  // TRAILWATCH_STORE_SQLITE_H_
