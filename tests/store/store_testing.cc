#include "store_testing.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

namespace trailwatch::store {

std::unique_ptr<Store> OpenAt(const std::string& path, std::size_t max_batch) {
  StoreOptions o;
  o.path = path;
  o.max_batch = max_batch;
  auto s = Store::Open(o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

bool ExecSql(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  const bool opened = sqlite3_open(path.c_str(), &db) == SQLITE_OK;
  char* error = nullptr;
  const bool ran = opened && sqlite3_exec(db, sql, nullptr, nullptr, &error) == SQLITE_OK;
  EXPECT_TRUE(ran) << path << ": " << (error != nullptr ? error : sqlite3_errmsg(db));
  sqlite3_free(error);
  sqlite3_close(db);
  return ran;
}

}  // namespace trailwatch::store
