// Whole-file reads and crash-safe writes, shared by every component that keeps files (the
// trail, keys, credentials, configuration).
#ifndef TRAILWATCH_COMMON_FILES_H_
#define TRAILWATCH_COMMON_FILES_H_

#include <string>
#include <string_view>

#include "common/status.h"

namespace trailwatch {

// Writes `data` to `path` atomically: a temp file in the same directory, fsync, rename, fsync
// of the directory, so a crash leaves the old file or the new one, never half of either.
// Creates missing parent directories. The new file gets exactly `mode` (not masked).
Status WriteFileAtomic(const std::string& path, std::string_view data, unsigned mode = 0644);

// The whole file. kNotFound when it does not exist, kIoError (naming the path and the
// system's reason) on other failures.
Result<std::string> ReadFile(const std::string& path);

}  // namespace trailwatch

#endif  // TRAILWATCH_COMMON_FILES_H_
