// The data dir (docs/configuration.md): created 0700, its master key and its store, opened the
// same way by `up` and by the commands that work on it directly (`iam`).
#ifndef TRAILWATCH_APP_DATA_DIR_H_
#define TRAILWATCH_APP_DATA_DIR_H_

#include <memory>
#include <optional>
#include <string>

#include "common/status.h"
#include "store/store.h"
#include "vault/vault.h"

namespace trailwatch::app {

struct DataDir {
  std::optional<vault::MasterKey> key;
  std::unique_ptr<store::Store> store;
};

// Creates the directory if needed, loads (or on first use creates) the master key, opens
// trailwatch.db.
Result<DataDir> OpenDataDir(const std::string& path);

}  // namespace trailwatch::app

#endif  // TRAILWATCH_APP_DATA_DIR_H_
