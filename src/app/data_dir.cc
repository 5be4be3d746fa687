#include "app/data_dir.h"

#include "app/commands.h"

namespace trailwatch::app {

Result<DataDir> OpenDataDir(const std::string& path) {
  if (Status s = PrepareDataDir(path); !s.ok()) return s;
  DataDir d;
  auto key = vault::MasterKey::ForDataDir(path);
  if (!key.ok()) return key.status();
  d.key.emplace(std::move(*key));
  store::StoreOptions so;
  so.path = path + "/trailwatch.db";
  auto store = store::Store::Open(so);
  if (!store.ok()) return store.status();
  d.store = std::move(*store);
  return d;
}

}  // namespace trailwatch::app
