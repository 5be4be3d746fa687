// Helpers shared by the store's tests.
#ifndef TRAILWATCH_TESTS_STORE_STORE_TESTING_H_
#define TRAILWATCH_TESTS_STORE_STORE_TESTING_H_

#include <cstddef>
#include <memory>
#include <string>

#include "store/store.h"

namespace trailwatch::store {

// Opens (creating) the store at `path`; null, with a test failure, when that fails.
std::unique_ptr<Store> OpenAt(const std::string& path, std::size_t max_batch = 256);

}  // namespace trailwatch::store

#endif  // TRAILWATCH_TESTS_STORE_STORE_TESTING_H_
