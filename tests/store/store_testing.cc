#include "store_testing.h"

#include <gtest/gtest.h>

namespace trailwatch::store {

std::unique_ptr<Store> OpenAt(const std::string& path, std::size_t max_batch) {
  StoreOptions o;
  o.path = path;
  o.max_batch = max_batch;
  auto s = Store::Open(o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

}  // namespace trailwatch::store
