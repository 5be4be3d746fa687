#include "app/data_dir.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <filesystem>

namespace trailwatch::app {
namespace {

// Creates the data dir, mode 0700, if needed.
Status PrepareDataDir(const std::string& data_dir) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec)
    return Status::IoError(fmt::format("cannot create data dir {}: {}", data_dir, ec.message()));
  ::chmod(data_dir.c_str(), 0700);
  return Status::Ok();
}

}  // namespace

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
