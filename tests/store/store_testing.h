// Helpers shared by the store's tests.
#ifndef TRAILWATCH_TESTS_STORE_STORE_TESTING_H_
#define TRAILWATCH_TESTS_STORE_STORE_TESTING_H_

#include <cstddef>
#include <memory>
#include <string>

#include "store/store.h"

namespace trailwatch::store {

// SQL that takes the audit journal of a new database back to its shape at schema 6 (flags
// in the rows instead of the marks tables of 7) and 3 (before `monitored`, 4, and the time
// index, 5), for migration tests. Every entry is undelivered and unevaluated afterwards.
#define TW_JOURNAL_BACK_TO_SCHEMA_6                                                    \
  "DROP TABLE journal_unevaluated; DROP TABLE journal_marks; "                         \
  "ALTER TABLE audit_journal ADD COLUMN delivered INTEGER NOT NULL DEFAULT 0; "        \
  "ALTER TABLE audit_journal ADD COLUMN monitored INTEGER NOT NULL DEFAULT 0; "        \
  "CREATE INDEX audit_journal_undelivered ON audit_journal(seq) WHERE delivered = 0; " \
  "CREATE INDEX audit_journal_unmonitored ON audit_journal(seq) WHERE monitored = 0; "
#define TW_JOURNAL_BACK_TO_SCHEMA_3                                          \
  TW_JOURNAL_BACK_TO_SCHEMA_6                                                \
  "DROP INDEX audit_journal_by_time; DROP INDEX audit_journal_unmonitored; " \
  "ALTER TABLE audit_journal DROP COLUMN monitored; "

// Opens (creating) the store at `path`; null, with a test failure, when that fails.
std::unique_ptr<Store> OpenAt(const std::string& path, std::size_t max_batch = 256);

// Runs `sql` on the database file at `path` with SQLite directly (to take a database back
// to an older schema); false, with a test failure naming SQLite's error, when that fails.
bool ExecSql(const std::string& path, const char* sql);

}  // namespace trailwatch::store

#endif  // TRAILWATCH_TESTS_STORE_STORE_TESTING_H_
